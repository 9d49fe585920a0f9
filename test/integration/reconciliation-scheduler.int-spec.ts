import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { ReconciliationSchedulerWorker } from '../../src/modules/settlements/reconciliation-scheduler.worker';
import { addDays, billDay } from '../../src/modules/settlements/settlement-day.util';
import { onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, pay, waitForStatus } from '../utils/payments-kit';
import { TestApp, startTestApp } from '../utils/test-app';

/**
 * Scheduled reconciliation (issue 18): the worker reconciles every provider's bill days without a report once the
 * bill is ready, leaves a day whose bill is not ready (T+1) for a later pass, and never reports a day twice, even
 * when two passes race (another replica).
 */
describe('scheduled reconciliation (integration)', () => {
  let t: TestApp;
  let worker: ReconciliationSchedulerWorker;
  let sim: AlipaySimulator;

  beforeAll(async () => {
    // The loop itself stays off: the test drives passes with a chosen clock.
    t = await startTestApp({ ...FAST_SANDBOX_ENV, RECONCILIATION_POLL_MS: '0', RECONCILIATION_LOOKBACK_DAYS: '2' });
    worker = t.app.get(ReconciliationSchedulerWorker);
    sim = t.app.get(AlipaySimulator);
  });
  afterAll(() => t?.close());

  const reports = async (provider: string, day: string) =>
    (await t.dataSource.query(
      `SELECT id, matched, open_exceptions, actor FROM reconciliation_reports
        WHERE provider = $1 AND business_day = $2::date`,
      [provider, day],
    )) as Array<{ id: string; matched: number; open_exceptions: number; actor: string }>;

  it('waits for a bill that is not ready, then reports the day once, matched with the ledger', async () => {
    const m = await onboardMerchant(t, { channels: ['alipay_qr'] });
    const p = await m.client.post<any>('/v1/payments', {
      out_trade_no: 'sched-1',
      amount: 2300,
      currency: 'CNY',
      channel: 'alipay_qr',
      subject: 'Scheduled reconciliation',
    });
    await pay(t.baseUrl, p);
    await waitForStatus(m.client, p.id, 'succeeded');

    // Tomorrow (UTC+8), today's bill is "yesterday's": due. The simulator's clock says the bill does not exist yet.
    const today = billDay(new Date());
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    const first = await worker.tick(tomorrow);
    expect(first).toEqual(expect.arrayContaining([{ provider: 'alipay', day: today, outcome: 'not_ready' }]));
    expect(await reports('alipay', today)).toEqual([]);
    // The day before was due too, and its (empty) bill exists: reported by the scheduler.
    expect(await reports('alipay', addDays(today, -1))).toEqual([
      expect.objectContaining({ actor: 'reconciliation-scheduler', open_exceptions: 0 }),
    ]);

    sim.setSwitches({ billsSameDay: true });
    try {
      // Two passes at once, as two worker replicas would run them: one report per provider and day.
      const [a, b] = await Promise.all([worker.tick(tomorrow), worker.tick(tomorrow)]);
      const reported = [...a, ...b].filter((r) => r.provider === 'alipay' && r.day === today);
      expect(reported.filter((r) => r.outcome === 'reported')).toHaveLength(1);
      const [report] = await reports('alipay', today);
      expect(report).toMatchObject({ actor: 'reconciliation-scheduler', matched: 1, open_exceptions: 0 });
      expect(await reports('alipay', today)).toHaveLength(1);

      // Nothing is due any more for alipay.
      expect((await worker.tick(tomorrow)).filter((r) => r.provider === 'alipay')).toEqual([]);
    } finally {
      sim.setSwitches({ billsSameDay: false });
    }
    const dup = await t.dataSource.query(
      `SELECT provider, business_day, count(*) FROM reconciliation_reports GROUP BY 1, 2 HAVING count(*) > 1`,
    );
    expect(dup).toEqual([]);
  });
});
