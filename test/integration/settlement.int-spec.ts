import { feeRefundFor } from '../../src/modules/payments/payment-money.util';
import { SettlementSchedulerWorker } from '../../src/modules/settlements/settlement-scheduler.worker';
import { http } from '../utils/http';
import { onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, card, count, trialBalanceIsZero } from '../utils/payments-kit';
import {
  ADMIN,
  SETTLEMENT_TEST_ENV,
  balanceOf,
  createMerchant,
  linesOf,
  localInstant,
  postPayment,
  postRefund,
  settlements,
} from '../utils/settlement-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

/** Daily settlement per merchant and currency: cut-offs, once-only, scheduling, and the merchant API (integration, real PostgreSQL). */
describe('settlements (integration)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Every payout waits for approval here, so settled money stays in available where these tests look for it.
    t = await startTestApp({ ...FAST_SANDBOX_ENV, ...SETTLEMENT_TEST_ENV, PAYOUT_APPROVAL_THRESHOLD: '0' });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
  });

  it('cuts days at midnight in the merchant timezone: 23:59:59.999 and 00:00:00.000 land on different days, another timezone has its own cut-off', async () => {
    const shanghai = await createMerchant(t, { fee_bps: 100 });
    const newYork = await createMerchant(t, { fee_bps: 100, timezone: 'America/New_York' });
    const lastMs = await localInstant(t, '2025-03-10 23:59:59.999', 'Asia/Shanghai');
    const firstMs = await localInstant(t, '2025-03-11 00:00:00.000', 'Asia/Shanghai');
    expect(firstMs.getTime() - lastMs.getTime()).toBe(1);
    const a1 = await postPayment(t, { merchantId: shanghai, amount: 10000n, feeBps: 100, at: lastMs });
    const a2 = await postPayment(t, { merchantId: shanghai, amount: 20000n, feeBps: 100, at: firstMs });
    // The same two instants are 11:59:59.999 and 12:00 on 2025-03-10 in New York: one day there.
    const b1 = await postPayment(t, { merchantId: newYork, amount: 300n, feeBps: 100, at: lastMs });
    const b2 = await postPayment(t, { merchantId: newYork, amount: 400n, feeBps: 100, at: firstMs });
    const b3 = await postPayment(t, {
      merchantId: newYork,
      amount: 500n,
      feeBps: 100,
      at: await localInstant(t, '2025-03-10 23:59:59.999', 'America/New_York'),
    });
    const b4 = await postPayment(t, {
      merchantId: newYork,
      amount: 600n,
      feeBps: 100,
      at: await localInstant(t, '2025-03-11 00:00:00.000', 'America/New_York'),
    });
    // 2025-03-09 is the 23-hour DST day in New York.
    const b0 = await postPayment(t, {
      merchantId: newYork,
      amount: 700n,
      feeBps: 100,
      at: await localInstant(t, '2025-03-09 23:59:59.999', 'America/New_York'),
    });

    const a10 = (await settlements(t).settleDay(shanghai, 'CNY', '2025-03-10', ADMIN)).settlement!;
    const a11 = (await settlements(t).settleDay(shanghai, 'CNY', '2025-03-11', ADMIN)).settlement!;
    expect(await linesOf(t, a10.id)).toEqual([a1.id]);
    expect(await linesOf(t, a11.id)).toEqual([a2.id]);
    expect(a10.cutoffAt.toISOString()).toBe('2025-03-10T16:00:00.000Z');

    const b09 = (await settlements(t).settleDay(newYork, 'CNY', '2025-03-09', ADMIN)).settlement!;
    const b10 = (await settlements(t).settleDay(newYork, 'CNY', '2025-03-10', ADMIN)).settlement!;
    const b11 = (await settlements(t).settleDay(newYork, 'CNY', '2025-03-11', ADMIN)).settlement!;
    expect(await linesOf(t, b09.id)).toEqual([b0.id]);
    expect((await linesOf(t, b10.id)).sort()).toEqual([b1.id, b2.id, b3.id].sort());
    expect(await linesOf(t, b11.id)).toEqual([b4.id]);
    expect(b10.cutoffAt.toISOString()).toBe('2025-03-11T04:00:00.000Z');
    // Net = gross − half-up fee, read from the ledger.
    expect(a10.netAmount).toBe(10000n - a1.fee);
    expect(b10.feeAmount).toBe(b1.fee + b2.fee + b3.fee);
    expect(await balanceOf(t, shanghai, 'merchant_pending')).toBe(0n);
    expect(await balanceOf(t, shanghai, 'merchant_available')).toBe(30000n - a1.fee - a2.fee);
  });

  it('settles a day once when run twice and when run 8 times concurrently: one settlement, one ledger transfer, one event', async () => {
    const m = await createMerchant(t, { fee_bps: 60 });
    const at = await localInstant(t, '2025-04-01 12:00:00', 'Asia/Shanghai');
    const p1 = await postPayment(t, { merchantId: m, amount: 10000n, feeBps: 60, at });
    const p2 = await postPayment(t, { merchantId: m, amount: 3333n, feeBps: 60, at });
    const back = feeRefundFor(p1.fee, p1.amount, 0n, 3000n);
    await postRefund(t, p1, 3000n, back, new Date(at.getTime() + 60_000));

    const results = await Promise.all(
      Array.from({ length: 8 }, () => settlements(t).settleDay(m, 'CNY', '2025-04-01', ADMIN)),
    );
    const ids = new Set(results.map((r) => r.settlement!.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const again = await settlements(t).settleDay(m, 'CNY', '2025-04-01', ADMIN);
    expect(again).toMatchObject({ created: false, settlement: { id: [...ids][0] } });

    const s = again.settlement!;
    expect(await count(t.dataSource, 'SELECT 1 FROM settlements WHERE merchant_id = $1', [m])).toBe(1);
    expect(
      await count(
        t.dataSource,
        `SELECT 1 FROM ledger_entries WHERE reference_type = 'settlement' AND merchant_id = $1`,
        [m],
      ),
    ).toBe(1);
    expect(
      await count(t.dataSource, `SELECT 1 FROM events WHERE type = 'settlement.completed' AND aggregate_id = $1`, [
        s.id,
      ]),
    ).toBe(1);
    expect(await count(t.dataSource, 'SELECT 1 FROM settlement_lines WHERE settlement_id = $1', [s.id])).toBe(3);
    expect(s).toMatchObject({
      paymentsAmount: 13333n,
      refundsAmount: 3000n,
      feeAmount: p1.fee + p2.fee - back,
      lineCount: 3,
    });
    expect(s.netAmount).toBe(13333n - 3000n - (p1.fee + p2.fee - back));
    expect(s.transferredAmount).toBe(s.netAmount);
    expect(await balanceOf(t, m, 'merchant_available')).toBe(s.netAmount);
    expect(await balanceOf(t, m, 'merchant_pending')).toBe(0n);
  });

  it('refuses a day that has not ended unless forced, and finds nothing to settle for an empty day', async () => {
    const m = await createMerchant(t);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    await expect(settlements(t).settleDay(m, 'CNY', today, ADMIN)).rejects.toMatchObject({
      code: 'settlement_day_not_closed',
    });
    await expect(settlements(t).settleDay(m, 'CNY', '2025-02-30', ADMIN)).rejects.toMatchObject({
      code: 'day_invalid',
    });
    expect(await settlements(t).settleDay(m, 'CNY', '2025-01-02', ADMIN)).toEqual({ settlement: null, created: false });
  });

  it('the scheduler settles T+N in the merchant timezone, once even when two replicas tick together', async () => {
    const m = await createMerchant(t, { settlement_delay_days: 2, timezone: 'Europe/Berlin' });
    const p = await postPayment(t, {
      merchantId: m,
      amount: 777n,
      feeBps: 0,
      at: await localInstant(t, '2025-05-05 18:00:00', 'Europe/Berlin'),
    });
    const scheduler = t.app.get(SettlementSchedulerWorker);
    await scheduler.tick(await localInstant(t, '2025-05-06 23:59:59', 'Europe/Berlin'));
    expect(await count(t.dataSource, 'SELECT 1 FROM settlements WHERE merchant_id = $1', [m])).toBe(0);
    const due = await localInstant(t, '2025-05-07 00:00:01', 'Europe/Berlin');
    await Promise.all([scheduler.tick(due), scheduler.tick(due)]);
    const rows = await t.dataSource.query(
      `SELECT id, business_day::text AS day, actor FROM settlements WHERE merchant_id = $1`,
      [m],
    );
    expect(rows).toEqual([{ id: expect.stringMatching(/^stl_/), day: '2025-05-05', actor: 'scheduler' }]);
    expect(await linesOf(t, rows[0].id)).toEqual([p.id]);
  });

  it('carries a negative day forward instead of taking settled money back; the totals still add up exactly', async () => {
    const m = await createMerchant(t);
    const day = (d: string, time = '12:00:00') => localInstant(t, `${d} ${time}`, 'Asia/Shanghai');
    const p = await postPayment(t, { merchantId: m, amount: 10000n, feeBps: 0, at: await day('2025-06-01') });
    // Refunded the next day, before day 1 was settled: it comes out of pending.
    expect((await postRefund(t, p, 8000n, 0n, await day('2025-06-02')))?.from).toBe('merchant_pending');
    const d1 = (await settlements(t).settleDay(m, 'CNY', '2025-06-01', ADMIN)).settlement!;
    expect(d1).toMatchObject({ netAmount: 10000n, transferredAmount: 2000n, carriedForward: 8000n });
    await postPayment(t, { merchantId: m, amount: 100n, feeBps: 0, at: await day('2025-06-03') });
    const d2 = (await settlements(t).settleDay(m, 'CNY', '2025-06-02', ADMIN)).settlement!;
    expect(d2).toMatchObject({ netAmount: -8000n, carriedIn: 8000n, transferredAmount: 0n, carriedForward: 0n });
    const d3 = (await settlements(t).settleDay(m, 'CNY', '2025-06-03', ADMIN)).settlement!;
    expect(d3).toMatchObject({ netAmount: 100n, transferredAmount: 100n, carriedForward: 0n });
    expect(await balanceOf(t, m, 'merchant_pending')).toBe(0n);
    expect(await balanceOf(t, m, 'merchant_available')).toBe(2100n);
  });

  it('a real card payment and refund settle with their own fee figures; the merchant reads its settlements, another merchant gets 404', async () => {
    const a = await onboardMerchant(t, { merchant: { fee_bps: 250 } });
    const b = await onboardMerchant(t, { name: 'Other' });
    const paid = await a.client.post<any>('/v1/payments', {
      out_trade_no: 'stl-1',
      amount: 12345,
      currency: 'CNY',
      channel: 'card',
      subject: 'Settle me',
      card: { encrypted: await a.client.encryptCard(card('4242424242424242')) },
    });
    expect(paid.status).toBe('succeeded');
    const refund = await a.client.post<any>('/v1/refunds', {
      payment_id: paid.id,
      out_refund_no: 'stl-r1',
      amount: 2345,
    });
    expect(refund.status).toBe('succeeded');
    const [{ succeeded_at, occurred_at }] = await t.dataSource.query(
      `SELECT p.succeeded_at, e.occurred_at FROM payments p JOIN ledger_entries e ON e.reference_id = p.id AND e.type = 'payment.captured' WHERE p.id = $1`,
      [paid.id],
    );
    expect(occurred_at).toEqual(succeeded_at);

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const run = await http('POST', `${t.baseUrl}/admin/v1/settlements/run`, {
      token: TEST_ADMIN_TOKEN,
      body: { day: today, merchant_id: a.merchantId, force: true },
    });
    expect(run.status).toBe(200);
    const [s] = run.body.data;
    const [{ fee_amount, fee_refunded }] = await t.dataSource.query(
      'SELECT fee_amount::int, fee_refunded::int FROM payments WHERE id = $1',
      [paid.id],
    );
    expect(s).toMatchObject({
      object: 'settlement',
      merchant_id: a.merchantId,
      payments_amount: 12345,
      refunds_amount: 2345,
      fee_amount: fee_amount - fee_refunded,
      line_count: 2,
    });
    expect(s.net_amount).toBe(12345 - 2345 - (fee_amount - fee_refunded));
    expect(
      await count(t.dataSource, `SELECT 1 FROM audit_log WHERE action = 'settlement.run' AND target_id = $1`, [s.id]),
    ).toBe(1);

    const list = await a.client.listSettlements();
    expect(list.data.map((x) => x.id)).toEqual([s.id]);
    const one = await a.client.getSettlement(s.id);
    expect(one.lines!.map((l) => [l.reference_id, l.kind, l.gross_amount])).toEqual([
      [paid.id, 'payment', 12345],
      [refund.id, 'refund', -2345],
    ]);
    expect((await b.client.listSettlements()).data).toEqual([]);
    await expect(b.client.getSettlement(s.id)).rejects.toMatchObject({ status: 404, code: 'resource_missing' });
    const balance = await a.client.getBalance();
    expect(balance.balances).toEqual([
      expect.objectContaining({ currency: 'CNY', pending: 0, available: s.net_amount }),
    ]);
  });
});
