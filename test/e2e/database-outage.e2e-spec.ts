import { PaygridClient } from '@paygrid/sdk';
import { Client } from 'pg';
import { http } from '../utils/http';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, count } from '../utils/payments-kit';
import { viaProxy } from '../utils/tcp-proxy';
import { TcpProxyProcess } from '../utils/tcp-proxy-process';
import { TestApp, startTestApp } from '../utils/test-app';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

/**
 * Issue 16, defects 1 and 7, and the SDK across a blip: with PostgreSQL
 * reset or silently partitioned (a TCP proxy between the app and the
 * server), requests answer 503 `service_unavailable` with Retry-After within
 * seconds, never 500 and never a hang; readiness says so within its own
 * timeout; and a create through the SDK succeeds once the database is back,
 * exactly once.
 */
describe('hardening: a database outage answers 503 with Retry-After (e2e)', () => {
  let db: TestDatabase;
  let proxy: TcpProxyProcess;
  let t: TestApp;
  let m: OnboardedMerchant;
  let direct: Client;
  const body = (n: string) => ({
    out_trade_no: n,
    amount: 100,
    currency: 'CNY',
    channel: 'alipay_qr' as const,
    subject: 'outage',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = new TcpProxyProcess(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
    await proxy.start();
    t = await startTestApp(
      {
        ...FAST_SANDBOX_ENV,
        DATABASE_URL: viaProxy(db.url, proxy.port),
        DATABASE_CONNECT_TIMEOUT_MS: '10000', // production's default (test apps otherwise wait 30 s)
        DATABASE_QUERY_TIMEOUT_MS: '3000',
        DATABASE_STATEMENT_TIMEOUT_MS: '2500',
        HEALTH_CHECK_TIMEOUT_MS: '500',
      },
      { db },
    );
    m = await onboardMerchant(t, { channels: ['alipay_qr'] });
    // Counts are read beside the proxy, so they work while the app's own path is cut.
    direct = await rawClient(db.url);
  });
  afterEach(async () => {
    await proxy.heal();
    await proxy.restore();
  });
  afterAll(async () => {
    await direct?.end();
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });

  const payments = async (outTradeNo: string) =>
    Number(
      (await direct.query('SELECT count(*)::int AS n FROM payments WHERE out_trade_no = $1', [outTradeNo])).rows[0].n,
    );

  function expect503(res: { status: number; body: any; headers: Headers }): void {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 503, code: 'service_unavailable' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.body.error.type).toBe('api_error');
  }

  it('answers 503 with Retry-After, not 500, while connections are reset and refused', async () => {
    const created = await m.client.createPayment(body('before-reset'));
    await proxy.cut();
    const create = await m.client.request<any>('POST', '/v1/payments', { body: body('during-reset') });
    expect503(create);
    const read = await m.client.request<any>('GET', `/v1/payments/${created.id}`);
    expect503(read);
    const adminRead = await http('GET', `${t.baseUrl}/admin/v1/merchants`, {
      token: 'test-admin-token-0123456789abcdef',
    });
    expect503(adminRead);
    await proxy.restore();
    expect(await payments('during-reset')).toBe(0);
    const after = await m.client.request<any>('POST', '/v1/payments', { body: body('during-reset') });
    expect(after.status).toBe(201);
  });

  it('answers within seconds during a silent partition (packets dropped), then serves again after the heal', async () => {
    await m.client.createPayment(body('warm-up'));
    await proxy.partition();
    const started = Date.now();
    const create = await m.client.request<any>('POST', '/v1/payments', { body: body('during-partition') });
    const tookMs = Date.now() - started;
    expect503(create);
    // Connect timeout 10 s (production's default), query timeout 3 s: far from the 30 s pool checkout the defect showed.
    expect(tookMs).toBeLessThan(15_000);
    await proxy.heal();
    const after = await m.client.request<any>('POST', '/v1/payments', { body: body('after-partition') });
    expect(after.status).toBe(201);
  });

  it('/health/ready answers 503 within its own timeout during a partition and 200 after the heal', async () => {
    expect((await http('GET', `${t.baseUrl}/health/ready`)).status).toBe(200);
    await proxy.partition();
    const started = Date.now();
    const res = await http('GET', `${t.baseUrl}/health/ready`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('service_unavailable');
    expect(JSON.stringify(res.body)).toContain('database');
    await proxy.heal();
    await proxy.restore();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) status = (await http('GET', `${t.baseUrl}/health/ready`)).status;
    expect(status).toBe(200);
  });

  it('the SDK retries the 503s with the same Idempotency-Key and the create succeeds once after the blip', async () => {
    const statuses: number[] = [];
    const keys = new Set<string>();
    const client = new PaygridClient({
      baseUrl: t.baseUrl,
      appId: m.appId,
      keyId: m.keyId,
      secret: m.secret!,
      maxRetries: 20,
      maxRetryDelayMs: 1000,
      fetch: async (input, init) => {
        const key = new Headers(init?.headers).get('idempotency-key');
        if (key) keys.add(key);
        const res = await fetch(input, init);
        if (String(input).includes('/v1/payments')) {
          statuses.push(res.status);
          // The blip ends once the SDK has met it twice.
          if (statuses.filter((s) => s === 503).length === 2) void proxy.restore();
        }
        return res;
      },
    });
    await proxy.cut();
    const payment = await client.createPayment(body('sdk-blip'));
    expect(payment.status).toBe('pending');
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(2);
    expect(statuses).not.toContain(500);
    expect(statuses[statuses.length - 1]).toBe(201);
    expect(keys.size).toBe(1);
    expect(await payments('sdk-blip')).toBe(1);
    expect(
      await count(t.dataSource, `SELECT 1 FROM idempotency_keys WHERE idempotency_key = $1 AND status = 'completed'`, [
        [...keys][0],
      ]),
    ).toBe(1);
  });
});
