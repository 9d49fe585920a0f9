import { Socket, connect } from 'node:net';
import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { LoadShedder } from '../../src/modules/observability/load-shedder';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, count, effectsOf, pay, waitForStatus } from '../utils/payments-kit';
import { expectErrorShape, http, waitFor } from '../utils/http';

/** A /v1 request whose headers arrived and whose body never ends: it stays in flight until the socket closes. */
function holdOpen(baseUrl: string): Promise<Socket> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => {
      s.write(
        'POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      resolve(s);
    });
    s.on('error', reject);
  });
}

describe('overload is refused, not queued (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let shedder: LoadShedder;
  const held: Socket[] = [];

  beforeAll(async () => {
    // Compression 1000: Alipay's first retries come after 240 ms and 600 ms, so some fall in the overload.
    t = await startTestApp({ ...FAST_SANDBOX_ENV, SANDBOX_TIME_COMPRESSION: '1000', OVERLOAD_MAX_IN_FLIGHT: '2' });
    m = await onboardMerchant(t);
    shedder = t.app.get(LoadShedder);
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await t.close();
  });

  it('answers 503 with Retry-After past the in-flight limit, keeps /health, and loses no provider callback', async () => {
    const payment = await m.client.post<any>('/v1/payments', {
      out_trade_no: `ovl-${Date.now()}`,
      amount: 1200,
      currency: 'CNY',
      channel: 'alipay_qr',
      subject: 'Overload',
    });
    await waitFor(async () => shedder.inFlight === 0, { what: 'no request in flight' });
    held.push(await holdOpen(t.baseUrl), await holdOpen(t.baseUrl));
    await waitFor(async () => shedder.inFlight === 2, { what: 'two requests in flight' });

    const refused = await http('GET', `${t.baseUrl}/v1/payments/${payment.id}`);
    expectErrorShape(refused, 503, 'service_unavailable');
    expect(refused.headers.get('retry-after')).toBe('1');
    // The admin API likewise (OpenAPI declares this 503 on every /v1 and /admin operation).
    const adminRefused = await http('GET', `${t.baseUrl}/admin/v1/merchants`, { token: TEST_ADMIN_TOKEN });
    expectErrorShape(adminRefused, 503, 'service_unavailable');
    expect(adminRefused.headers.get('retry-after')).toBe('1');
    expect((await http('GET', `${t.baseUrl}/health/live`)).status).toBe(200);

    // The payer pays on the simulator (not shed); Alipay's notification arrives while overloaded.
    expect(await pay(t.baseUrl, payment)).toBeLessThan(300);
    const sim = t.app.get(AlipaySimulator);
    const delivery = await waitFor(
      async () => sim.deliveries().find((d) => d.url.includes('/callbacks/alipay') && d.attempts.length > 0),
      { what: 'a first callback attempt' },
    );
    expect(delivery.attempts[0]).toMatchObject({ status: 200, acknowledged: false });
    // Nothing stored or applied while shed.
    expect(
      await count(t.dataSource, 'SELECT 1 FROM provider_callbacks WHERE provider_order_id = $1', [payment.id]),
    ).toBe(0);
    const [row] = await t.dataSource.query('SELECT status FROM payments WHERE id = $1', [payment.id]);
    expect(row.status).toBe(payment.status);
    expect(await effectsOf(t.dataSource, payment.id)).toEqual({ entries: 0, events: [] });

    // Other providers' "try again": WeChat Pay v3 HTTP 500 FAIL; card a non-2xx.
    const wechat = await http('POST', `${t.baseUrl}/callbacks/wechatpay`, { raw: '{}' });
    expect(wechat.status).toBe(500);
    expect(wechat.body).toMatchObject({ code: 'FAIL' });
    expect((await http('POST', `${t.baseUrl}/callbacks/card`, { raw: '{}' })).status).toBeGreaterThanOrEqual(300);
    const shedMetrics = await shedder.shed.get();
    expect(shedMetrics.values.find((v) => v.labels.reason === 'in_flight')?.value).toBeGreaterThanOrEqual(4);

    for (const s of held) s.destroy();
    await waitFor(async () => shedder.inFlight === 0, { what: 'held requests released' });

    // The provider's retry is applied, exactly once.
    await waitForStatus(m.client, payment.id, 'succeeded');
    await waitFor(async () => delivery.state === 'delivered', { what: 'the retry acknowledged', timeoutMs: 15_000 });
    expect(delivery.attempts.length).toBeGreaterThan(1);
    expect(await effectsOf(t.dataSource, payment.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });
  });
});
