import { newId } from '../../src/common/ids/ids.util';
import { ProviderRegistry } from '../../src/modules/providers/provider-registry';
import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { billDay } from '../../src/modules/settlements/settlement-day.util';
import { http } from '../utils/http';
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
    m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    sim = t.app.get(AlipaySimulator);
    // Alipay serves a day's bill from T+1; this test reconciles today, so the sandbox serves it at once.
    sim.setSwitches({ billsSameDay: true });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
  });

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
  });

  it('refuses an unknown provider and a malformed day', async () => {
    expect((await admin('POST', '/reconciliation/run', { provider: 'paypal', day: '2025-01-01' })).status).toBe(400);
    expect((await admin('POST', '/reconciliation/run', { provider: 'alipay', day: '2025-13-01' })).status).toBe(400);
  });
});
