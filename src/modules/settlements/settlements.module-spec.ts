import { KIT_ACTOR, KitMerchant, ModuleKit, rows, startModuleKit } from '../../../test/utils/module-kit';
import { LedgerService } from '../ledger/ledger.service';
import { SettlementsService } from './settlements.service';

/**
 * A settlement of a day with payments and refunds made through the payments
 * services (not posted by hand), over a real database and a scripted
 * provider: the right net moves pending → available in one entry, with one
 * event, and a second run of the same day settles nothing again
 * (docs/settlement.md).
 */
describe('settlements (module)', () => {
  let kit: ModuleKit;
  let m: KitMerchant;

  beforeAll(async () => {
    kit = await startModuleKit();
    m = await kit.merchant({ feeBps: 60, timezone: 'UTC' });
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

  const settlements = () => kit.get(SettlementsService);
  const balance = (code: 'merchant_pending' | 'merchant_available') =>
    kit.get(LedgerService).accountBalance({ code, currency: 'CNY', merchantId: m.merchantId });
  const dayOf = (at: Date) => at.toISOString().slice(0, 10); // the merchant's timezone is UTC
  const transfers = () =>
    rows(kit, `SELECT 1 FROM ledger_entries WHERE type = 'settlement.transfer' AND merchant_id = $1`, [m.merchantId]);
  const completedEvents = () =>
    rows(kit, `SELECT 1 FROM events WHERE type = 'settlement.completed' AND merchant_id = $1`, [m.merchantId]);

  it('refuses a day that has not ended without force, settling nothing', async () => {
    const p = await kit.paidPayment(m, 1000n);
    await expect(settlements().settleDay(m.merchantId, 'CNY', dayOf(p.succeededAt!), KIT_ACTOR)).rejects.toMatchObject({
      code: 'settlement_day_not_closed',
    });
    await expect(settlements().settleDay(m.merchantId, 'CNY', '2026-13-01', KIT_ACTOR)).rejects.toMatchObject({
      code: 'day_invalid',
    });
    expect(await rows(kit, 'SELECT 1 FROM settlements WHERE merchant_id = $1', [m.merchantId])).toBe(0);
    expect(await transfers()).toBe(0);
    expect(await completedEvents()).toBe(0);
    expect(await balance('merchant_available')).toBe(0n);
  });

  it('settles the day’s payments net of fees and refunds, once', async () => {
    // Besides the first test's 1000 (fee 6): 10000 (fee 60) and 5000 (fee 30), and a 3000 refund of the first (fee back 18).
    const a = await kit.paidPayment(m, 10_000n);
    await kit.paidPayment(m, 5000n);
    kit.provider.script('refund', { status: 'succeeded' });
    const r = await kit.refund(m, a.id, 'settle-refund', 3000);
    expect(r).toMatchObject({ status: 'succeeded', feeRefunded: 18n });
    const net = 994n + 9940n + 4970n - 2982n;
    expect(await balance('merchant_pending')).toBe(net);

    const day = dayOf(a.succeededAt!);
    const first = await settlements().settleDay(m.merchantId, 'CNY', day, KIT_ACTOR, { force: true });
    expect(first.created).toBe(true);
    expect(first.settlement).toMatchObject({
      businessDay: day,
      lineCount: 4,
      paymentsAmount: 16_000n,
      refundsAmount: 3000n,
      feeAmount: 6n + 60n + 30n - 18n,
      netAmount: net,
      transferredAmount: net,
      carriedForward: 0n,
    });
    expect(await balance('merchant_pending')).toBe(0n);
    expect(await balance('merchant_available')).toBe(net);
    const lines: Array<{ kind: string; reference_id: string }> = await kit.dataSource.query(
      `SELECT kind, reference_id FROM settlement_lines WHERE settlement_id = $1 ORDER BY kind`,
      [first.settlement!.id],
    );
    expect(lines.map((l) => l.kind)).toEqual(['payment', 'payment', 'payment', 'refund']);
    expect(lines.find((l) => l.kind === 'refund')!.reference_id).toBe(r.id);

    // Again (a retry, a second replica, the scheduler after an admin run): the first settlement, nothing moved twice.
    const second = await settlements().settleDay(m.merchantId, 'CNY', day, KIT_ACTOR, { force: true });
    expect(second).toEqual({ settlement: expect.objectContaining({ id: first.settlement!.id }), created: false });
    const rerun = await settlements().runDay(day, KIT_ACTOR, { merchantId: m.merchantId, force: true });
    expect(rerun.map((s) => s.id)).toEqual([first.settlement!.id]);
    expect(await transfers()).toBe(1);
    expect(await completedEvents()).toBe(1);
    expect(await balance('merchant_available')).toBe(net);
    expect(kit.provider.callsOf('fetchStatement')).toEqual([]);
  });
});
