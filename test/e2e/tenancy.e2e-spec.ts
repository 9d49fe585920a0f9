import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';
import { http, waitFor } from '../utils/http';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, card, count, pay, waitForStatus } from '../utils/payments-kit';

/**
 * BOLA (RELIABILITY S1): merchant B's credentials against every `/v1` route
 * of the served OpenAPI document that names an object, using merchant A's
 * ids. Every one must answer 404 and change nothing. A new route with a path
 * parameter fails this test until it is listed here.
 */
describe('tenancy: another merchant’s ids answer 404 on every /v1 route (e2e)', () => {
  let t: TestApp;
  let a: OnboardedMerchant;
  let b: OnboardedMerchant;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    a = await onboardMerchant(t, { name: 'A' });
    b = await onboardMerchant(t, { name: 'B' });
    const paid = await a.client.post<any>('/v1/payments', {
      out_trade_no: 'a-1',
      amount: 1000,
      currency: 'CNY',
      channel: 'card',
      subject: 'A',
      card: { encrypted: await a.client.encryptCard(card('4242424242424242')) },
    });
    const authorized = await a.client.post<any>('/v1/payments', {
      out_trade_no: 'a-2',
      amount: 1000,
      currency: 'CNY',
      channel: 'card',
      capture_method: 'manual',
      subject: 'A',
      card: { token: paid.card.token },
    });
    const refund = await a.client.post<any>('/v1/refunds', { payment_id: paid.id, out_refund_no: 'a-r1', amount: 100 });
    ids.payment = authorized.id;
    ids.paidPayment = paid.id;
    ids.refund = refund.id;
    ids.token = paid.card.token;
    const session = await a.client.post<any>('/v1/checkout_sessions', {
      out_trade_no: 'a-cs1',
      amount: 1000,
      currency: 'CNY',
      subject: 'A',
      return_url: 'https://shop.example/paid',
    });
    ids.checkoutSession = session.id;
    const counterCode = await a.client.post<any>('/v1/counter_codes', { currency: 'CNY', subject: 'A counter' });
    ids.counterCode = counterCode.id;
    // A split of A's (profit sharing on a WeChat payment), for the /v1/splits routes.
    const shared = await a.client.post<any>('/v1/payments', {
      out_trade_no: 'a-ps1',
      amount: 1000,
      currency: 'CNY',
      channel: 'wechat_native',
      subject: 'A',
      profit_sharing: true,
    });
    await pay(t.baseUrl, shared);
    await waitForStatus(a.client, shared.id, 'succeeded');
    const split = await a.client.post<any>(`/v1/payments/${shared.id}/splits`, {
      receivers: [{ type: 'merchant', account: '1900000301', name: 'R', amount: 100, description: 'share' }],
    });
    ids.split = split.id;
    // Settled first, so that the before/after comparison below sees only what B's calls could have changed.
    await waitFor(async () => (await a.client.get<any>(`/v1/splits/${split.id}`)).status === 'succeeded', {
      what: "A's split",
    });
    const [{ id: eventId }] = await t.dataSource.query('SELECT id FROM events WHERE merchant_id = $1 LIMIT 1', [
      a.merchantId,
    ]);
    ids.event = eventId;
    const delivery = await t.dataSource.query('SELECT id FROM webhook_deliveries LIMIT 1').catch(() => []);
    ids.delivery = delivery[0]?.id ?? 'whd_01m8aaaaaaaaaaaaaaaaaaaaaa';
    // Settle A's (still open) day now, so the settlement route is probed with a real id of A's.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    await http('POST', `${t.baseUrl}/admin/v1/settlements/run`, {
      token: TEST_ADMIN_TOKEN,
      body: { day: today, merchant_id: a.merchantId, force: true },
    });
    const settlement = await t.dataSource
      .query('SELECT id FROM settlements WHERE merchant_id = $1 LIMIT 1', [a.merchantId])
      .catch(() => []);
    ids.settlement = settlement[0]?.id ?? 'stl_01m8aaaaaaaaaaaaaaaaaaaaaa';
  });
  afterAll(() => t.close());

  /** Which of A's ids goes into which path; every parameterised /v1 path must be listed. */
  const idFor = (path: string): string | undefined => {
    if (path.startsWith('/v1/payments/{id}')) return ids.payment;
    if (path.startsWith('/v1/refunds/{id}')) return ids.refund;
    if (path.startsWith('/v1/events/{id}')) return ids.event;
    if (path.startsWith('/v1/webhook-deliveries/{id}')) return ids.delivery;
    if (path.startsWith('/v1/settlements/{id}')) return ids.settlement;
    if (path.startsWith('/v1/checkout_sessions/{id}')) return ids.checkoutSession;
    if (path.startsWith('/v1/counter_codes/{id}')) return ids.counterCode;
    if (path.startsWith('/v1/splits/{id}')) return ids.split;
    return undefined;
  };
  /** A body the route accepts, so that what answers is the tenancy check, not validation. */
  const bodyFor = (path: string): Record<string, unknown> => {
    if (path === '/v1/payments/{id}/splits')
      return { receivers: [{ type: 'merchant', account: '1900000302', amount: 1, description: 'x' }] };
    if (path === '/v1/splits/{id}/returns') return { amount: 1, description: 'x' };
    return {};
  };

  it('answers 404 with B’s signature on each route, and A’s objects are unchanged', async () => {
    const doc = await http('GET', `${t.baseUrl}/docs-json`);
    const routes = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/v1/') && path.includes('{'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ path, method: method.toUpperCase() })));
    expect(routes.length).toBeGreaterThanOrEqual(5);
    const before = await t.dataSource.query('SELECT id, status, amount_refunded, version FROM payments ORDER BY id');
    const splitsBefore = await t.dataSource.query('SELECT id, status, amount_returned FROM splits ORDER BY id');
    for (const { path, method } of routes) {
      const id = idFor(path);
      expect({ path, covered: id !== undefined }).toEqual({ path, covered: true });
      const res = await b.client.request<any>(method, path.replace('{id}', id!), {
        body: method === 'POST' ? bodyFor(path) : undefined,
      });
      expect({ method, path, status: res.status, code: (res.body as any)?.error?.code }).toEqual({
        method,
        path,
        status: 404,
        code: 'resource_missing',
      });
    }
    expect(await t.dataSource.query('SELECT id, status, amount_refunded, version FROM payments ORDER BY id')).toEqual(
      before,
    );
    expect(await t.dataSource.query('SELECT id, status, amount_returned FROM splits ORDER BY id')).toEqual(
      splitsBefore,
    );
    expect(await count(t.dataSource, 'SELECT 1 FROM split_returns')).toBe(0);
  });

  it('refuses B a refund of A’s payment, A’s card token, and finds nothing of A’s in B’s lists', async () => {
    await expect(
      b.client.post('/v1/refunds', { payment_id: ids.paidPayment, out_refund_no: 'b-r1', amount: 1 }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      b.client.post('/v1/payments', {
        out_trade_no: 'b-1',
        amount: 100,
        currency: 'CNY',
        channel: 'card',
        subject: 'B',
        card: { token: ids.token },
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(await count(t.dataSource, 'SELECT 1 FROM refunds WHERE app_id = $1', [b.appId])).toBe(0);
    expect((await b.client.get<any>('/v1/payments', { out_trade_no: 'a-1' })).data).toEqual([]);
    expect((await b.client.get<any>('/v1/payments')).data).toEqual([]);
    expect((await b.client.get<any>('/v1/refunds')).data).toEqual([]);
    const events = await waitFor(async () => b.client.get<any>('/v1/events').catch(() => ({ data: [] })));
    expect(events.data.filter((e: any) => e.merchant_id === a.merchantId)).toEqual([]);
  });
});
