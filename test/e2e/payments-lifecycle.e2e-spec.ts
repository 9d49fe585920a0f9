import { CardSimulator } from '../../src/modules/sandbox/card/card.simulator';
import { TestApp, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, card, effectsOf, pay, trialBalanceIsZero, waitForStatus } from '../utils/payments-kit';
import { waitFor } from '../utils/http';

describe('payment lifecycle per channel (e2e, sandbox providers over HTTP)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let n = 0;
  const order = () => `lc-${++n}-${Date.now()}`;

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
  });

  const create = (body: Record<string, unknown>) =>
    m.client.post<any>('/v1/payments', {
      out_trade_no: order(),
      amount: 10000,
      currency: 'CNY',
      subject: 'Coffee',
      ...body,
    });

  it.each([
    ['alipay_qr', 'qr_code', {}],
    ['alipay_page', 'redirect', { return_url: 'https://shop.example.com/done' }],
    ['wechat_native', 'qr_code', {}],
    ['wechat_jsapi', 'wechat_jsapi', { payer: { openid: 'o_sandbox_payer' } }],
  ])(
    '%s: create -> payer pays in the sandbox -> callback -> succeeded, one ledger entry, one event',
    async (channel, actionType, extra) => {
      const p = await create({ channel, ...extra });
      expect(p).toMatchObject({ status: 'pending', next_action: { type: actionType }, amount: 10000, fee: 0 });
      expect(await pay(t.baseUrl, p)).toBeLessThan(300);
      const done = await waitForStatus(m.client, p.id, 'succeeded');
      expect(done).toMatchObject({
        amount_captured: 10000,
        fee: 60,
        next_action: null,
        provider_transaction_id: expect.any(String),
      });
      expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });
    },
  );

  it('card: a sandbox card that succeeds is captured at once, and the response shows only brand, last4, expiry and a token', async () => {
    const encrypted = await m.client.encryptCard(card('4242424242424242'));
    const p = await create({ channel: 'card', card: { encrypted } });
    expect(p.status).toBe('succeeded');
    expect(p.card).toEqual({
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2030,
      token: expect.stringMatching(/^tok_/),
    });
    expect(JSON.stringify(p)).not.toContain('4242424242424242');
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });

    // The token pays again without card data.
    const again = await create({ channel: 'card', card: { token: p.card.token } });
    expect(again).toMatchObject({ status: 'succeeded', card: { token: p.card.token } });
  });

  it('card: a declined card fails with the decline code, no ledger entry, a payment.failed event', async () => {
    const p = await create({
      channel: 'card',
      card: { encrypted: await m.client.encryptCard(card('4000000000000002')) },
    });
    expect(p).toMatchObject({ status: 'failed', failure_code: expect.any(String) });
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: ['payment.failed'] });
  });

  it('card: 3-D Secure -> requires_action -> payer completes the challenge -> succeeded', async () => {
    const p = await create({
      channel: 'card',
      card: { encrypted: await m.client.encryptCard(card('4000000000003220')) },
    });
    expect(p).toMatchObject({
      status: 'requires_action',
      next_action: { type: 'three_d_secure', url: expect.any(String) },
    });
    expect(await pay(t.baseUrl, p)).toBeLessThan(300);
    await waitForStatus(m.client, p.id, 'succeeded');
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });
  });

  it('card: manual capture authorizes, then a partial capture takes part of it (fee on the captured part)', async () => {
    const p = await create({
      channel: 'card',
      capture_method: 'manual',
      card: { encrypted: await m.client.encryptCard(card('4242424242424242')) },
    });
    expect(p.status).toBe('authorized');
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: ['payment.authorized'] });
    await expect(m.client.post(`/v1/payments/${p.id}/capture`, { amount: 20000 })).rejects.toMatchObject({
      status: 400,
      code: 'amount_too_large',
    });
    const captured = await m.client.post<any>(`/v1/payments/${p.id}/capture`, { amount: 6000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_captured: 6000, fee: 36 });
    expect(await effectsOf(t.dataSource, p.id)).toEqual({
      entries: 1,
      events: ['payment.authorized', 'payment.succeeded'],
    });
    await expect(m.client.post(`/v1/payments/${p.id}/capture`, {})).rejects.toMatchObject({
      status: 409,
      code: 'payment_invalid_state',
    });
  });

  it('card: full capture without an amount', async () => {
    const p = await create({
      channel: 'card',
      capture_method: 'manual',
      card: { encrypted: await m.client.encryptCard(card('4242424242424242')) },
    });
    expect(await m.client.post<any>(`/v1/payments/${p.id}/capture`, {})).toMatchObject({
      status: 'succeeded',
      amount_captured: 10000,
    });
  });

  it('close: an unpaid payment closes at the provider and here, and the payer can no longer pay', async () => {
    const p = await create({ channel: 'alipay_qr' });
    const closed = await m.client.post<any>(`/v1/payments/${p.id}/close`, {});
    expect(closed).toMatchObject({ status: 'closed', closed_at: expect.any(String), next_action: null });
    expect(await pay(t.baseUrl, p)).toBeGreaterThanOrEqual(400);
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: ['payment.closed'] });
    await expect(m.client.post(`/v1/payments/${p.id}/close`, {})).rejects.toMatchObject({
      status: 409,
      code: 'payment_invalid_state',
    });
  });

  it('expire: the sweeper closes an overdue payment at the provider and here', async () => {
    const p = await create({ channel: 'wechat_native', expires_in: 60 });
    await t.dataSource.query(
      `UPDATE payments SET expires_at = now() - interval '1 second', next_check_at = now() WHERE id = $1`,
      [p.id],
    );
    const closed = await waitForStatus(m.client, p.id, 'closed');
    const withTimeline = await m.client.get<any>(`/v1/payments/${p.id}`, { expand: 'timeline' });
    expect(withTimeline.timeline.at(-1)).toMatchObject({ from: 'pending', to: 'closed', cause: 'expiry_sweeper' });
    expect(closed.closed_at).toEqual(expect.any(String));
    expect(await pay(t.baseUrl, p)).toBeGreaterThanOrEqual(400);
  });

  it('refunds: several partials then the rest; totals, fees and ledger add up exactly', async () => {
    const p = await create({ channel: 'alipay_qr', amount: 10001 });
    await pay(t.baseUrl, p);
    const paid = await waitForStatus(m.client, p.id, 'succeeded');
    expect(paid.fee).toBe(60); // 10001 * 60 / 10000 = 60.006 -> 60

    const r1 = await m.client.post<any>('/v1/refunds', {
      payment_id: p.id,
      out_refund_no: `${p.id}-r1`,
      amount: 2500,
      reason: 'one item',
    });
    expect(r1).toMatchObject({ status: 'succeeded', amount: 2500, fee_refunded: 15 });
    const r2 = await m.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-r2`, amount: 2500 });
    expect(r2.status).toBe('succeeded');
    await expect(
      m.client.post('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-r3`, amount: 5002 }),
    ).rejects.toMatchObject({ status: 400, code: 'refund_amount_exceeds_available' });
    const rest = await m.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-r4` });
    expect(rest).toMatchObject({ status: 'succeeded', amount: 5001 });
    expect(r1.fee_refunded + r2.fee_refunded + rest.fee_refunded).toBe(60);

    const after = await m.client.get<any>(`/v1/payments/${p.id}`, { expand: 'refunds' });
    expect(after).toMatchObject({ status: 'succeeded', amount_refunded: 10001 });
    expect(after.refunds).toHaveLength(3);
    for (const r of [r1, r2, rest])
      expect(await effectsOf(t.dataSource, r.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
    await expect(
      m.client.post('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-r5`, amount: 1 }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      m.client.post('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-r1`, amount: 1 }),
    ).rejects.toMatchObject({ status: 409, code: 'duplicate_out_refund_no' });

    const balance = await m.client.get<any>('/v1/balance');
    expect(balance.balances).toEqual(expect.arrayContaining([expect.objectContaining({ currency: 'CNY' })]));
  });

  it('a card refund can complete asynchronously: pending, then the acquirer callback settles it', async () => {
    const sim = t.app.get(CardSimulator);
    const p = await create({
      channel: 'card',
      card: { encrypted: await m.client.encryptCard(card('4242424242424242')) },
    });
    sim.setSwitches({ asyncRefund: true });
    try {
      const r = await m.client.post<any>('/v1/refunds', {
        payment_id: p.id,
        out_refund_no: `${p.id}-async`,
        amount: 3000,
      });
      expect(r.status).toBe('pending');
      const done = await waitForStatus(m.client, r.id, 'succeeded', '/v1/refunds');
      expect(done.amount).toBe(3000);
      expect(await effectsOf(t.dataSource, r.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
    } finally {
      sim.setSwitches({ asyncRefund: false });
    }
  });

  it('finds a payment by out_trade_no and lists with filters and cursor pagination', async () => {
    const p = await create({ channel: 'wechat_native' });
    const found = await m.client.get<any>('/v1/payments', { out_trade_no: p.out_trade_no });
    expect(found.data.map((x: any) => x.id)).toEqual([p.id]);
    const page = await m.client.get<any>('/v1/payments', { limit: 2, channel: 'alipay_qr' });
    expect(page.data).toHaveLength(2);
    expect(page.data.every((x: any) => x.channel === 'alipay_qr')).toBe(true);
    expect(page.has_more).toBe(true);
    const next = await m.client.get<any>('/v1/payments', {
      limit: 2,
      channel: 'alipay_qr',
      starting_after: page.data[1].id,
    });
    expect(next.data[0].id < page.data[1].id).toBe(true);
    const closed = await m.client.get<any>('/v1/payments', { status: 'closed' });
    expect(closed.data.every((x: any) => x.status === 'closed')).toBe(true);
    const none = await m.client.get<any>('/v1/payments', { 'created[lt]': '2000-01-01T00:00:00Z' });
    expect(none.data).toEqual([]);
  });

  it('shows the timeline of a payment: each transition, when, and its cause', async () => {
    const p = await create({ channel: 'alipay_qr' });
    await pay(t.baseUrl, p);
    await waitForStatus(m.client, p.id, 'succeeded');
    const view = await waitFor(async () => {
      const v = await m.client.get<any>(`/v1/payments/${p.id}`, { expand: 'timeline' });
      return v.timeline.length > 0 ? v : undefined;
    });
    expect(view.timeline).toEqual([
      expect.objectContaining({ from: 'pending', to: 'succeeded', cause: 'provider_callback', at: expect.any(String) }),
    ]);
  });
});
