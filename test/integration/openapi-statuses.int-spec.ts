import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/config';

/** Routes that choose their success status at run time, each with the statuses it may answer. */
const CHOSEN_AT_RUN_TIME: Record<string, string[]> = {
  // 201 when the reversal is posted now, 200 when the entry was already reversed (the same reversal again).
  'post /admin/v1/ledger/entries/{id}/reverse': ['200', '201'],
};

type Operation = { responses: Record<string, unknown> };
const committed = JSON.parse(readFileSync(resolve(__dirname, '../../openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};

/** `/v1/payments/:id` → `/v1/payments/{id}`, as OpenAPI spells it. */
function toOpenApiPath(...parts: string[]): string {
  const joined = `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Every route's success status as Nest sends it: `@HttpCode`, else 201 for POST and 200 otherwise (Nest's
 * RouterResponseController rule). Routes that write the response themselves (`@Res()`) are not in the document.
 */
async function actualSuccessStatuses(): Promise<Map<string, number>> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    PAYGRID_DATA_KEYS: `doc:${randomBytes(32).toString('base64')}`,
  });
  const app = await NestFactory.create(AppModule.forRoot(config), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const routes = new Map<string, number>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as { prototype: Record<string, unknown> } | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const paths = [Reflect.getMetadata(PATH_METADATA, handler) ?? ''].flat() as string[];
        const status =
          (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
          (method === RequestMethod.POST ? 201 : 200);
        for (const path of paths)
          routes.set(`${RequestMethod[method].toLowerCase()} ${toOpenApiPath(base, path)}`, status);
      }
    }
  }
  await app.close();
  return routes;
}

describe('documented statuses', () => {
  let actual: Map<string, number>;
  beforeAll(async () => {
    actual = await actualSuccessStatuses();
  });

  it('document, for every route, exactly the success status the route answers with', () => {
    const documented = Object.entries(committed.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        route: `${method} ${path}`,
        success: Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s)),
      })),
    );
    expect(documented.length).toBeGreaterThan(50);
    const mismatches = documented
      .map((d) => ({ ...d, actual: actual.get(d.route) }))
      .filter((d) => {
        const expected = CHOSEN_AT_RUN_TIME[d.route] ?? [String(d.actual)];
        return d.actual === undefined || !expected.includes(String(d.actual)) || d.success.join() !== expected.join();
      });
    expect(mismatches).toEqual([]);
  });

  it('document the 503 of overload and outages, with Retry-After, on every /v1 and /admin operation, and Server-Timing on every /v1 answer', () => {
    type Documented = { headers?: Record<string, { $ref?: string }> };
    const ops = Object.entries(committed.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => ({ route: `${method} ${path}`, path, op })),
    );
    const api = ops.filter((o) => o.path.startsWith('/v1/') || o.path.startsWith('/admin/'));
    expect(api.length).toBeGreaterThan(50);
    const lacking503 = api
      .filter((o) => {
        const r = o.op.responses['503'] as Documented | undefined;
        return r?.headers?.['Retry-After']?.$ref !== '#/components/headers/Retry-After';
      })
      .map((o) => o.route);
    expect(lacking503).toEqual([]);
    const lackingTiming = api
      .filter((o) => o.path.startsWith('/v1/'))
      .flatMap((o) =>
        Object.entries(o.op.responses as Record<string, Documented>)
          .filter(([, r]) => r.headers?.['Server-Timing']?.$ref !== '#/components/headers/Server-Timing')
          .map(([status]) => `${o.route} ${status}`),
      );
    expect(lackingTiming).toEqual([]);
  });

  it('document create-payment and create-refund as 201', () => {
    expect(Object.keys(committed.paths['/v1/payments'].post.responses)).toContain('201');
    expect(Object.keys(committed.paths['/v1/payments'].post.responses)).not.toContain('200');
    expect(Object.keys(committed.paths['/v1/refunds'].post.responses)).toContain('201');
    expect(actual.get('post /v1/payments')).toBe(201);
  });
});
