import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiJson } from '../../scripts/openapi-document';

type Schema = {
  example?: unknown;
  $ref?: string;
  allOf?: unknown;
  anyOf?: unknown;
  type?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
};

/** The committed contract changes only on purpose: run `npm run openapi` and commit. */
describe('openapi.json', () => {
  const committed = JSON.parse(readFileSync(resolve(__dirname, '../../openapi.json'), 'utf8'));

  it('is current with the code', async () => {
    expect(JSON.parse(await openApiJson())).toEqual(committed);
  });

  it('gives every route a summary and every schema property an example', () => {
    const operations = Object.entries(committed.paths as Record<string, Record<string, { summary?: string }>>).flatMap(
      ([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, summary: op.summary })),
    );
    expect(operations.filter((o) => !o.summary).map((o) => o.route)).toEqual([]);
    const withoutExample = Object.entries(committed.components.schemas as Record<string, Schema>).flatMap(([name, s]) =>
      Object.entries(s.properties ?? {})
        .filter(
          ([, p]) =>
            p.example === undefined &&
            !p.$ref &&
            !p.allOf &&
            !p.anyOf &&
            !(p.type === 'array' && (p.items?.$ref || p.items?.example !== undefined)),
        )
        .map(([prop]) => `${name}.${prop}`),
    );
    expect(withoutExample).toEqual([]);
  });

  it('documents the signature scheme on every /v1 route and the admin bearer on every /admin route', () => {
    for (const [path, ops] of Object.entries(
      committed.paths as Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>,
    )) {
      for (const [method, op] of Object.entries(ops)) {
        const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
        if (path.startsWith('/v1/'))
          expect({ route: `${method} ${path}`, schemes }).toEqual({
            route: `${method} ${path}`,
            schemes: ['paygrid-signature'],
          });
        if (path.startsWith('/admin/'))
          expect({ route: `${method} ${path}`, schemes }).toEqual({ route: `${method} ${path}`, schemes: ['admin'] });
      }
    }
  });
});
