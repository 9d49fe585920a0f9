import { verifyWebhook } from '@paygrid/sdk';
import { CheckoutExpiryWorker } from '../../src/modules/checkout/checkout-expiry.worker';
import { TestApp, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_EVENTS_ENV } from '../utils/events-kit';
import { FAST_SANDBOX_ENV, pay } from '../utils/payments-kit';
import { waitFor } from '../utils/http';
import { merchantServer, payerPost } from '../utils/checkout-kit';

/**
 * checkout_session.completed / .expired: internal events and merchant
 * webhooks through the outbox, once per change, whoever makes the change
 * (the payment consumer, the sweeper, or a page view).
 */
describe('checkout session events (e2e, sandbox providers over HTTP)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let shop: Awaited<ReturnType<typeof merchantServer>>;
  let n = 0;

  beforeAll(async () => {
    shop = await merchantServer();
    t = await startTestApp({ ...FAST_SANDBOX_ENV, ...FAST_EVENTS_ENV });
    m = await onboardMerchant(t, { name: 'Acme Coffee', webhookUrl: `${shop.url}/hooks` });
  });
  afterAll(async () => {
    await t.close();
    await shop.close();
  });

  const create = async (body: Record<string, unknown> = {}) => {
    const res = await m.client.request<any>('POST', '/v1/checkout_sessions', {
      body: { out_trade_no: `ce-${++n}-${Date.now()}`, amount: 2500, currency: 'CNY', subject: 'Tea', ...body },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; url: string; out_trade_no: string };
  };
  const eventsOf = async (id: string): Promise<Array<{ type: string; aggregate_sequence: number }>> =>
    t.dataSource.query(
      `SELECT type, aggregate_sequence FROM events WHERE aggregate_id = $1 ORDER BY aggregate_sequence`,
      [id],
    );
  const hooksFor = (id: string, type: string) =>
    shop.webhooks.filter((w) => w.body.includes(`"${type}"`) && w.body.includes(`"id":"${id}"`));

  it('a paid session emits checkout_session.completed once, as an event and a signed webhook; an unpaid open one emits nothing', async () => {
    const unpaid = await create();
    expect((await payerPost(`${unpaid.url}/pay`, { channel: 'alipay_qr' })).status).toBe(303);

    const s = await create();
    expect((await payerPost(`${s.url}/pay`, { channel: 'alipay_qr' })).status).toBe(303);
    // Pay, and nobody looks at the page afterwards: the payment's own event completes the session.
    expect((await payerPost(`${s.url}/sandbox`, { outcome: 'success' })).status).toBe(303);

    const hook = await waitFor(async () => hooksFor(s.id, 'checkout_session.completed')[0], {
      what: 'the checkout_session.completed webhook',
    });
    const event = verifyWebhook(m.webhookSecret!, hook.body, hook.headers) as any;
    const paymentId = event.data.object.payment_id;
    expect(event).toMatchObject({
      type: 'checkout_session.completed',
      merchant_id: m.merchantId,
      app_id: m.appId,
      aggregate_id: s.id,
      aggregate_sequence: 1,
      data: {
        object: {
          id: s.id,
          object: 'checkout_session',
          status: 'complete',
          out_trade_no: s.out_trade_no,
          amount: 2500,
          currency: 'CNY',
          payment_id: expect.stringMatching(/^pay_/),
          url: s.url,
        },
      },
    });
    expect((await m.client.getPayment(paymentId)).status).toBe('succeeded');
    // The internal event: the same envelope in the merchant's event list (and on paygrid.events).
    const listed = await m.client.request<any>('GET', '/v1/events?type=checkout_session.completed');
    expect(listed.body.data.map((e: any) => e.id)).toContain(event.id);

    // Page views, the API and the sweeper afterwards change nothing and emit nothing more.
    expect((await m.client.getCheckoutSession(s.id)).status).toBe('complete');
    await (await fetch(`${s.url}/status`)).text();
    await t.app.get(CheckoutExpiryWorker).tick();
    expect(await eventsOf(s.id)).toEqual([{ type: 'checkout_session.completed', aggregate_sequence: 1 }]);

    // The unpaid session started a payment too, and is still open: no event, no webhook.
    expect((await m.client.getCheckoutSession(unpaid.id)).status).toBe('open');
    expect(await eventsOf(unpaid.id)).toEqual([]);
    expect(shop.webhooks.filter((w) => w.body.includes(unpaid.id))).toEqual([]);
    expect(hooksFor(s.id, 'checkout_session.completed')).toHaveLength(1);
  });

  it('a session whose clock ran out unpaid emits checkout_session.expired once, without anyone opening it', async () => {
    const s = await create();
    expect((await payerPost(`${s.url}/pay`, { channel: 'wechat_native' })).status).toBe(303);
    // The session's clock, moved instead of waited for (the shortest expiry the API takes is minutes).
    await t.dataSource.query(`UPDATE checkout_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      s.id,
    ]);

    const hook = await waitFor(async () => hooksFor(s.id, 'checkout_session.expired')[0], {
      what: 'the checkout_session.expired webhook (from the sweeper)',
    });
    const event = verifyWebhook(m.webhookSecret!, hook.body, hook.headers) as any;
    expect(event).toMatchObject({
      type: 'checkout_session.expired',
      aggregate_id: s.id,
      data: { object: { id: s.id, status: 'expired', completed_at: null } },
    });

    await t.app.get(CheckoutExpiryWorker).tick();
    expect((await m.client.getCheckoutSession(s.id)).status).toBe('expired');
    await (await fetch(`${s.url}/status`)).text();
    expect(await eventsOf(s.id)).toEqual([{ type: 'checkout_session.expired', aggregate_sequence: 1 }]);
    expect(hooksFor(s.id, 'checkout_session.expired')).toHaveLength(1);
  });

  it('a payment the merchant tagged with a session it did not start completes nothing', async () => {
    const s = await create();
    const p = await m.client.request<any>('POST', '/v1/payments', {
      body: {
        out_trade_no: `forged-${Date.now()}`,
        amount: 2500,
        currency: 'CNY',
        channel: 'alipay_qr',
        subject: 'Tea',
        metadata: { checkout_session_id: s.id },
      },
    });
    expect(p.status).toBe(201);
    expect(await pay(t.baseUrl, p.body)).toBe(200);
    await waitFor(
      async () => shop.webhooks.find((w) => w.body.includes(p.body.id) && w.body.includes('"payment.succeeded"')),
      { what: 'the forged payment to succeed' },
    );
    // The checkout consumer has had that payment.succeeded by the time its webhook went out (both consume it).
    await waitFor(
      async () =>
        Number(
          (
            await t.dataSource.query(
              `SELECT count(*) FROM event_inbox i JOIN events e ON e.id = i.event_id
                WHERE i.consumer = 'checkout' AND e.aggregate_id = $1`,
              [p.body.id],
            )
          )[0].count,
        ) === 1 || undefined,
      { what: 'the checkout consumer to handle the payment' },
    );
    expect((await m.client.getCheckoutSession(s.id)).status).toBe('open');
    expect(await eventsOf(s.id)).toEqual([]);
  });
});
