import { verifyWebhook } from '@paygrid/sdk';
import { TestApp, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, trialBalanceIsZero } from '../utils/payments-kit';
import { expectErrorShape, waitFor } from '../utils/http';
import { UA, merchantServer, payerGet, payerPost } from '../utils/checkout-kit';

describe('checkout sessions and the hosted cashier (e2e, sandbox providers over HTTP)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let shop: Awaited<ReturnType<typeof merchantServer>>;
  let n = 0;
  const order = () => `co-${++n}-${Date.now()}`;
  const sessions = async () => Number((await t.dataSource.query(`SELECT count(*) FROM checkout_sessions`))[0].count);

  beforeAll(async () => {
    shop = await merchantServer();
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t, {
      name: 'Acme Coffee',
      webhookUrl: `${shop.url}/hooks`,
      merchant: { fee_bps: 60 },
    });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
    await shop.close();
  });

  const create = (body: Record<string, unknown> = {}, idempotencyKey?: string) =>
    m.client.request<any>('POST', '/v1/checkout_sessions', {
      body: {
        out_trade_no: order(),
        amount: 10000,
        currency: 'CNY',
        subject: 'Coffee beans 1 kg',
        return_url: `${shop.url}/paid?order=42`,
        ...body,
      },
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });

  it('creates a session with a cashier URL and its QR code; a replay answers the same; a reused out_trade_no is 409', async () => {
    const key = `idem-${Date.now()}`;
    const body = { out_trade_no: order(), channels: ['alipay_qr', 'wechat_native'] };
    const first = await create(body, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      id: expect.stringMatching(/^cs_[0-9a-z]{26}$/),
      object: 'checkout_session',
      url: `${t.baseUrl}/checkout/${first.body.id}`,
      qr_code_image: expect.stringMatching(/^data:image\/svg\+xml;base64,/),
      amount: 10000,
      currency: 'CNY',
      channels: ['alipay_qr', 'wechat_native'],
      status: 'open',
      payment_id: null,
    });
    const replay = await create(body, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    const dup = await create({ out_trade_no: body.out_trade_no });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'duplicate_out_trade_no', checkout_session_id: first.body.id });
    expect((await m.client.getCheckoutSession(first.body.id)).status).toBe('open');
  });

  it('refuses bad input with a clear 4xx and creates nothing', async () => {
    const before = await sessions();
    for (const [body, status] of [
      [{ amount: 0 }, 400],
      [{ amount: 10.5 }, 400],
      [{ channels: ['card'] }, 400],
      [{ channels: [] }, 400],
      [{ return_url: 'javascript:alert(1)' }, 400],
      [{ currency: 'XXX1' }, 400],
      [{ expires_in: 10 }, 400],
      [{ status: 'complete' }, 400],
    ] as const) {
      const res = await create(body);
      expectErrorShape(res as any, status);
    }
    expect(await sessions()).toBe(before);
  });

  it("another merchant's session is not found", async () => {
    const other = await onboardMerchant(t, { name: 'Other shop' });
    const mine = (await create()).body;
    const res = await other.client.request<any>('GET', `/v1/checkout_sessions/${mine.id}`);
    expectErrorShape(res as any, 404);
  });

  it('a desktop browser gets the choice; paying by Alipay QR in the sandbox completes the session and returns the buyer with a signed query', async () => {
    const s = (await create()).body;
    const page = await payerGet(s.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.html).toContain('Acme Coffee');
    expect(page.html).toContain('100.00</span> <span class="currency">CNY');
    expect(page.html).toMatch(/<svg[^>]+role="img"/);
    expect(page.html).toContain('data-channel="alipay_qr"');
    // JSAPI needs WeChat's own browser: a desktop is not offered it.
    expect(page.html).not.toContain('data-channel="wechat_jsapi"');
    expect(page.html).not.toMatch(/<script>|style="|onclick/);
    expect(page.html).not.toContain(m.secret!);
    expect(page.html).not.toContain(m.webhookSecret!);

    const chose = await payerPost(`${s.url}/pay`, { channel: 'alipay_qr' });
    expect(chose).toMatchObject({ status: 303, location: `/checkout/${s.id}` });
    const qrPage = await payerGet(s.url);
    expect(qrPage.html).toContain('Scan with Alipay');
    expect(qrPage.html).toContain('data-state="pending"');
    const session = await m.client.getCheckoutSession(s.id);
    const payment = await m.client.getPayment(session.payment_id!);
    expect(payment).toMatchObject({
      channel: 'alipay_qr',
      status: 'pending',
      amount: 10000,
      out_trade_no: `${s.id.replace('_', '')}-1`,
      metadata: { checkout_session_id: s.id, out_trade_no: s.out_trade_no },
    });

    // Not paid yet: the return leads back to the cashier, unsigned.
    expect((await payerGet(`${s.url}/return`)).location).toBe(`/checkout/${s.id}`);

    expect((await payerPost(`${s.url}/sandbox`, { outcome: 'success' })).status).toBe(303);
    const status = await waitFor(
      async () => {
        const r: any = await (await fetch(`${s.url}/status`)).json();
        return r.status === 'complete' ? r : undefined;
      },
      { what: 'the session to complete' },
    );
    expect(status).toEqual({
      status: 'complete',
      payment_status: 'succeeded',
      redirect_url: `/checkout/${s.id}/return`,
    });
    expect(await m.client.getCheckoutSession(s.id)).toMatchObject({ status: 'complete', payment_id: payment.id });
    expect((await payerGet(s.url)).html).toContain('data-state="complete"');

    const back = await payerGet(`${s.url}/return`);
    expect(back.status).toBe(303);
    const returned = new URL(back.location!);
    expect(`${returned.origin}${returned.pathname}`).toBe(`${shop.url}/paid`);
    expect(returned.searchParams.get('order')).toBe('42');
    await expect(m.client.verifyCheckoutReturn(returned)).resolves.toMatchObject({
      checkout_session_id: s.id,
      out_trade_no: s.out_trade_no,
      payment_id: payment.id,
      status: 'complete',
      amount: 10000,
      currency: 'CNY',
    });
    const tampered = new URL(returned);
    tampered.searchParams.set('paygrid_amount', '1');
    await expect(m.client.verifyCheckoutReturn(tampered)).rejects.toThrow(/does not verify/);
    await expect(m.client.verifyCheckoutReturn(returned, { toleranceSeconds: -1 })).rejects.toThrow(
      /outside the allowed window/,
    );

    const hook = await waitFor(
      async () => shop.webhooks.find((w) => w.body.includes(payment.id) && w.body.includes('"payment.succeeded"')),
      { what: 'the payment.succeeded webhook' },
    );
    const event = verifyWebhook(m.webhookSecret!, hook.body, hook.headers) as any;
    expect(event.data.object.metadata).toEqual({ checkout_session_id: s.id, out_trade_no: s.out_trade_no });

    // A complete session starts no more payments.
    const again = await payerPost(`${s.url}/pay`, { channel: 'wechat_native' });
    expect(again.status).toBe(409);
    expect((await m.client.getCheckoutSession(s.id)).payment_id).toBe(payment.id);
  });

  it('switching channel closes the previous attempt at the provider before starting the next', async () => {
    const s = (await create()).body;
    await payerPost(`${s.url}/pay`, { channel: 'wechat_native' });
    const first = (await m.client.getCheckoutSession(s.id)).payment_id!;
    const switched = await payerPost(`${s.url}/pay`, { channel: 'alipay_qr' });
    expect(switched.status).toBe(303);
    const second = (await m.client.getCheckoutSession(s.id)).payment_id!;
    expect(second).not.toBe(first);
    expect((await m.client.getPayment(first)).status).toBe('closed');
    expect((await m.client.getPayment(second)).status).toBe('pending');
  });

  it("Alipay's in-app browser is sent straight to Alipay's cashier", async () => {
    const s = (await create()).body;
    const res = await payerGet(s.url, UA.alipay);
    expect(res.status).toBe(302);
    const target = new URL(res.location!);
    expect(target.pathname).toBe('/sandbox/alipay/gateway.do');
    expect(target.searchParams.get('method')).toMatch(/^alipay\.trade\.(wap|page)\.pay$/);
    const payment = await m.client.getPayment((await m.client.getCheckoutSession(s.id)).payment_id!);
    expect(payment.channel).toMatch(/^alipay_(wap|page)$/);
    // A reload in the app reuses the same payment.
    expect((await payerGet(s.url, UA.alipay)).location).toBe(res.location);
    expect((await m.client.getCheckoutSession(s.id)).payment_id).toBe(payment.id);
  });

  it("WeChat's in-app browser goes through OAuth for the openid, then pays by JSAPI", async () => {
    const s = (await create()).body;
    const first = await payerGet(s.url, UA.wechat);
    expect(first.status).toBe(302);
    const authorize = new URL(first.location!);
    expect(authorize.pathname).toBe('/sandbox/wechatpay/connect/oauth2/authorize');
    expect(authorize.searchParams.get('scope')).toBe('snsapi_base');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${s.url}/wechat-oauth`);
    expect(authorize.hash).toBe('#wechat_redirect');
    // Nothing is created before the payer's openid is known.
    expect((await m.client.getCheckoutSession(s.id)).payment_id).toBeNull();

    const granted = await payerGet(first.location!, UA.wechat);
    expect(granted.status).toBe(302);
    const callback = new URL(granted.location!);
    expect(callback.searchParams.get('state')).toBe(s.id);
    const back = await payerGet(granted.location!, UA.wechat);
    expect(back).toMatchObject({ status: 303, location: `/checkout/${s.id}` });

    const page = await payerGet(s.url, UA.wechat);
    expect(page.status).toBe(200);
    expect(page.html).toContain('id="jsapi-params"');
    expect(page.html).toContain('Pay with WeChat');
    const payment = await m.client.getPayment((await m.client.getCheckoutSession(s.id)).payment_id!);
    expect(payment).toMatchObject({
      channel: 'wechat_jsapi',
      payer: { openid: expect.stringMatching(/^o[\w-]{27}$/) },
      next_action: { type: 'wechat_jsapi' },
    });

    // The one-time code cannot start a second payment.
    const reused = await payerGet(granted.location!, UA.wechat);
    expect(reused.status).toBe(400);
    expect((await m.client.getCheckoutSession(s.id)).payment_id).toBe(payment.id);

    await payerPost(`${s.url}/sandbox`, { outcome: 'success' });
    await waitFor(async () => (await m.client.getCheckoutSession(s.id)).status === 'complete', {
      what: 'the JSAPI session to complete',
    });
  });

  it('a static counter code asks for the amount and starts a session of its own', async () => {
    const code = await m.client.createCounterCode({ currency: 'CNY', subject: 'Acme Coffee counter 1' });
    expect(code).toMatchObject({ id: expect.stringMatching(/^cc_/), url: `${t.baseUrl}/checkout/counter/${code.id}` });
    const form = await payerGet(code.url);
    expect(form.html).toContain('<label for="amount">Amount (CNY)</label>');

    const before = await sessions();
    const bad = await payerPost(code.url, { amount: '12.505' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('role="alert"');
    expect(await sessions()).toBe(before);

    const ok = await payerPost(code.url, { amount: '12.50' });
    expect(ok.status).toBe(303);
    const id = /^\/checkout\/(cs_[0-9a-z]{26})$/.exec(ok.location!)![1];
    expect(await m.client.getCheckoutSession(id)).toMatchObject({
      amount: 1250,
      counter_code_id: code.id,
      out_trade_no: `cc${id.slice(3)}`,
      status: 'open',
    });
    expect((await payerGet(`${t.baseUrl}${ok.location}`)).html).toContain('12.50</span>');
  });

  it('unknown pages are 404 HTML, and the sandbox override is only ?as=alipay|wechat', async () => {
    expect((await payerGet(`${t.baseUrl}/checkout/cs_00000000000000000000000000`)).status).toBe(404);
    expect((await payerGet(`${t.baseUrl}/checkout/not-an-id`)).status).toBe(404);
    const s = (await create()).body;
    expect((await payerGet(`${s.url}?as=alipay`)).status).toBe(302);
    expect((await payerGet(`${s.url}?as=other`)).status).toBe(200);
  });
});
