import { newId } from '../../src/common/ids/ids.util';
import { LedgerService } from '../../src/modules/ledger/ledger.service';
import { RefundsService } from '../../src/modules/payments/refunds/refunds.service';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, card, count, effectsOf, trialBalanceIsZero } from '../utils/payments-kit';
import { TestApp, startTestApp } from '../utils/test-app';

/**
 * Issue 16, "refunds covered by pending and available balance together": a
 * refund neither balance covers alone takes all of pending and the rest from
 * available (docs/ledger.md "Refunds"); short of both together it stays pending.
 */
describe('refunds split across pending and available (e2e)', () => {
  let t: TestApp;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
  });

  const ledger = () => t.app.get(LedgerService);
  const balance = (m: OnboardedMerchant, code: 'merchant_pending' | 'merchant_available') =>
    ledger().accountBalance({ code, currency: 'CNY', merchantId: m.merchantId });

  /** A captured 100.00 CNY card payment (fee 0.6 %: the merchant's share is 9940). */
  async function paidCard(m: OnboardedMerchant): Promise<{ id: string }> {
    const encrypted = await m.client.encryptCard(card('4242424242424242'));
    const p = await m.client.post<any>('/v1/payments', {
      out_trade_no: `split-${++n}-${Date.now()}`,
      amount: 10000,
      currency: 'CNY',
      subject: 'Coffee',
      channel: 'card',
      card: { encrypted },
    });
    expect(p.status).toBe('succeeded');
    return p;
  }

  /** Moves merchant money between its accounts as a settlement (or a payout) would. */
  async function move(m: OnboardedMerchant, from: string, to: string, amount: bigint): Promise<void> {
    await ledger().post(t.dataSource.manager, {
      externalId: `test:${newId('stl')}`,
      type: 'settlement.transferred',
      referenceType: 'settlement',
      referenceId: newId('stl'),
      merchantId: m.merchantId,
      postings: [
        { account: { code: from as never, currency: 'CNY', merchantId: m.merchantId }, direction: 'debit', amount },
        { account: { code: to as never, currency: 'CNY', merchantId: m.merchantId }, direction: 'credit', amount },
      ],
    });
  }

  const postingsOf = (refundId: string): Promise<Array<{ code: string; direction: string; amount: string }>> =>
    t.dataSource.query(
      `SELECT a.code, p.direction, p.amount::text AS amount FROM ledger_postings p
         JOIN ledger_entries e ON e.id = p.entry_id JOIN ledger_accounts a ON a.id = p.account_id
        WHERE e.reference_type = 'refund' AND e.reference_id = $1 ORDER BY a.code, p.direction`,
      [refundId],
    );

  it('takes all of pending and the rest from available when neither covers the refund alone', async () => {
    const m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    const p = await paidCard(m);
    await move(m, 'merchant_pending', 'merchant_available', 6000n); // pending 3940, available 6000: neither ≥ 9940
    const r = await m.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-all` });
    expect(r).toMatchObject({ status: 'succeeded', amount: 10000, fee_refunded: 60 });

    expect(await postingsOf(r.id)).toEqual([
      { code: 'merchant_available', direction: 'debit', amount: '6000' },
      { code: 'merchant_pending', direction: 'debit', amount: '3940' },
      { code: 'platform_fee_revenue', direction: 'debit', amount: '60' },
      { code: 'provider_clearing', direction: 'credit', amount: '10000' },
    ]);
    expect(await balance(m, 'merchant_pending')).toBe(0n);
    expect(await balance(m, 'merchant_available')).toBe(0n);
    expect(await effectsOf(t.dataSource, r.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });

    // The provider's word arriving again (callback, resolver) posts nothing more.
    const again = await t.app.get(RefundsService).applyOutcome(r.id, { status: 'succeeded' }, 'provider_query');
    expect(again.status).toBe('succeeded');
    expect(await effectsOf(t.dataSource, r.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
  });

  it('still takes a refund from one balance when that one covers it (no split)', async () => {
    const m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    const p = await paidCard(m);
    await move(m, 'merchant_pending', 'merchant_available', 9940n); // settled: pending 0, available 9940
    const r = await m.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-a`, amount: 5000 });
    expect(r.status).toBe('succeeded');
    expect((await postingsOf(r.id)).filter((x) => x.code.startsWith('merchant_'))).toEqual([
      { code: 'merchant_available', direction: 'debit', amount: '4970' },
    ]);
  });

  it('stays pending, posting nothing, when pending and available together fall short; proceeds once they cover it', async () => {
    const m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    const p = await paidCard(m);
    await move(m, 'merchant_pending', 'merchant_available', 6000n);
    await move(m, 'merchant_available', 'merchant_payouts_in_transit', 1000n); // 3940 + 5000 < 9940
    const res = await m.client.request<any>('POST', '/v1/refunds', {
      body: { payment_id: p.id, out_refund_no: `${p.id}-short` },
    });
    // Unchanged: the merchant hears 409 insufficient_funds and the refund is parked, pending, for the resolver.
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('insufficient_funds');
    const [refund] = await t.dataSource.query(`SELECT id, status FROM refunds WHERE payment_id = $1`, [p.id]);
    expect(refund.status).toBe('pending');
    expect(await count(t.dataSource, `SELECT 1 FROM ledger_entries WHERE reference_id = $1`, [refund.id])).toBe(0);
    expect(await balance(m, 'merchant_pending')).toBe(3940n);
    expect(await balance(m, 'merchant_available')).toBe(5000n);

    // Money comes back (the payout failed): the next check of the parked refund takes 3940 + 6000.
    await move(m, 'merchant_payouts_in_transit', 'merchant_available', 1000n);
    const done = await t.app.get(RefundsService).applyOutcome(refund.id, { status: 'succeeded' }, 'provider_query');
    expect(done.status).toBe('succeeded');
    expect((await postingsOf(refund.id)).filter((x) => x.code.startsWith('merchant_'))).toEqual([
      { code: 'merchant_available', direction: 'debit', amount: '6000' },
      { code: 'merchant_pending', direction: 'debit', amount: '3940' },
    ]);
    expect(await effectsOf(t.dataSource, refund.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
  });
});
