import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { CreatePaymentInput, ParsedCallback } from '../../providers/provider.port';
import { StatementNotReady } from '../../providers/statement.errors';

/** WeChat Pay behaviours a live merchant meets: PROCESSING refunds, ABNORMAL, unsigned errors, bills from T+1. */
let h: Harness;
let n = 0;
const order = (over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'wechat_native',
  providerOrderId: `pay_wxf_${Date.now()}_${n++}`,
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
const beijingToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

async function paidNative(amount = 2000n) {
  const input = order({ amount });
  const url = ((await h.wechat.createPayment(input)).nextAction as { qr_code: string }).qr_code;
  expect((await payerActs(url, 'success')).body.trade_state).toBe('SUCCESS');
  return input;
}
const refundOf = (p: CreatePaymentInput, id: string, amount: bigint) => ({
  channel: 'wechat_native' as const,
  providerOrderId: p.providerOrderId,
  providerRefundId: id,
  amount,
  paymentAmount: p.amount,
  currency: 'CNY',
  notifyUrl: `${h.callbackUrl}/wechatpay`,
});

beforeAll(async () => {
  // A roomier timeout than the flow specs: these assert outcomes, not timeouts, on a shared machine.
  h = await startHarness({ http: { timeoutMs: 3_000 } });
});
afterAll(() => h.close());
afterEach(() => h.wechatSim.controls.reset());

describe('WeChat Pay simulator and adapter, live-protocol behaviours', () => {
  it('a refund is answered PROCESSING by default and completed by a REFUND.SUCCESS callback', async () => {
    const p = await paidNative();
    expect(await h.wechat.refund(refundOf(p, 're_proc', 300n))).toMatchObject({
      status: 'pending',
      providerCode: 'PROCESSING',
    });
    const cb = await waitFor(() => callbacksFor(p.providerOrderId).find((c) => c.kind === 'refund'), 'refund cb');
    expect(cb).toMatchObject({ status: 'succeeded', amount: 300n, providerRefundId: 're_proc' });
  });

  it('ABNORMAL stays open (pending, flagged ABNORMAL), and apply-abnormal-refund completes it', async () => {
    const p = await paidNative();
    h.wechatSim.setSwitches({ abnormalNextRefund: 1 });
    const first = await h.wechat.refund(refundOf(p, 're_abn', 500n));
    expect(first.status).toBe('pending');
    const abnormal = await waitFor(
      () => callbacksFor(p.providerOrderId).find((c) => c.kind === 'refund'),
      'REFUND.ABNORMAL callback',
    );
    expect(abnormal).toMatchObject({
      kind: 'refund',
      status: 'pending',
      providerCode: 'ABNORMAL',
      needsOperator: true,
    });
    const queried = await h.wechat.queryRefund('wechat_native', p.providerOrderId, 're_abn');
    expect(queried).toMatchObject({ status: 'pending', providerCode: 'ABNORMAL', needsOperator: true });
    // Incomplete bank details are refused and change nothing.
    const refundId = queried.providerRefundTransactionId!;
    expect(
      await h.wechat.retryAbnormalRefund({
        providerOrderId: p.providerOrderId,
        providerRefundId: 're_abn',
        providerRefundTransactionId: refundId,
        target: { type: 'USER_BANK_CARD', bankType: '', bankAccount: '', realName: '' },
      }),
    ).toMatchObject({ status: 'failed', providerCode: 'PARAM_ERROR' });
    expect((await h.wechat.queryRefund('wechat_native', p.providerOrderId, 're_abn')).providerCode).toBe('ABNORMAL');
    const retried = await h.wechat.retryAbnormalRefund({
      providerOrderId: p.providerOrderId,
      providerRefundId: 're_abn',
      providerRefundTransactionId: refundId,
      target: { type: 'USER_BANK_CARD', bankType: 'ICBC_DEBIT', bankAccount: '6222000000000000', realName: '张三' },
    });
    expect(retried).toMatchObject({ status: 'pending', providerCode: 'PROCESSING' });
    const done = await waitFor(
      () => callbacksFor(p.providerOrderId).find((c) => c.kind === 'refund' && c.status === 'succeeded'),
      'REFUND.SUCCESS after the retry',
    );
    expect(done).toMatchObject({ amount: 500n, providerRefundId: 're_abn' });
  });

  it('unsigned 400 PARAM_ERROR on create and unsigned 403 NOT_ENOUGH on refund are final; unsigned 5xx is unknown', async () => {
    h.wechatSim.setSwitches({ unsignedFailures: true, failNextCreate: 1 });
    expect(await h.wechat.createPayment(order())).toMatchObject({
      status: 'failed',
      retryable: false,
      providerCode: 'PARAM_ERROR',
    });
    const p = await paidNative();
    h.wechatSim.setSwitches({ unsignedFailures: true, failNextRefund: 1 });
    expect(await h.wechat.refund(refundOf(p, 're_ne', 100n))).toMatchObject({
      status: 'failed',
      providerCode: 'NOT_ENOUGH',
    });
    expect(h.wechatSim.orders.get(p.providerOrderId)!.refunds).toHaveLength(0);
    h.wechatSim.setSwitches({ serverErrorNext: 1 });
    expect((await h.wechat.createPayment(order())).status).toBe('unknown');
  });

  it("today's bill is not ready before T+1; once ready, the gzip download is hash-checked over its bytes", async () => {
    h.wechatSim.setSwitches({ asyncRefund: false });
    const p = await paidNative(1000n);
    await h.wechat.refund(refundOf(p, 're_bill2', 250n));
    await expect(h.wechat.fetchStatement(beijingToday())).rejects.toBeInstanceOf(StatementNotReady);
    h.wechatSim.setSwitches({ billsSameDay: true });
    const lines = (await h.wechat.fetchStatement(beijingToday())).filter(
      (l) => l.providerOrderId === p.providerOrderId,
    );
    expect(lines).toEqual([
      expect.objectContaining({ kind: 'payment', amount: 1000n, fee: 6n }),
      expect.objectContaining({ kind: 'refund', amount: 250n, providerRefundId: 're_bill2' }),
    ]);
  });
});
