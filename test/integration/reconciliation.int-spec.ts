import { PLATFORM_MERCHANT_ID } from '@paygrid/contracts';
import { newId } from '../../src/common/ids/ids.util';
import { printedProgress } from '../../src/common/progress/progress';
import { ProviderRegistry } from '../../src/modules/providers/provider-registry';
import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { WechatPaySimulator } from '../../src/modules/sandbox/wechatpay/wechatpay.simulator';
import { ReconciliationService } from '../../src/modules/settlements/reconciliation.service';
import { billDay } from '../../src/modules/settlements/settlement-day.util';
import { http, waitFor } from '../utils/http';
import { merchantServer } from '../utils/checkout-kit';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, pay, payerActs, trialBalanceIsZero, waitForStatus } from '../utils/payments-kit';
import { SETTLEMENT_TEST_ENV, postPayment } from '../utils/settlement-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

/**
 * Statement ↔ ledger for Alipay's bill of today (UTC+8), with one planted
 * discrepancy of each kind (integration: real PostgreSQL, the Alipay
 * simulator over HTTP, its CSV bill parsed by the adapter).
 */
describe('reconciliation (integration)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let sim: AlipaySimulator;
  let shop: Awaited<ReturnType<typeof merchantServer>>;
  const admin = (method: string, path: string, body?: unknown) =>
    http<any>(method, `${t.baseUrl}/admin/v1${path}`, { token: TEST_ADMIN_TOKEN, body });

  beforeAll(async () => {
    // The resolver waits long, so only reconciliation can find the late success.
    t = await startTestApp({
      ...FAST_SANDBOX_ENV,
      ...SETTLEMENT_TEST_ENV,
      RESOLVER_BASE_MS: '600000',
      PAYOUT_APPROVAL_THRESHOLD: '0',
    });
    shop = await merchantServer();
    // A webhook endpoint, so a reconciliation event that reached the dispatcher would have a delivery to show.
    m = await onboardMerchant(t, { merchant: { fee_bps: 60 }, webhookUrl: `${shop.url}/hooks` });
    sim = t.app.get(AlipaySimulator);
    // Alipay serves a day's bill from T+1; this test reconciles today, so the sandbox serves it at once.
    sim.setSwitches({ billsSameDay: true });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
    await shop.close();
  });

  /** The reconciliation.exception events of a provider's runs, as written to the outbox. */
  const exceptionEvents = async (provider: string): Promise<any[]> =>
    (
      await t.dataSource.query(
        `SELECT id, merchant_id, app_id, aggregate_id, aggregate_sequence, object FROM events
          WHERE type = 'reconciliation.exception' AND object->>'provider' = $1 ORDER BY id`,
        [provider],
      )
    ).map((r: any) => r);

  /** An order the provider has and was paid, created straight at the simulator through the adapter (Paygrid never saw it). */
  async function paidAtProviderOnly(id: string, amount: bigint): Promise<void> {
    const alipay = t.app.get(ProviderRegistry).forProvider('alipay')!;
    const created = await alipay.createPayment({
      channel: 'alipay_qr',
      providerOrderId: id,
      amount,
      currency: 'CNY',
      subject: 'planted',
      expiresAt: new Date(Date.now() + 600_000),
      notifyUrl: `${t.baseUrl}/callbacks/alipay`,
    });
    expect(created.nextAction?.type).toBe('qr_code');
    expect(await payerActs((created.nextAction as { qr_code: string }).qr_code, 'success')).toBe(200);
  }

  it('finds each planted discrepancy, resolves the late success, and lists the rest as exceptions with evidence', async () => {
    const day = billDay(new Date());
    // Matched: a normal payment and a partial refund of it.
    const ok = await m.client.post<any>('/v1/payments', {
      out_trade_no: 'rc-ok',
      amount: 10000,
      currency: 'CNY',
      channel: 'alipay_qr',
      subject: 'ok',
    });
    await pay(t.baseUrl, ok);
    await waitForStatus(m.client, ok.id, 'succeeded');
    const refund = await m.client.post<any>('/v1/refunds', {
      payment_id: ok.id,
      out_refund_no: 'rc-ok-r',
      amount: 2500,
    });
    await waitForStatus(m.client, refund.id, 'succeeded', '/v1/refunds');
    // Missing here: paid at Alipay under an id we never issued.
    const ghost = newId('pay');
    await paidAtProviderOnly(ghost, 1234n);
    // Missing at the provider: a ledger entry for a payment Alipay never saw.
    const phantom = await postPayment(t, { merchantId: m.merchantId, amount: 4321n, feeBps: 60, at: new Date() });
    // Amount mismatch: Alipay has 10.00, our ledger 12.00.
    const skewed = newId('pay');
    await paidAtProviderOnly(skewed, 1000n);
    await postPayment(t, { merchantId: m.merchantId, id: skewed, amount: 1200n, feeBps: 60, at: new Date() });
    // Late success: paid at Alipay, no callback, no resolver check: still pending here.
    sim.setSwitches({ neverCallback: true });
    const late = await m.client.post<any>('/v1/payments', {
      out_trade_no: 'rc-late',
      amount: 777,
      currency: 'CNY',
      channel: 'alipay_qr',
      subject: 'late',
    });
    await t.dataSource.query('UPDATE payments SET next_check_at = NULL WHERE id = $1', [late.id]);
    await pay(t.baseUrl, late);
    sim.setSwitches({ neverCallback: false });
    expect((await m.client.get<any>(`/v1/payments/${late.id}`)).status).toBe('pending');

    const run = await admin('POST', '/reconciliation/run', { provider: 'alipay', day });
    expect(run.status).toBe(200);
    const report = run.body;
    const byRef = Object.fromEntries(report.items.map((i: any) => [i.reference_id, i]));
    expect(byRef[ok.id]).toMatchObject({
      category: 'matched',
      resolution: 'none',
      statement_amount: 10000,
      ledger_amount: 10000,
    });
    expect(byRef[refund.id]).toMatchObject({
      category: 'matched',
      reference_type: 'refund',
      statement_amount: 2500,
      ledger_amount: 2500,
    });
    expect(byRef[ghost]).toMatchObject({
      category: 'missing_here',
      resolution: 'open',
      statement_amount: 1234,
      ledger_amount: null,
    });
    expect(byRef[ghost].evidence.notes).toContain('payment status after asking the provider: not_found');
    expect(byRef[phantom.id]).toMatchObject({
      category: 'missing_at_provider',
      resolution: 'open',
      statement_amount: null,
      ledger_amount: 4321,
    });
    expect(byRef[phantom.id].evidence.ledger[0]).toMatchObject({
      type: 'payment.captured',
      external_id: `payment:${phantom.id}:captured`,
    });
    expect(byRef[skewed]).toMatchObject({
      category: 'amount_mismatch',
      resolution: 'open',
      statement_amount: 1000,
      ledger_amount: 1200,
    });
    expect(byRef[skewed].evidence.statement[0]).toMatchObject({
      provider_order_id: skewed,
      amount: '1000',
      status: 'TRADE_SUCCESS',
    });
    expect(byRef[late.id]).toMatchObject({
      category: 'status_mismatch',
      resolution: 'resolved',
      statement_amount: 777,
      ledger_amount: 777,
      resolved_by: 'reconciliation',
    });
    expect(report).toMatchObject({
      matched: 2,
      missing_here: 1,
      missing_at_provider: 1,
      amount_mismatch: 1,
      status_mismatch: 1,
      resolved: 1,
      open_exceptions: 3,
    });
    // The late success went through the payments lifecycle: succeeded, one ledger entry, one event.
    expect((await m.client.get<any>(`/v1/payments/${late.id}`)).status).toBe('succeeded');
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE reference_id = $1`, [
      late.id,
    ]);
    expect(n).toBe(1);

    // One internal event per open exception, in the run's transaction: not the resolved late success, not the matched.
    const announced = await exceptionEvents('alipay');
    expect(announced.map((e) => e.object.reference_id).sort()).toEqual([ghost, phantom.id, skewed].sort());
    const announcedBy = Object.fromEntries(announced.map((e) => [e.object.reference_id, e]));
    expect(announcedBy[skewed]).toMatchObject({
      merchant_id: m.merchantId,
      app_id: null,
      aggregate_id: announcedBy[skewed].object.id,
      aggregate_sequence: 1,
      object: {
        id: expect.stringMatching(/^rcx_[0-9a-z]{26}$/),
        object: 'reconciliation_exception',
        provider: 'alipay',
        business_day: day,
        category: 'amount_mismatch',
        reference_type: 'payment',
        statement_amount: 1000,
        ledger_amount: 1200,
        currency: 'CNY',
        report_id: report.id,
        item_id: byRef[skewed].id,
        merchant_id: m.merchantId,
      },
    });
    expect(announcedBy[phantom.id].object).toMatchObject({ category: 'missing_at_provider', ledger_amount: 4321 });
    // Only Alipay knows the ghost: no merchant, so the platform's id in the envelope.
    expect(announcedBy[ghost]).toMatchObject({
      merchant_id: PLATFORM_MERCHANT_ID,
      object: { category: 'missing_here', merchant_id: null, statement_amount: 1234 },
    });
    // Internal only: the webhook dispatcher consumed each (its inbox) and made no delivery of it; not in the
    // merchant's event list, nor readable by id.
    await waitFor(
      async () =>
        (
          await t.dataSource.query(
            `SELECT count(*)::int AS n FROM event_inbox WHERE consumer = 'webhooks' AND event_id = ANY($1)`,
            [announced.map((e) => e.id)],
          )
        )[0].n === 3 || undefined,
      { what: 'the webhook dispatcher to consume the reconciliation events' },
    );
    const [{ deliveries }] = await t.dataSource.query(
      `SELECT count(*)::int AS deliveries FROM webhook_deliveries WHERE event_type = 'reconciliation.exception'`,
    );
    expect(deliveries).toBe(0);
    expect(shop.webhooks.filter((w) => w.body.includes('reconciliation.exception'))).toEqual([]);
    const listed = await m.client.get<any>('/v1/events?limit=100');
    expect(listed.data.filter((e: any) => e.type === 'reconciliation.exception')).toEqual([]);
    expect((await m.client.request<any>('GET', `/v1/events/${announcedBy[skewed].id}`)).status).toBe(404);
    expect((await m.client.request<any>('GET', '/v1/events?type=reconciliation.exception')).status).toBe(400);

    const exceptions = await admin('GET', '/reconciliation/exceptions');
    expect(exceptions.body.data.map((i: any) => i.reference_id).sort()).toEqual([ghost, phantom.id, skewed].sort());
    const resolved = await admin('POST', `/reconciliation/exceptions/${byRef[skewed].id}/resolve`, {
      note: 'ledger corrected by reversal',
    });
    expect(resolved.body).toMatchObject({ resolution: 'resolved', resolution_note: 'ledger corrected by reversal' });
    expect(
      (await admin('POST', `/reconciliation/exceptions/${byRef[skewed].id}/resolve`, { note: 'again' })).status,
    ).toBe(409);
    expect((await admin('GET', '/reconciliation/exceptions')).body.data).toHaveLength(2);
    const read = await admin('GET', `/reconciliation/reports/${report.id}`);
    expect(read.body.items).toHaveLength(report.items.length);

    // Reconciling again: the late success is now simply matched.
    const again = (await admin('POST', '/reconciliation/run', { provider: 'alipay', day })).body;
    expect(again).toMatchObject({
      matched: 3,
      missing_here: 1,
      missing_at_provider: 1,
      amount_mismatch: 1,
      status_mismatch: 0,
      resolved: 0,
    });
    // The same exceptions on the re-run (a new report): announced once, on the first run only.
    expect(again.id).not.toBe(report.id);
    expect((await exceptionEvents('alipay')).map((e) => e.id).sort()).toEqual(announced.map((e) => e.id).sort());
  });

  it('a clean day (every payment and refund matched) announces no exception', async () => {
    const day = billDay(new Date());
    t.app.get(WechatPaySimulator).setSwitches({ billsSameDay: true });
    const p = await m.client.post<any>('/v1/payments', {
      out_trade_no: 'rc-wx-ok',
      amount: 5000,
      currency: 'CNY',
      channel: 'wechat_native',
      subject: 'ok',
    });
    await pay(t.baseUrl, p);
    await waitForStatus(m.client, p.id, 'succeeded');
    for (let run = 0; run < 2; run++) {
      const res = await admin('POST', '/reconciliation/run', { provider: 'wechatpay', day });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ matched: 1, open_exceptions: 0 });
    }
    // What `npm run cli -- reconcile` prints on stderr comes from the service: each stage, with this day's counts.
    const lines: string[] = [];
    await t.app.get(ReconciliationService).run(
      'wechatpay',
      day,
      { actor: 'cli' },
      printedProgress('reconcile', (l) => lines.push(l)),
    );
    expect(lines.map((l) => l.replace(/^\[reconcile \d+\.\d s\] /, '').trimEnd())).toEqual([
      `fetching wechatpay's bill of ${day}`,
      expect.stringMatching(/^\d+ bill lines, \d+ ledger lines; matching \d+ references$/),
      expect.stringMatching(/^compared (\d+) \/ \1 \(100 %\)$/),
      expect.stringMatching(/^report rcn_\w+: 0 exceptions$/),
    ]);
    expect(await exceptionEvents('wechatpay')).toEqual([]);
  });

  it('refuses an unknown provider and a malformed day', async () => {
    expect((await admin('POST', '/reconciliation/run', { provider: 'paypal', day: '2025-01-01' })).status).toBe(400);
    expect((await admin('POST', '/reconciliation/run', { provider: 'alipay', day: '2025-13-01' })).status).toBe(400);
  });
});
