import { CashierStreams } from '../../src/modules/checkout/cashier-streams.service';
import { TestApp, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV } from '../utils/payments-kit';
import { expectErrorShape, waitFor } from '../utils/http';
import { merchantServer, openEventStream, payerGet, payerPost } from '../utils/checkout-kit';

/**
 * The cashier's live status over Server-Sent Events (GET /checkout/{id}/events):
 * a real HTTP stream, a real sandbox payment, and the bounds that keep
 * streams from costing database connections.
 */
describe('cashier live status by SSE (e2e, sandbox providers over HTTP)', () => {
  const MAX_STREAMS = 8;
  let t: TestApp;
  let m: OnboardedMerchant;
  let shop: Awaited<ReturnType<typeof merchantServer>>;
  let n = 0;

  beforeAll(async () => {
    shop = await merchantServer();
    // Fewer pooled connections than streams: a stream that held one would starve the rest.
    t = await startTestApp({
      ...FAST_SANDBOX_ENV,
      DATABASE_POOL_SIZE: '5',
      CHECKOUT_SSE_MAX_STREAMS: String(MAX_STREAMS),
      CHECKOUT_SSE_POLL_MS: '100',
    });
    m = await onboardMerchant(t, { name: 'Acme Coffee', webhookUrl: `${shop.url}/hooks` });
  });
  afterAll(async () => {
    await t.close();
    await shop.close();
  });

  const pendingSession = async (channel = 'alipay_qr') => {
    const res = await m.client.request<any>('POST', '/v1/checkout_sessions', {
      body: {
        out_trade_no: `sse-${++n}-${Date.now()}`,
        amount: 1280,
        currency: 'CNY',
        subject: 'Tea',
        return_url: `${shop.url}/paid`,
      },
    });
    expect(res.status).toBe(201);
    expect((await payerPost(`${res.body.url}/pay`, { channel })).status).toBe(303);
    return res.body as { id: string; url: string };
  };
  const streams = () => t.app.get(CashierStreams);

  it('streams the status, then "paid" once the sandbox payment succeeds, and ends', async () => {
    const s = await pendingSession();
    // The page advertises its stream next to the polling URL.
    expect((await payerGet(s.url)).html).toContain(`data-events-url="/checkout/${s.id}/events"`);

    const stream = await openEventStream(`${s.url}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('cache-control')).toBe('no-store');
    await waitFor(async () => stream.events[0], { what: 'the first event' });
    expect(stream.events[0]).toEqual({
      event: 'status',
      data: { status: 'open', payment_status: 'pending', redirect_url: null },
    });

    expect((await payerPost(`${s.url}/sandbox`, { outcome: 'success' })).status).toBe(303);
    const paid = await waitFor(async () => stream.events.find((e) => e.event === 'paid'), {
      what: 'the paid event',
    });
    expect(paid.data).toEqual({
      status: 'complete',
      payment_status: 'succeeded',
      redirect_url: `/checkout/${s.id}/return`,
    });
    // The last event: the server ends the stream, and no longer watches the session.
    await waitFor(async () => stream.ended() || undefined, { what: 'the stream to end' });
    expect(stream.events.filter((e) => e.event === 'paid')).toHaveLength(1);
    expect(stream.events.at(-1)!.event).toBe('paid');
    expect(streams().size).toBe(0);

    // A stream opened on a complete session says so at once and ends.
    const again = await openEventStream(`${s.url}/events`);
    await waitFor(async () => again.ended() || undefined, { what: 'the stream of a complete session to end' });
    expect(again.events.map((e) => e.event)).toEqual(['paid']);
  });

  it('an unknown session is a 404 in the API error shape, and opens no stream', async () => {
    for (const id of ['cs_00000000000000000000000000', 'pay_00000000000000000000000000', 'nope']) {
      const res = await openEventStream(`${t.baseUrl}/checkout/${id}/events`);
      expect(res.status).toBe(404);
      expectErrorShape({ status: res.status, body: JSON.parse(res.body), headers: res.headers } as any, 404);
    }
    expect(streams().size).toBe(0);
  });

  it(`holds no connection per stream: ${MAX_STREAMS} streams on a pool of 5 all get their news; one more is 503 with Retry-After`, async () => {
    const sessions = [];
    for (let i = 0; i < MAX_STREAMS; i++) sessions.push(await pendingSession(i % 2 ? 'wechat_native' : 'alipay_qr'));
    const open = [];
    for (const s of sessions) {
      const st = await openEventStream(`${s.url}/events`);
      expect(st.status).toBe(200);
      open.push(st);
    }
    expect(streams().size).toBe(MAX_STREAMS);

    const extra = await pendingSession();
    const refused = await openEventStream(`${extra.url}/events`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(JSON.parse(refused.body).error).toMatchObject({ code: 'service_unavailable' });

    // With every stream open, the API and the pages still get connections, and each stream its own news.
    expect((await m.client.getCheckoutSession(extra.id)).status).toBe('open');
    for (const s of sessions.slice(0, 3))
      expect((await payerPost(`${s.url}/sandbox`, { outcome: 'success' })).status).toBe(303);
    for (const st of open.slice(0, 3))
      await waitFor(async () => st.events.find((e) => e.event === 'paid'), { what: 'each paid event' });
    // The others heard nothing but their first status: nothing changed for them.
    for (const st of open.slice(3)) expect(st.events.map((e) => e.event)).toEqual(['status']);

    // Paid streams ended, so there is room again.
    await waitFor(async () => (streams().size === MAX_STREAMS - 3 ? true : undefined), { what: 'room for streams' });
    const admitted = await openEventStream(`${extra.url}/events`);
    expect(admitted.status).toBe(200);
    admitted.close();
    for (const st of open) st.close();
    await waitFor(async () => (streams().size === 0 ? true : undefined), { what: 'closed streams to be dropped' });
  });
});
