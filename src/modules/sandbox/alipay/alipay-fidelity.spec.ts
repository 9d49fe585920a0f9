import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { CreatePaymentInput, ParsedCallback } from '../../providers/provider.port';
import { StatementNotReady } from '../../providers/statement.errors';

/** Alipay behaviours a live merchant meets: bills from T+1, close vs cancel, TRADE_CLOSED, unsigned errors. */
let h: Harness;
let n = 0;
const order = (over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'alipay_qr',
  providerOrderId: `pay_alf_${Date.now()}_${n++}`,
  amount: 1000n,
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
const beijingToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  // A roomier timeout than the flow specs: these assert outcomes, not timeouts, on a shared machine.
  h = await startHarness({ http: { timeoutMs: 3_000 } });
});
afterAll(() => h.close());
afterEach(() => h.alipaySim.controls.reset());

async function paidQr(amount = 1000n) {
  const input = order({ amount });
  const qr = ((await h.alipay.createPayment(input)).nextAction as { qr_code: string }).qr_code;
  await fetch(qr);
  expect((await payerActs(qr, 'success')).status).toBe(200);
  return input;
}

describe('Alipay simulator and adapter, live-protocol behaviours', () => {
  it("today's bill is not ready (isp.bill_not_exist before T+1); the bill zip is served once it is", async () => {
    const p = await paidQr(500n);
    await expect(h.alipay.fetchStatement(beijingToday())).rejects.toBeInstanceOf(StatementNotReady);
    h.alipaySim.setSwitches({ billsSameDay: true });
    const lines = await h.alipay.fetchStatement(beijingToday());
    expect(lines.filter((l) => l.providerOrderId === p.providerOrderId)).toEqual([
      expect.objectContaining({ kind: 'payment', amount: 500n, fee: 3n }),
    ]);
    // The file itself is a zip (PK\x03\x04), not text.
    expect(h.alipaySim.billFile(beijingToday()).subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  });

  it('alipay_page closed before the cashier opens: TRADE_NOT_EXIST is "closed", yet the link stays payable (late success)', async () => {
    const input = order({ channel: 'alipay_page' });
    const url = ((await h.alipay.createPayment(input)).nextAction as { url: string }).url;
    expect(await h.alipay.close('alipay_page', input.providerOrderId)).toMatchObject({
      status: 'closed',
      providerCode: 'ACQ.TRADE_NOT_EXIST',
    });
    await fetch(url);
    expect((await payerActs(url, 'success')).status).toBe(200);
    const cb = await waitFor(() => callbacksFor(input.providerOrderId)[0], 'late payment notification');
    expect(cb).toMatchObject({ kind: 'payment', status: 'succeeded', amount: 1000n });
  });

  it('alipay_qr close uses alipay.trade.cancel: unscanned, the code can no longer be paid; a paid trade is not cancelled', async () => {
    const input = order();
    const qr = ((await h.alipay.createPayment(input)).nextAction as { qr_code: string }).qr_code;
    expect(await h.alipay.close('alipay_qr', input.providerOrderId)).toMatchObject({
      status: 'closed',
      providerCode: 'CANCELLED',
    });
    expect(h.alipaySim.trades.get(input.providerOrderId)!.status).toBe('TRADE_CLOSED');
    expect((await payerActs(qr, 'success')).status).toBe(409);
    const paid = await paidQr();
    expect((await h.alipay.close('alipay_qr', paid.providerOrderId)).status).toBe('succeeded');
    expect(h.alipaySim.trades.get(paid.providerOrderId)!.refunds).toHaveLength(0);
  });

  it('a full refund closes the trade and Alipay notifies TRADE_CLOSED with the refund fields', async () => {
    const p = await paidQr(600n);
    const r = await h.alipay.refund({
      channel: 'alipay_qr',
      providerOrderId: p.providerOrderId,
      providerRefundId: 're_full',
      amount: 600n,
      paymentAmount: 600n,
      currency: 'CNY',
      notifyUrl: p.notifyUrl,
    });
    expect(r.status).toBe('succeeded');
    const cb = await waitFor(
      () => callbacksFor(p.providerOrderId).find((c) => c.kind === 'refund'),
      'TRADE_CLOSED refund notification',
    );
    expect(cb).toMatchObject({ providerRefundId: 're_full', refundedTotal: 600n, status: 'succeeded' });
    expect((cb.raw as Record<string, string>).trade_status).toBe('TRADE_CLOSED');
  });

  it('an unsigned error_response is a definite refusal; an unsigned 5xx stays unknown', async () => {
    h.alipaySim.setSwitches({ unsignedFailures: true, failNextCreate: 1 });
    expect(await h.alipay.createPayment(order())).toMatchObject({
      status: 'failed',
      retryable: false,
      providerCode: 'ACQ.ACCESS_FORBIDDEN',
    });
    h.alipaySim.setSwitches({ serverErrorNext: 1 });
    expect(await h.alipay.createPayment(order())).toMatchObject({ status: 'unknown' });
  });

  it('refund query: an empty refund_status is not success', async () => {
    const p = await paidQr(900n);
    await h.alipay.refund({
      channel: 'alipay_qr',
      providerOrderId: p.providerOrderId,
      providerRefundId: 're_q',
      amount: 100n,
      paymentAmount: 900n,
      currency: 'CNY',
      notifyUrl: p.notifyUrl,
    });
    const refund = h.alipaySim.trades.get(p.providerOrderId)!.refunds[0];
    (refund as { status: string }).status = '';
    expect((await h.alipay.queryRefund('alipay_qr', p.providerOrderId, 're_q')).status).not.toBe('succeeded');
  });
});
