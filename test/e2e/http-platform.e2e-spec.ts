import { TestApp, TEST_ADMIN_TOKEN, startTestApp } from '../utils/test-app';
import { expectErrorShape, http } from '../utils/http';

describe('HTTP platform (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT: '64kb' });
  });
  afterAll(() => t.close());

  it('answers unknown routes with the error shape and a Request-Id', async () => {
    expectErrorShape(await http('GET', `${t.baseUrl}/no/such/route`), 404, 'route_not_found');
  });

  it('answers malformed JSON with 400 body_malformed', async () => {
    const res = await http('POST', `${t.baseUrl}/admin/v1/merchants`, { raw: '{"name": "x"', token: TEST_ADMIN_TOKEN });
    expectErrorShape(res, 400, 'body_malformed');
  });

  it('answers a body over the limit with 413 and writes nothing', async () => {
    const res = await http('POST', `${t.baseUrl}/admin/v1/merchants`, {
      body: { name: 'x'.repeat(100 * 1024) },
      token: TEST_ADMIN_TOKEN,
    });
    expectErrorShape(res, 413, 'body_too_large');
    const [{ count }] = await t.dataSource.query('SELECT count(*)::int AS count FROM merchants');
    expect(count).toBe(0);
  });

  it('puts a Request-Id on successful responses too', async () => {
    const res = await http('GET', `${t.baseUrl}/health/live`);
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_[0-9a-f]{24}$/);
  });

  it('reports readiness with the database up', async () => {
    const res = await http('GET', `${t.baseUrl}/health/ready`);
    expect(res.status).toBe(200);
    expect(res.body.details.database.status).toBe('up');
  });

  it('exposes Prometheus metrics with per-route counters and latency', async () => {
    await http('GET', `${t.baseUrl}/health/live`);
    const res = await fetch(`${t.baseUrl}/metrics`);
    const text = await res.text();
    expect(text).toContain('paygrid_http_requests_total{method="GET",route="/health/live",status="200"}');
    expect(text).toContain('paygrid_http_request_duration_seconds_bucket');
  });

  it('serves Swagger UI and the OpenAPI document with the admin bearer scheme', async () => {
    expect((await fetch(`${t.baseUrl}/docs`)).status).toBe(200);
    const doc = await http('GET', `${t.baseUrl}/docs-json`);
    expect(doc.body.components.securitySchemes.admin).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(doc.body.paths)).toContain('/admin/v1/merchants');
  });
});
