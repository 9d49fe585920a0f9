import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { TestApp, startTestApp } from '../utils/test-app';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV } from '../utils/payments-kit';
import { http } from '../utils/http';

/** `paygrid;dur=1.23` or `paygrid;dur=1.23, provider;dur=456.78` → the figures by name. */
function timings(header: string | null): Record<string, number> {
  expect(header).toMatch(/^paygrid;dur=\d+\.\d{2}(, provider;dur=\d+\.\d{2})?$/);
  return Object.fromEntries(
    header!.split(', ').map((part) => {
      const [name, dur] = part.split(';dur=');
      return [name, Number(dur)];
    }),
  );
}

describe('Server-Timing on /v1 answers (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let sim: AlipaySimulator;
  let n = 0;
  const createBody = () => ({
    out_trade_no: `st-${++n}-${Date.now()}`,
    amount: 800,
    currency: 'CNY',
    channel: 'alipay_qr',
    subject: 'Timing',
  });

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t);
    sim = t.app.get(AlipaySimulator);
  });
  afterAll(async () => {
    sim?.controls.reset();
    await t.close();
  });

  it('a create whose provider is slow: the wait is in `provider`, not in `paygrid`', async () => {
    sim.controls.set({ slowMs: 400 });
    try {
      const started = performance.now();
      const res = await m.client.request('POST', '/v1/payments', { body: createBody() });
      const wall = performance.now() - started;
      expect(res.status).toBe(201);
      const { paygrid, provider } = timings(res.headers.get('server-timing'));
      expect(provider).toBeGreaterThanOrEqual(400);
      expect(paygrid).toBeGreaterThan(0);
      // Paygrid's own share excludes the 400 ms wait; the two together are at most what the client saw.
      expect(paygrid).toBeLessThan(400);
      expect(paygrid + provider).toBeLessThanOrEqual(wall);
    } finally {
      sim.controls.reset();
    }
  });

  it('a GET calls no provider: only `paygrid`', async () => {
    const p = await m.client.post<any>('/v1/payments', createBody());
    const res = await m.client.request('GET', `/v1/payments/${p.id}`);
    expect(res.status).toBe(200);
    expect(Object.keys(timings(res.headers.get('server-timing')))).toEqual(['paygrid']);
  });

  it('error answers of /v1 carry it too (a 401 before any handler); other routes do not', async () => {
    const refused = await http('GET', `${t.baseUrl}/v1/payments`);
    expect(refused.status).toBe(401);
    expect(Object.keys(timings(refused.headers.get('server-timing')))).toEqual(['paygrid']);
    expect((await http('GET', `${t.baseUrl}/health/live`)).headers.get('server-timing')).toBeNull();
  });
});
