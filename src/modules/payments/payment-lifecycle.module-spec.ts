import { callbackRequest } from '../../../test/utils/fake-provider';
import { KIT_ACTOR, KitMerchant, ModuleKit, rows, startModuleKit } from '../../../test/utils/module-kit';
import { ProviderCallbacksService } from './callbacks/provider-callbacks.service';
import type { Payment } from './entities/payment.entity';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';
import { RefundsService } from './refunds/refunds.service';
import { PaymentResolutionService } from './resolution/payment-resolution.service';

/**
 * The payment lifecycle through its services, over a real database and a
 * scripted provider: each transition writes its status, exactly one ledger
 * entry where money moves and one outbox event, and a success that comes
 * after the payment was closed is held in suspense and refunded (README
 * "Decisions worth knowing", docs/ledger.md "Late payment").
 */
describe('payment lifecycle (module)', () => {
  let kit: ModuleKit;
  let m: KitMerchant;
  let notification = 0;

  beforeAll(async () => {
    kit = await startModuleKit();
    m = await kit.merchant({ feeBps: 60 });
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

  const payments = () => kit.get(PaymentsService);
  const reload = async (id: string): Promise<Payment> => (await kit.get(PaymentsRepository).findById(id))!;
  const paymentCallback = (p: Payment, status: string, amount = p.amount) =>
    kit.get(ProviderCallbacksService).handle(
      'alipay',
      callbackRequest({
        kind: 'payment',
        providerOrderId: p.id,
        providerTransactionId: `tx_${p.id}`,
        status,
        amount,
        currency: 'CNY',
        notificationId: `n${++notification}`,
      }),
    );
  const callbackOutcomes = async (p: Payment): Promise<string[]> =>
    (
      await kit.dataSource.query(
        `SELECT outcome FROM provider_callbacks WHERE provider_order_id = $1 ORDER BY received_at, id`,
        [p.id],
      )
    ).map((r: { outcome: string }) => r.outcome);

  it('a pending payment succeeds on the provider callback: one captured entry, one event; a repeat changes nothing', async () => {
    const p = await kit.pendingPayment(m);
    expect(p.nextAction).toEqual({ type: 'qr_code', qr_code: 'fake://qr' });
    expect(await kit.effectsOf(p.id)).toEqual({ entries: [], events: [] });

    expect((await paymentCallback(p, 'succeeded')).status).toBe(200);
    const paid = await reload(p.id);
    expect(paid).toMatchObject({ status: 'succeeded', amountCaptured: 10_000n, feeAmount: 60n });
    expect(await kit.effectsOf(p.id)).toEqual({ entries: ['payment.captured'], events: ['payment.succeeded'] });

    // The provider resends: acknowledged, recorded as a duplicate, nothing posted or sent again.
    expect((await paymentCallback(p, 'succeeded')).status).toBe(200);
    expect(await kit.effectsOf(p.id)).toEqual({ entries: ['payment.captured'], events: ['payment.succeeded'] });
    expect(await callbackOutcomes(p)).toEqual(['applied', 'duplicate']);
    expect(kit.provider.callsOf('refund')).toEqual([]);
  });

  it('a decline at create fails the payment with its event and no ledger entry', async () => {
    kit.provider.script('createPayment', { status: 'failed', providerCode: 'BUYER_BALANCE_NOT_ENOUGH' });
    const p = await payments().create(m.ctx, {
      out_trade_no: `declined-${Date.now()}`,
      amount: 500,
      currency: 'CNY',
      subject: 'Declined',
      channel: 'alipay_qr',
    });
    expect(p).toMatchObject({ status: 'failed', failureCode: 'BUYER_BALANCE_NOT_ENOUGH' });
    expect(await kit.effectsOf(p.id)).toEqual({ entries: [], events: ['payment.failed'] });
  });

  it('refuses what the order does not match or the state does not allow, changing nothing', async () => {
    const p = await kit.pendingPayment(m);
    // A callback for another amount is never believed.
    expect((await paymentCallback(p, 'succeeded', 1n)).status).toBe(400);
    expect(await callbackOutcomes(p)).toEqual(['rejected_mismatch']);
    expect((await reload(p.id)).status).toBe('pending');
    expect(await kit.effectsOf(p.id)).toEqual({ entries: [], events: [] });

    await paymentCallback(p, 'succeeded');
    // Closing a paid payment: refused before the provider is asked.
    await expect(
      payments().close(m.merchantId, p.id, { cause: 'merchant', actor: KIT_ACTOR.actor }),
    ).rejects.toMatchObject({ code: 'payment_invalid_state' });
    expect(kit.provider.callsOf('close')).toEqual([]);
    expect((await reload(p.id)).status).toBe('succeeded');
    expect(await kit.effectsOf(p.id)).toEqual({ entries: ['payment.captured'], events: ['payment.succeeded'] });
  });

  it('a success after the merchant closed it: stays closed, held in suspense, refunded automatically, no merchant money', async () => {
    const p = await kit.pendingPayment(m);
    kit.provider.script('close', { status: 'closed' });
    const closed = await payments().close(m.merchantId, p.id, { cause: 'merchant', actor: KIT_ACTOR.actor });
    expect(closed.status).toBe('closed');
    expect(await kit.effectsOf(p.id)).toEqual({ entries: [], events: ['payment.closed'] });

    // The payer paid anyway (a QR code scanned before the close reached the provider).
    expect((await paymentCallback(p, 'succeeded')).status).toBe(200);
    const late = await reload(p.id);
    expect(late).toMatchObject({ status: 'closed', lateSuccess: true, amountCaptured: 0n, feeAmount: 0n });
    expect(await callbackOutcomes(p)).toEqual(['late_success']);
    // Money in to suspense; the merchant is told nothing new (no payment.succeeded).
    expect(await kit.effectsOf(p.id)).toEqual({ entries: ['payment.late_success'], events: ['payment.closed'] });
    const [auto] = await kit.get(RefundsService).forPayment(p.id);
    expect(auto).toMatchObject({ kind: 'late_success', status: 'pending', amount: 10_000n, providerState: 'creating' });
    // Not sent from inside the callback's transaction: the resolver sends it.
    expect(kit.provider.callsOf('refund')).toEqual([]);

    // The same news again starts no second refund and posts nothing more.
    await paymentCallback(p, 'succeeded');
    expect(await kit.get(RefundsService).forPayment(p.id)).toHaveLength(1);
    expect(await kit.effectsOf(p.id)).toEqual({ entries: ['payment.late_success'], events: ['payment.closed'] });

    kit.provider.script('refund', { status: 'succeeded', providerRefundTransactionId: 'rf_late' });
    await kit.get(PaymentResolutionService).resolveRefund(auto);
    expect(kit.provider.callsOf('refund')).toEqual([
      [expect.objectContaining({ providerRefundId: auto.id, amount: 10_000n, paymentAmount: 10_000n })],
    ]);
    const [done] = await kit.get(RefundsService).forPayment(p.id);
    expect(done.status).toBe('succeeded');
    // Out of suspense back to the provider; a late refund is no merchant refund event.
    expect(await kit.effectsOf(auto.id)).toEqual({ entries: ['refund.late_success'], events: [] });
    expect(await suspenseNet(p.id)).toBe('0');
    expect(await merchantPostings(p.id)).toBe(0);
    expect((await reload(p.id)).amountRefunded).toBe(0n);
  });

  it('a success after the payment expired (closed by the resolver) takes the same late-success path', async () => {
    const p = await kit.pendingPayment(m);
    await kit.dataSource.query(`UPDATE payments SET expires_at = now() - interval '1 second' WHERE id = $1`, [p.id]);
    // The resolver asks, hears "still waiting", sees it expired and closes it at the provider first.
    kit.provider.script('query', { status: 'pending' }).script('close', { status: 'closed' });
    await kit.get(PaymentResolutionService).resolvePayment(await reload(p.id));
    expect(await reload(p.id)).toMatchObject({ status: 'closed', lateSuccess: false });
    const [closing] = await kit.dataSource.query(
      `SELECT cause FROM payment_transitions WHERE payment_id = $1 AND to_status = 'closed'`,
      [p.id],
    );
    expect(closing.cause).toBe('expiry_sweeper');

    await paymentCallback(p, 'succeeded');
    expect(await reload(p.id)).toMatchObject({ status: 'closed', lateSuccess: true });
    expect(await kit.effectsOf(p.id)).toEqual({ entries: ['payment.late_success'], events: ['payment.closed'] });
    expect(await kit.get(RefundsService).forPayment(p.id)).toEqual([
      expect.objectContaining({ kind: 'late_success', status: 'pending' }),
    ]);
    expect(kit.provider.callsOf('refund')).toEqual([]);
  });

  it('a refund result that comes before the payment’s success is parked, then applied right after it', async () => {
    const p = await kit.paidPayment(m);
    kit.provider.script('refund', { status: 'pending' });
    const r = await kit
      .get(RefundsService)
      .create(
        { merchantId: m.merchantId, appId: m.appId, kind: 'merchant', actor: 'key_module_spec' },
        { payment_id: p.id, out_refund_no: `${p.id}-early`, amount: 1000 },
      );
    expect(r.status).toBe('pending');
    // This node has not (yet) seen the payment succeed: a lagging replica, a restored backup.
    await kit.dataSource.query(`UPDATE payments SET status = 'pending', next_check_at = NULL WHERE id = $1`, [p.id]);

    const refundCallback = callbackRequest({
      kind: 'refund',
      providerOrderId: p.id,
      providerRefundId: r.id,
      status: 'succeeded',
      amount: 1000n,
      currency: 'CNY',
      notificationId: `n${++notification}`,
    });
    // Acknowledged (the provider may stop resending) but not applied: a refund cannot complete before its payment.
    expect((await kit.get(ProviderCallbacksService).handle('alipay', refundCallback)).status).toBe(200);
    expect(await callbackOutcomes(p)).toEqual(['parked']);
    expect((await kit.get(RefundsService).get(m.merchantId, r.id)).status).toBe('pending');
    expect(await kit.effectsOf(r.id)).toEqual({ entries: [], events: [] });

    await paymentCallback(p, 'succeeded');
    expect((await kit.get(RefundsService).get(m.merchantId, r.id)).status).toBe('succeeded');
    expect(await kit.effectsOf(r.id)).toEqual({ entries: ['refund.succeeded'], events: ['refund.succeeded'] });
    expect(await callbackOutcomes(p)).toEqual(['applied', 'applied']);
    // The capture is posted once, whichever path told us of it.
    expect((await kit.effectsOf(p.id)).entries).toEqual(['payment.captured']);
    expect(await reload(p.id)).toMatchObject({ status: 'succeeded', amountRefunded: 1000n });
  });

  /** What late_payments_suspense holds for one payment and its late refund: 0 once the refund went back. */
  async function suspenseNet(paymentId: string): Promise<string> {
    const [{ net }] = await kit.dataSource.query(
      `SELECT coalesce(sum(CASE WHEN p.direction = 'credit' THEN p.amount ELSE -p.amount END), 0)::text AS net
         FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id JOIN ledger_entries e ON e.id = p.entry_id
        WHERE a.code = 'late_payments_suspense'
          AND (e.reference_id = $1 OR e.reference_id IN (SELECT id FROM refunds WHERE payment_id = $1))`,
      [paymentId],
    );
    return net;
  }

  /** Postings on the merchant's own accounts caused by one payment or its refunds. */
  function merchantPostings(paymentId: string): Promise<number> {
    return rows(
      kit,
      `SELECT 1 FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id JOIN ledger_entries e ON e.id = p.entry_id
        WHERE a.merchant_id IS NOT NULL
          AND (e.reference_id = $1 OR e.reference_id IN (SELECT id FROM refunds WHERE payment_id = $1))`,
      [paymentId],
    );
  }
});
