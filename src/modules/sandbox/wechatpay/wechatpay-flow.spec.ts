import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { CreatePaymentInput, ParsedCallback } from '../../providers/provider.port';
import { alipayTimestamp } from '../../providers/alipay/alipay-signature.util';

let h: Harness;
let n = 0;
const order = (over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'wechat_native',
  providerOrderId: `pay_wx_${Date.now()}_${n++}`,
  amount: 2000n,
  currency: 'CNY',
  subject: '测试商品',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  notifyUrl: `${h.callbackUrl}/wechatpay`,
  ...over,
});
const callbacksFor = (id: string) =>
  h.received
    .filter((r) => r.provider === 'wechatpay' && r.result.ok && r.result.callback.providerOrderId === id)
    .map((r) => (r.result as { callback: ParsedCallback }).callback);

async function paidNative(amount = 2000n) {
  const input = order({ amount });
  const url = ((await h.wechat.createPayment(input)).nextAction as { qr_code: string }).qr_code;
  expect((await payerActs(url, 'success')).body.trade_state).toBe('SUCCESS');
  return input;
}

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.wechatSim.controls.reset());

describe('WeChat Pay adapter <-> simulator over HTTP', () => {
  it('wechat_native: code_url page, payer pays, encrypted callback decrypted, query agrees', async () => {
    const input = order();
    const created = await h.wechat.createPayment(input);
    expect(created).toMatchObject({ status: 'pending', nextAction: { type: 'qr_code' } });
    expect((await h.wechat.query('wechat_native', input.providerOrderId)).status).toBe('pending');
    const url = (created.nextAction as { qr_code: string }).qr_code;
    expect((await fetch(url)).status).toBe(200);
    await payerActs(url, 'success');
    const cb = await waitFor(() => callbacksFor(input.providerOrderId)[0], 'transaction callback');
    expect(cb).toMatchObject({
      kind: 'payment',
      status: 'succeeded',
      amount: 2000n,
      currency: 'CNY',
      providerMerchantId: h.keys.wechatpay.mchid,
    });
    expect(cb.notificationId).toMatch(/^EV-/);
    expect(await h.wechat.query('wechat_native', input.providerOrderId)).toMatchObject({
      status: 'succeeded',
      amount: 2000n,
    });
  });

  it('wechat_jsapi: invoke params with a paySign the WeChat client accepts', async () => {
    const input = order({ channel: 'wechat_jsapi', payer: { openid: 'o_sandbox_1' } });
    const created = await h.wechat.createPayment(input);
    expect(created.nextAction?.type).toBe('wechat_jsapi');
    const params = (created.nextAction as { params: Record<string, string> }).params;
    expect(Object.keys(params).sort()).toEqual(['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
    expect(params.signType).toBe('RSA');
    // A forged paySign is refused by the "client".
    expect(
      (
        await payerActs(`${h.baseUrl}/sandbox/wechatpay/jsapi/pay`, 'success', {
          ...params,
          paySign: params.paySign.slice(2) + 'AA',
        })
      ).status,
    ).toBe(400);
    expect((await payerActs(`${h.baseUrl}/sandbox/wechatpay/jsapi/pay`, 'success', params)).status).toBe(200);
    await waitFor(() => callbacksFor(input.providerOrderId)[0], 'jsapi callback');
    expect((await h.wechat.createPayment(order({ channel: 'wechat_jsapi' }))).providerCode).toBe(
      'payer_openid_required',
    );
  });

  it('payer "fail" closes the order without a callback (v3 notifies successes only); close answers 204', async () => {
    const input = order();
    const url = ((await h.wechat.createPayment(input)).nextAction as { qr_code: string }).qr_code;
    await payerActs(url, 'fail');
    expect((await h.wechat.query('wechat_native', input.providerOrderId)).status).toBe('closed');
    const other = order();
    await h.wechat.createPayment(other);
    expect((await h.wechat.close('wechat_native', other.providerOrderId)).status).toBe('closed');
    // Closing a paid order reports the truth: it succeeded.
    const paid = await paidNative();
    expect((await h.wechat.close('wechat_native', paid.providerOrderId)).status).toBe('succeeded');
  });

  it('switches: fail -> failed, timeout -> unknown (never failed), 5xx -> unknown', async () => {
    h.wechatSim.setSwitches({ failNextCreate: 1 });
    expect(await h.wechat.createPayment(order())).toMatchObject({ status: 'failed', providerCode: 'PARAM_ERROR' });
    h.wechatSim.setSwitches({ timeoutNext: 1 });
    const t = order();
    expect(await h.wechat.createPayment(t)).toMatchObject({
      status: 'unknown',
      retryable: true,
      providerCode: 'timeout',
    });
    // The order landed: the query converges to the provider's truth.
    expect((await h.wechat.query('wechat_native', t.providerOrderId)).status).toBe('pending');
    h.wechatSim.setSwitches({ serverErrorNext: 1 });
    expect((await h.wechat.createPayment(order())).status).toBe('unknown');
    expect(await h.wechat.query('wechat_native', 'pay_never_created')).toMatchObject({
      status: 'unknown',
      providerCode: 'ORDER_NOT_EXIST',
    });
  });

  it('refunds: sync, idempotent repeat, async PROCESSING then REFUND.SUCCESS callback, fail switch', async () => {
    const p = await paidNative(1500n);
    const base = {
      channel: 'wechat_native' as const,
      providerOrderId: p.providerOrderId,
      paymentAmount: 1500n,
      currency: 'CNY',
      notifyUrl: `${h.callbackUrl}/wechatpay`,
    };
    // WeChat normally answers PROCESSING (the simulator's default); sometimes it is done at once.
    h.wechatSim.setSwitches({ asyncRefund: false });
    expect(await h.wechat.refund({ ...base, providerRefundId: 're_w1', amount: 500n })).toMatchObject({
      status: 'succeeded',
      amount: 500n,
    });
    expect(await h.wechat.refund({ ...base, providerRefundId: 're_w1', amount: 500n })).toMatchObject({
      status: 'succeeded',
    });
    expect(h.wechatSim.orders.get(p.providerOrderId)!.refunds).toHaveLength(1);
    h.wechatSim.setSwitches({ asyncRefund: true });
    expect((await h.wechat.refund({ ...base, providerRefundId: 're_w2', amount: 400n })).status).toBe('pending');
    const cb = await waitFor(() => callbacksFor(p.providerOrderId).find((c) => c.kind === 'refund'), 'refund callback');
    expect(cb).toMatchObject({ providerRefundId: 're_w2', status: 'succeeded', amount: 400n });
    expect((await h.wechat.queryRefund('wechat_native', p.providerOrderId, 're_w2')).status).toBe('succeeded');
    expect((await h.wechat.queryRefund('wechat_native', p.providerOrderId, 're_missing')).providerCode).toBe(
      'REFUND_NOT_FOUND',
    );
    h.wechatSim.setSwitches({ asyncRefund: false, failNextRefund: 1 });
    expect(await h.wechat.refund({ ...base, providerRefundId: 're_w3', amount: 1n })).toMatchObject({
      status: 'failed',
      providerCode: 'NOT_ENOUGH',
    });
    expect(await h.wechat.refund({ ...base, providerRefundId: 're_w4', amount: 601n })).toMatchObject({
      status: 'failed',
    });
  });

  it('duplicate, late, never and retried callbacks', async () => {
    h.wechatSim.setSwitches({ duplicateCallback: true });
    const dup = await paidNative();
    await waitFor(() => callbacksFor(dup.providerOrderId).length === 2, 'duplicate');
    expect(new Set(callbacksFor(dup.providerOrderId).map((c) => c.notificationId)).size).toBe(1);

    h.wechatSim.setSwitches({ duplicateCallback: false, callbackDelayMs: 300 });
    const start = Date.now();
    const late = await paidNative();
    await waitFor(() => callbacksFor(late.providerOrderId)[0], 'late');
    expect(Date.now() - start).toBeGreaterThanOrEqual(250);

    h.wechatSim.setSwitches({ callbackDelayMs: 0, neverCallback: true });
    const never = await paidNative();
    expect((await h.wechat.query('wechat_native', never.providerOrderId)).status).toBe('succeeded');
    expect(callbacksFor(never.providerOrderId)).toHaveLength(0);

    h.wechatSim.setSwitches({ neverCallback: false });
    h.failNextAcks.wechatpay = 3;
    const retried = await paidNative();
    await waitFor(() => callbacksFor(retried.providerOrderId).length === 4, 'retries');
  });

  it('trade bill of the UTC+8 day, hash-checked', async () => {
    h.wechatSim.setSwitches({ asyncRefund: false, billsSameDay: true });
    const p = await paidNative(700n);
    await h.wechat.refund({
      channel: 'wechat_native',
      providerOrderId: p.providerOrderId,
      providerRefundId: 're_bill',
      amount: 200n,
      paymentAmount: 700n,
      currency: 'CNY',
      notifyUrl: `${h.callbackUrl}/wechatpay`,
    });
    const lines = await h.wechat.fetchStatement(alipayTimestamp().slice(0, 10));
    expect(lines.filter((l) => l.providerOrderId === p.providerOrderId)).toEqual([
      expect.objectContaining({ kind: 'payment', amount: 700n, status: 'SUCCESS' }),
      expect.objectContaining({ kind: 'refund', amount: 200n, providerRefundId: 're_bill' }),
    ]);
  });
});
