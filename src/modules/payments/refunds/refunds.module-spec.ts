import { newId } from '../../../common/ids/ids.util';
import { callbackRequest } from '../../../../test/utils/fake-provider';
import { KitMerchant, ModuleKit, rows, startModuleKit } from '../../../../test/utils/module-kit';
import { LedgerService } from '../../ledger/ledger.service';
import type { AccountCode } from '../../ledger/chart-of-accounts';
import { ProviderCallbacksService } from '../callbacks/provider-callbacks.service';
import type { Payment } from '../entities/payment.entity';
import type { Refund } from '../entities/refund.entity';
import { PaymentsRepository } from '../payments.repository';
import { PaymentResolutionService } from '../resolution/payment-resolution.service';
import { RefundsRepository } from './refunds.repository';
import { RefundCaller, RefundsService } from './refunds.service';

/**
 * Refunds through RefundsService over a real database and a scripted
 * provider: the limit is reserved before the provider is asked, a success
 * posts one entry and one event, a refusal releases the reservation, and a
 * refund the merchant's balances cannot cover yet stays pending with nothing
 * posted until they can (docs/ledger.md "Refunds: which balance pays").
 */
describe('refunds (module)', () => {
  let kit: ModuleKit;
  let m: KitMerchant;
  let caller: RefundCaller;
  let n = 0;

  beforeAll(async () => {
    kit = await startModuleKit();
    m = await kit.merchant({ feeBps: 60 });
    caller = { merchantId: m.merchantId, appId: m.appId, kind: 'merchant', actor: 'key_module_spec' };
  });
  afterEach(() => {
    expect(kit.provider.unscripted).toEqual([]);
    kit.provider.reset();
  });
  afterAll(async () => {
    if (kit) {
      expect(await kit.trialBalanceNets()).toEqual(['0']);
      await kit.close();
    }
  });

  const refunds = () => kit.get(RefundsService);
  const reload = async (id: string): Promise<Payment> => (await kit.get(PaymentsRepository).findById(id))!;
  const refundOf = (p: Payment, amount?: number) =>
    refunds().create(caller, { payment_id: p.id, out_refund_no: `rf-${++n}`, ...(amount ? { amount } : {}) });
  const balance = (code: 'merchant_pending' | 'merchant_available') =>
    kit.get(LedgerService).accountBalance({ code, currency: 'CNY', merchantId: m.merchantId });

  it('a refund the provider confirms at once: one entry, one event, the fee returned pro rata', async () => {
    const p = await kit.paidPayment(m);
    kit.provider.script('refund', { status: 'succeeded', providerRefundTransactionId: 'rf_1' });
    const r = await refundOf(p, 3000);
    expect(r).toMatchObject({ status: 'succeeded', amount: 3000n, feeRefunded: 18n, providerRefundId: 'rf_1' });
    // Our refund id is the provider's idempotency key; the payment's total goes along (WeChat needs it).
    expect(kit.provider.callsOf('refund')).toEqual([
      [expect.objectContaining({ providerRefundId: r.id, amount: 3000n, paymentAmount: 10_000n })],
    ]);
    expect(await kit.effectsOf(r.id)).toEqual({ entries: ['refund.succeeded'], events: ['refund.succeeded'] });
    expect(await reload(p.id)).toMatchObject({ amountRefunded: 3000n, amountRefundReserved: 3000n, feeRefunded: 18n });

    // The rest: the fee returned adds up to the whole fee (18 + 42 = 60).
    kit.provider.script('refund', { status: 'succeeded' });
    const rest = await refundOf(p);
    expect(rest).toMatchObject({ status: 'succeeded', amount: 7000n, feeRefunded: 42n });
    expect(await reload(p.id)).toMatchObject({ amountRefunded: 10_000n, feeRefunded: 60n });
    expect(await balance('merchant_pending')).toBe(0n);
  });

  it('a pending refund completes on the provider callback, once; a repeat is a duplicate', async () => {
    const p = await kit.paidPayment(m);
    kit.provider.script('refund', { status: 'pending' });
    const r = await refundOf(p, 4000);
    expect(r).toMatchObject({ status: 'pending', providerState: 'created' });
    expect(await kit.effectsOf(r.id)).toEqual({ entries: [], events: [] });

    const callback = (id: string) =>
      kit.get(ProviderCallbacksService).handle(
        'alipay',
        callbackRequest({
          kind: 'refund',
          providerOrderId: p.id,
          providerRefundId: r.id,
          status: 'succeeded',
          amount: 4000n,
          currency: 'CNY',
          notificationId: id,
        }),
      );
    expect((await callback('rn1')).status).toBe(200);
    expect((await refunds().get(m.merchantId, r.id)).status).toBe('succeeded');
    expect((await callback('rn2')).status).toBe(200);
    expect(await kit.effectsOf(r.id)).toEqual({ entries: ['refund.succeeded'], events: ['refund.succeeded'] });
    const outcomes = await kit.dataSource.query(
      `SELECT outcome FROM provider_callbacks WHERE parsed->>'providerRefundId' = $1 ORDER BY received_at, id`,
      [r.id],
    );
    expect(outcomes.map((o: { outcome: string }) => o.outcome)).toEqual(['applied', 'duplicate']);
    expect((await reload(p.id)).amountRefunded).toBe(4000n);
  });

  it('a provider refusal fails the refund and frees its amount; nothing is posted', async () => {
    const p = await kit.paidPayment(m);
    kit.provider.script('refund', { status: 'failed', providerCode: 'TRADE_HAS_CLOSE' });
    const r = await refundOf(p);
    expect(r).toMatchObject({ status: 'failed', failureCode: 'TRADE_HAS_CLOSE' });
    expect(await kit.effectsOf(r.id)).toEqual({ entries: [], events: ['refund.failed'] });
    expect(await reload(p.id)).toMatchObject({ amountRefunded: 0n, amountRefundReserved: 0n });

    // The freed amount can be refunded again.
    kit.provider.script('refund', { status: 'succeeded' });
    expect((await refundOf(p)).status).toBe('succeeded');
  });

  it('refuses a refund of an unpaid payment, past the amount left, or under a used out_refund_no: no row, no call', async () => {
    const unpaid = await kit.pendingPayment(m);
    await expect(refundOf(unpaid)).rejects.toMatchObject({ code: 'payment_not_refundable' });

    const p = await kit.paidPayment(m);
    kit.provider.script('refund', { status: 'pending' });
    const first = await refundOf(p, 6000);
    await expect(refundOf(p, 4001)).rejects.toMatchObject({ code: 'refund_amount_exceeds_available' });
    await expect(
      refunds().create(caller, { payment_id: p.id, out_refund_no: first.outRefundNo, amount: 1 }),
    ).rejects.toMatchObject({ code: 'duplicate_out_refund_no' });

    expect(kit.provider.callsOf('refund')).toHaveLength(1);
    expect(await rows(kit, 'SELECT 1 FROM refunds WHERE payment_id IN ($1, $2)', [unpaid.id, p.id])).toBe(1);
    expect(await reload(p.id)).toMatchObject({ amountRefundReserved: 6000n, amountRefunded: 0n });
    expect(await kit.effectsOf(first.id)).toEqual({ entries: [], events: [] });
  });

  it('waits, pending and unposted, while the balances cannot cover it; released once they can', async () => {
    const other = await kit.merchant({ feeBps: 60 });
    const p = await kit.paidPayment(other);
    const own = { ...caller, merchantId: other.merchantId, appId: other.appId };
    const bal = (code: AccountCode) =>
      kit.get(LedgerService).accountBalance({ code, currency: 'CNY', merchantId: other.merchantId });
    // A payout took the merchant's 9940 on its way to the bank: neither balance can pay a refund.
    await move(other, 'merchant_pending', 'merchant_payouts_in_transit', 9940n);

    kit.provider.script('refund', { status: 'succeeded' });
    await expect(refunds().create(own, { payment_id: p.id, out_refund_no: 'short' })).rejects.toMatchObject({
      code: 'insufficient_funds',
    });
    const [parked] = await refunds().forPayment(p.id);
    expect(parked).toMatchObject({ status: 'pending', amount: 10_000n });
    expect(await kit.effectsOf(parked.id)).toEqual({ entries: [], events: [] });
    expect(await reload(p.id)).toMatchObject({ amountRefundReserved: 10_000n, amountRefunded: 0n });
    expect(await bal('merchant_payouts_in_transit')).toBe(9940n);

    // Still short: the resolver's next look sends it again (same refund id); the ledger refuses again, the
    // resolver worker logs it and looks again at the refund's next check.
    kit.provider.script('refund', { status: 'succeeded' });
    await expect(kit.get(PaymentResolutionService).resolveRefund(await refundRow(parked.id))).rejects.toMatchObject({
      code: 'insufficient_funds',
    });
    expect((await refundRow(parked.id)).status).toBe('pending');
    expect(await kit.effectsOf(parked.id)).toEqual({ entries: [], events: [] });

    // The payout failed and the money came back: the next look releases the refund.
    await move(other, 'merchant_payouts_in_transit', 'merchant_available', 9940n);
    kit.provider.script('refund', { status: 'succeeded' });
    await kit.get(PaymentResolutionService).resolveRefund(await refundRow(parked.id));
    expect(await refundRow(parked.id)).toMatchObject({ status: 'succeeded', feeRefunded: 60n });
    expect(await kit.effectsOf(parked.id)).toEqual({ entries: ['refund.succeeded'], events: ['refund.succeeded'] });
    expect(
      kit.provider.callsOf('refund').map(([input]) => (input as { providerRefundId: string }).providerRefundId),
    ).toEqual([parked.id, parked.id, parked.id]);
    expect(await bal('merchant_available')).toBe(0n);
    expect(await bal('merchant_pending')).toBe(0n);
    expect(await reload(p.id)).toMatchObject({ amountRefunded: 10_000n });
  });

  const refundRow = async (id: string): Promise<Refund> => (await kit.get(RefundsRepository).findById(id))!;

  /** Moves merchant money between its accounts as a settlement or a payout would. */
  async function move(who: KitMerchant, from: AccountCode, to: AccountCode, amount: bigint): Promise<void> {
    const account = (code: AccountCode) => ({ code, currency: 'CNY', merchantId: who.merchantId });
    await kit.get(LedgerService).post(kit.dataSource.manager, {
      externalId: `test:${newId('stl')}`,
      type: 'settlement.transferred',
      referenceType: 'settlement',
      referenceId: newId('stl'),
      merchantId: who.merchantId,
      postings: [
        { account: account(from), direction: 'debit', amount },
        { account: account(to), direction: 'credit', amount },
      ],
    });
  }
});
