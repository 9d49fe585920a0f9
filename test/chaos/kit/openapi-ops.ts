import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One operation of openapi.json, with what the fuzzer needs to build a request that would otherwise pass. */
export interface Operation {
  method: string;
  /** The OpenAPI path template, e.g. `/v1/payments/{id}`. */
  path: string;
  auth: 'merchant' | 'admin' | 'none';
  pathParams: string[];
  query: Array<{ name: string; schema: any }>;
  /** A body the schema accepts (its first example, or one built from the schema); undefined without a body. */
  body?: unknown;
  hasIdempotencyKey: boolean;
  /** Every field the body schema names, as paths (`['payer', 'openid']`), for the fuzzer to spoil one at a time. */
  fields: string[][];
}

type Schema = Record<string, any>;

export function loadOperations(file = join(__dirname, '../../../openapi.json')): Operation[] {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const resolve = (s: Schema | undefined): Schema => {
    let out = s ?? {};
    while (out.$ref) out = doc.components.schemas[String(out.$ref).split('/').pop()!];
    if (out.allOf) out = Object.assign({}, ...out.allOf.map(resolve));
    return out;
  };
  const sample = (s: Schema | undefined, depth = 0): unknown => {
    const r = resolve(s);
    if (r.example !== undefined) return r.example;
    if (r.enum) return r.enum[0];
    if (r.oneOf || r.anyOf) return sample((r.oneOf ?? r.anyOf)[0], depth + 1);
    switch (r.type) {
      case 'string':
        return 'x';
      case 'integer':
      case 'number':
        return r.minimum ?? 1;
      case 'boolean':
        return true;
      case 'array':
        return depth > 4 ? [] : [sample(r.items, depth + 1)];
      default: {
        if (!r.properties || depth > 4) return {};
        const out: Record<string, unknown> = {};
        for (const name of r.required ?? []) out[name] = sample(r.properties[name], depth + 1);
        return out;
      }
    }
  };
  const fieldsOf = (s: Schema | undefined, prefix: string[] = [], depth = 0): string[][] => {
    const r = resolve(s);
    if (depth > 3) return [];
    const out: string[][] = [];
    for (const [name, child] of Object.entries<Schema>(r.properties ?? {})) {
      out.push([...prefix, name]);
      out.push(...fieldsOf(child, [...prefix, name], depth + 1));
    }
    return out;
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const security: Array<Record<string, unknown>> = op.security ?? doc.security ?? [];
      const auth = security.some((s) => 'admin' in s)
        ? 'admin'
        : security.some((s) => 'paygrid-signature' in s)
          ? 'merchant'
          : 'none';
      const params: any[] = op.parameters ?? [];
      const content = op.requestBody?.content?.['application/json'];
      const firstExample = content?.examples ? (Object.values(content.examples)[0] as any)?.value : undefined;
      ops.push({
        method: method.toUpperCase(),
        path,
        auth,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(p.schema) })),
        body: content ? (firstExample ?? content.example ?? sample(content.schema)) : undefined,
        fields: content ? fieldsOf(content.schema) : [],
        hasIdempotencyKey: params.some((p) => p.in === 'header' && /^idempotency-key$/i.test(p.name)),
      });
    }
  }
  return ops;
}
