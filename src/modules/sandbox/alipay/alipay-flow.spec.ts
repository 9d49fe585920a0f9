import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { CreatePaymentInput, ParsedCallback } from '../../providers/provider.port';
import { alipayTimestamp } from '../../providers/alipay/alipay-signature.util';

let h: Harness;
let n = 0;
const order = (over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'alipay_qr',
  providerOrderId: `pay_ali_${Date.now()}_${n++}`,
  amount: 1234n,
  currency: 'CNY',
  subject: '测试订单',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  notifyUrl: `${h.callbackUrl}/alipay`,
  ...over,
});
const callbacksFor = (id: string) =>
  h.received
    .filter((r) => r.provider === 'alipay' && r.result.ok && r.result.callback.providerOrderId === id)
    .map((r) => (r.result as { callback: ParsedCallback }).callback);

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.alipaySim.controls.reset());

describe('Alipay adapter <-> simulator over HTTP', () => {
  it('alipay_qr: precreate, payer scans and pays, signed notification parsed, query agrees', async () => {
    const input = order();
    const created = await h.alipay.createPayment(input);
    expect(created.status).toBe('pending');
    expect(created.nextAction?.type).toBe('qr_code');
    // Before the scan the trade does not exist at Alipay.
    expect((await h.alipay.query('alipay_qr', input.providerOrderId)).providerCode).toBe('ACQ.TRADE_NOT_EXIST');
    const qr = (created.nextAction as { qr_code: string }).qr_code;
    const page = await fetch(qr);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(input.providerOrderId);
    expect((await payerActs(qr, 'success')).body.trade_status).toBe('TRADE_SUCCESS');
    const [cb] = await waitFor(
      () => callbacksFor(input.providerOrderId).length > 0 && callbacksFor(input.providerOrderId),
      'notification',
    );
    expect(cb).toMatchObject({
      kind: 'payment',
      status: 'succeeded',
      amount: 1234n,
      currency: 'CNY',
      providerMerchantId: h.keys.alipay.appId,
    });
    const q = await h.alipay.query('alipay_qr', input.providerOrderId);
    expect(q).toMatchObject({
      status: 'succeeded',
      amount: 1234n,
      providerTransactionId: (cb as { providerTransactionId: string }).providerTransactionId,
    });
    // Acknowledged with "success": exactly one attempt.
    await waitFor(() => h.alipaySim.deliveries().find((d) => d.state === 'delivered'), 'delivered state');
  });

  it('alipay_page: redirect URL carries signed params; the cashier page and payer POST complete it', async () => {
    const input = order({ channel: 'alipay_page', returnUrl: 'https://merchant.example/return' });
    const created = await h.alipay.createPayment(input);
    expect(created.nextAction?.type).toBe('redirect');
    const url = (created.nextAction as { url: string }).url;
    expect(url.startsWith(`${h.baseUrl}/sandbox/alipay/gateway.do?`)).toBe(true);
    expect(new URL(url).searchParams.get('method')).toBe('alipay.trade.page.pay');
    expect((await fetch(url)).status).toBe(200);
    const paid = await payerActs(url, 'success');
    expect(paid.body.return_url).toContain('https://merchant.example/return?');
    await waitFor(() => callbacksFor(input.providerOrderId)[0], 'page notification');
    expect((await h.alipay.query('alipay_page', input.providerOrderId)).status).toBe('succeeded');
  });

  it('a tampered redirect URL is refused by the gateway', async () => {
    const created = await h.alipay.createPayment(order({ channel: 'alipay_page' }));
    const url = (created.nextAction as { url: string }).url.replace(
      'total_amount%22%3A%2212.34',
      'total_amount%22%3A%220.01',
    );
    expect((await fetch(url)).status).toBe(400);
  });

  it('payer "fail" closes the trade and the TRADE_CLOSED notification is parsed as closed', async () => {
    const input = order();
    const qr = ((await h.alipay.createPayment(input)).nextAction as { qr_code: string }).qr_code;
    await fetch(qr);
    await payerActs(qr, 'fail');
    const [cb] = await waitFor(
      () => callbacksFor(input.providerOrderId)[0] && callbacksFor(input.providerOrderId),
      'closed notification',
    );
    expect(cb.status).toBe('closed');
  });

  it('fail switch: the next create is a definite failure', async () => {
    h.alipaySim.setSwitches({ failNextCreate: 1 });
    const r = await h.alipay.createPayment(order());
    expect(r).toMatchObject({ status: 'failed', providerCode: 'ACQ.ACCESS_FORBIDDEN' });
  });

  it('timeout switch: a create that hangs is unknown and retryable, never failed; the trade exists after all', async () => {
    h.alipaySim.setSwitches({ timeoutNext: 1 });
    const input = order();
    const r = await h.alipay.createPayment(input);
    expect(r).toMatchObject({ status: 'unknown', retryable: true, providerCode: 'timeout' });
    expect(h.alipaySim.trades.get(input.providerOrderId)).toBeDefined();
  });

  it('an unsigned 5xx is unknown, and slow answers below the timeout still succeed', async () => {
    h.alipaySim.setSwitches({ serverErrorNext: 1 });
    expect((await h.alipay.createPayment(order())).status).toBe('unknown');
    h.alipaySim.setSwitches({ slowMs: 100 });
    expect((await h.alipay.createPayment(order())).status).toBe('pending');
  });

  it('close before the scan: nothing to close at Alipay, and the QR code can no longer be paid', async () => {
    const input = order();
    const qr = ((await h.alipay.createPayment(input)).nextAction as { qr_code: string }).qr_code;
    expect((await h.alipay.close('alipay_qr', input.providerOrderId)).status).toBe('closed');
    expect((await payerActs(qr, 'success')).status).toBe(409);
  });

  async function paid(amount = 1000n) {
    const input = order({ amount });
    const qr = ((await h.alipay.createPayment(input)).nextAction as { qr_code: string }).qr_code;
    await fetch(qr);
    await payerActs(qr, 'success');
    return input;
  }

  it('refunds: sync partial refund, idempotent repeat, over-refund refused, refund query', async () => {
    const p = await paid(1000n);
    const base = {
      channel: 'alipay_qr' as const,
      providerOrderId: p.providerOrderId,
      paymentAmount: 1000n,
      currency: 'CNY',
      notifyUrl: p.notifyUrl,
    };
    const r1 = await h.alipay.refund({ ...base, providerRefundId: 're_1', amount: 300n });
    expect(r1).toMatchObject({ status: 'succeeded', amount: 300n });
    // Same out_request_no again: fund_change N, confirmed through the refund query, still one refund.
    expect(await h.alipay.refund({ ...base, providerRefundId: 're_1', amount: 300n })).toMatchObject({
      status: 'succeeded',
      amount: 300n,
    });
    expect(h.alipaySim.trades.get(p.providerOrderId)!.refunds).toHaveLength(1);
    expect(await h.alipay.refund({ ...base, providerRefundId: 're_2', amount: 701n })).toMatchObject({
      status: 'failed',
      providerCode: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
    });
    expect(await h.alipay.queryRefund('alipay_qr', p.providerOrderId, 're_1')).toMatchObject({
      status: 'succeeded',
      amount: 300n,
    });
    expect(await h.alipay.queryRefund('alipay_qr', p.providerOrderId, 're_none')).toMatchObject({
      status: 'unknown',
      providerCode: 'REFUND_NOT_FOUND',
    });
    h.alipaySim.setSwitches({ failNextRefund: 1 });
    expect((await h.alipay.refund({ ...base, providerRefundId: 're_3', amount: 1n })).status).toBe('failed');
  });

  it('refund that times out is retried with the same out_request_no and succeeds once', async () => {
    const p = await paid(500n);
    h.alipaySim.setSwitches({ timeoutNext: 1 });
    const r = await h.alipay.refund({
      channel: 'alipay_qr',
      providerOrderId: p.providerOrderId,
      providerRefundId: 're_t',
      amount: 500n,
      paymentAmount: 500n,
      currency: 'CNY',
      notifyUrl: p.notifyUrl,
    });
    expect(r.status).toBe('succeeded');
    expect(h.alipaySim.trades.get(p.providerOrderId)!.refunds).toHaveLength(1);
  });

  it('async refund: pending first, then a refund notification with the cumulative refund_fee', async () => {
    const p = await paid(800n);
    // Long enough that the refund query right after the request still sees it in progress on a loaded machine.
    h.alipaySim.setSwitches({ asyncRefund: true, asyncRefundDelayMs: 800 });
    const r = await h.alipay.refund({
      channel: 'alipay_qr',
      providerOrderId: p.providerOrderId,
      providerRefundId: 're_async',
      amount: 200n,
      paymentAmount: 800n,
      currency: 'CNY',
      notifyUrl: p.notifyUrl,
    });
    expect(r.status).toBe('pending');
    const cb = await waitFor(
      () => callbacksFor(p.providerOrderId).find((c) => c.kind === 'refund'),
      'refund notification',
    );
    expect(cb).toMatchObject({
      kind: 'refund',
      providerRefundId: 're_async',
      status: 'succeeded',
      refundedTotal: 200n,
    });
    expect((await h.alipay.queryRefund('alipay_qr', p.providerOrderId, 're_async')).status).toBe('succeeded');
  });

  it('duplicate, late and never-sent notifications; a refused ack is retried with the same notify_id', async () => {
    h.alipaySim.setSwitches({ duplicateCallback: true });
    const dup = await paid();
    await waitFor(() => callbacksFor(dup.providerOrderId).length === 2, 'duplicate');
    const [a, b] = callbacksFor(dup.providerOrderId);
    expect(a.notificationId).toBe(b.notificationId);

    h.alipaySim.setSwitches({ duplicateCallback: false, callbackDelayMs: 300 });
    const late = await paid();
    const paidAt = Date.now();
    await waitFor(() => callbacksFor(late.providerOrderId)[0], 'late notification');
    const lateCb = h.received.find((r) => r.result.ok && r.result.callback.providerOrderId === late.providerOrderId)!;
    expect(lateCb.at - paidAt).toBeGreaterThanOrEqual(250);

    h.alipaySim.setSwitches({ callbackDelayMs: 0, neverCallback: true });
    const never = await paid();
    await waitFor(() => h.alipaySim.deliveries().find((d) => d.state === 'dropped'), 'dropped delivery');
    expect(callbacksFor(never.providerOrderId)).toHaveLength(0);
    // The platform learns it by polling.
    expect((await h.alipay.query('alipay_qr', never.providerOrderId)).status).toBe('succeeded');

    h.alipaySim.setSwitches({ neverCallback: false });
    h.failNextAcks.alipay = 2;
    const retried = await paid();
    await waitFor(() => callbacksFor(retried.providerOrderId).length === 3, 'retries');
    const ids = new Set(callbacksFor(retried.providerOrderId).map((c) => c.notificationId));
    expect(ids.size).toBe(1);
  });

  it('statement of the UTC+8 day lists payments and refunds', async () => {
    h.alipaySim.setSwitches({ billsSameDay: true });
    const p = await paid(900n);
    await h.alipay.refund({
      channel: 'alipay_qr',
      providerOrderId: p.providerOrderId,
      providerRefundId: 're_st',
      amount: 100n,
      paymentAmount: 900n,
      currency: 'CNY',
      notifyUrl: p.notifyUrl,
    });
    const lines = await h.alipay.fetchStatement(alipayTimestamp().slice(0, 10));
    expect(lines.filter((l) => l.providerOrderId === p.providerOrderId)).toEqual([
      expect.objectContaining({ kind: 'payment', amount: 900n, currency: 'CNY' }),
      expect.objectContaining({ kind: 'refund', amount: 100n, providerRefundId: 're_st' }),
    ]);
  });

  it('admin endpoint flips switches over HTTP', async () => {
    const res = await fetch(`${h.baseUrl}/sandbox/alipay/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fail_next_create: true }),
    });
    expect(res.status).toBe(200);
    expect((await h.alipay.createPayment(order())).status).toBe('failed');
    const bad = await fetch(`${h.baseUrl}/sandbox/alipay/_control`, {
      method: 'POST',
      body: JSON.stringify({ nope: 1 }),
    });
    expect(bad.status).toBe(400);
  });
});
