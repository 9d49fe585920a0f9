import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { http } from '../utils/http';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, pay, waitForStatus } from '../utils/payments-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

type SchemaObject = { $ref?: string; properties?: Record<string, { example?: unknown }> };
type Operation = {
  requestBody?: { content: Record<string, { schema?: SchemaObject; examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, unknown>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, SchemaObject> };
};

const doc = JSON.parse(readFileSync(resolve(__dirname, '../../openapi.json'), 'utf8')) as Document;
const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
);

/** The body a client would start from: the operation's first example, else the schema's property examples. */
function exampleBody(op: Operation): Record<string, unknown> | undefined {
  const json = op.requestBody?.content['application/json'];
  if (!json) return undefined;
  const first = Object.values(json.examples ?? {})[0];
  if (first) return first.value as Record<string, unknown>;
  const schema = json.schema?.$ref ? doc.components.schemas[json.schema.$ref.split('/').pop()!] : json.schema;
  return Object.fromEntries(Object.entries(schema?.properties ?? {}).map(([k, p]) => [k, p.example]));
}

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'zz_01jb8y3k2m9x7q4w5e6r7t8y9u');

/**
 * Calls every documented route as a client would (no credentials, then with credentials and the documented example,
 * then with a field the schema does not have) and checks that each answer's status is one the document lists for it.
 */
describe('documented statuses, over HTTP', () => {
  let t: TestApp;
  let merchant: OnboardedMerchant;
  const seen: Array<{ route: string; status: number; documented: boolean }> = [];

  async function call(method: string, path: string, body: unknown, as: 'anonymous' | 'credentials') {
    if (as === 'credentials' && path.startsWith('/v1/'))
      return (await merchant.client.request(method, path, { body })).status;
    const token = as === 'credentials' && path.startsWith('/admin/') ? TEST_ADMIN_TOKEN : undefined;
    return (await http(method, `${t.baseUrl}${path}`, { body, token })).status;
  }

  function record(route: { method: string; path: string; op: Operation }, status: number) {
    seen.push({ route: `${route.method} ${route.path}`, status, documented: String(status) in route.op.responses });
  }

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    merchant = await onboardMerchant(t, { name: 'Statuses' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers every route only with statuses the document lists for it', async () => {
    expect(routes.length).toBeGreaterThan(50);
    for (const route of routes) {
      const path = concrete(route.path);
      const body = exampleBody(route.op);
      if (route.path.startsWith('/v1/') || route.path.startsWith('/admin/'))
        record(route, await call(route.method, path, body, 'anonymous'));
      record(route, await call(route.method, path, body, 'credentials'));
      if (body) record(route, await call(route.method, path, { ...body, not_a_field: 1 }, 'credentials'));
    }
    expect(seen.filter((s) => !s.documented)).toEqual([]);
    expect(seen.some((s) => s.status === 401)).toBe(true);
    expect(seen.some((s) => s.status === 400)).toBe(true);
  });

  it('answers create-payment and create-refund with their documented 201, and close with 200', async () => {
    const created = await merchant.client.request<any>('POST', '/v1/payments', {
      body: { out_trade_no: 'st-1', amount: 10000, currency: 'CNY', channel: 'alipay_qr', subject: 'Coffee' },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(doc.paths['/v1/payments'].post.responses).filter((s) => s.startsWith('2'))).toEqual(['201']);
    expect(await pay(t.baseUrl, created.body)).toBe(200);
    await waitForStatus(merchant.client, created.body.id, 'succeeded');
    const refund = await merchant.client.request<any>('POST', '/v1/refunds', {
      body: { payment_id: created.body.id, out_refund_no: 'st-r1', amount: 3000 },
    });
    expect(refund.status).toBe(201);
    expect(Object.keys(doc.paths['/v1/refunds'].post.responses).filter((s) => s.startsWith('2'))).toEqual(['201']);
    const open = await merchant.client.createPayment({
      out_trade_no: 'st-2',
      amount: 500,
      currency: 'CNY',
      channel: 'alipay_qr',
      subject: 'Tea',
    });
    const closed = await merchant.client.request<any>('POST', `/v1/payments/${open.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    expect(Object.keys(doc.paths['/v1/payments/{id}/close'].post.responses).filter((s) => s.startsWith('2'))).toEqual([
      '200',
    ]);
  });

  it('serves docs/api.md beside the Swagger UI, which links to it', async () => {
    const page = await http('GET', `${t.baseUrl}/docs/api.md`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/markdown/);
    expect(page.text).toContain('# Paygrid API — the wire contract');
    const json = await http('GET', `${t.baseUrl}/docs-json`);
    expect(json.body.externalDocs.url).toBe('/docs/api.md');
    expect(json.body.info.description).toContain('(/docs/api.md)');
  });
});
