import { WechatPaySimulator } from '../../src/modules/sandbox/wechatpay/wechatpay.simulator';
import { TestApp, TEST_ADMIN_TOKEN, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import {
  FAST_SANDBOX_ENV,
  count,
  effectsOf,
  merchantLedger,
  pay,
  trialBalanceIsZero,
  waitForStatus,
} from '../utils/payments-kit';
import { http, waitFor } from '../utils/http';

/** WeChat Pay service-provider mode through the API: a direct-mode merchant's orders go to its sub-merchant. */
describe('WeChat direct mode (e2e, sandbox over HTTP)', () => {
  let t: TestApp;
  let direct: OnboardedMerchant;
  let collected: OnboardedMerchant;
  let n = 0;
  const SUB = '1900000109';

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    direct = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    collected = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    const put = await http('PUT', `${t.baseUrl}/admin/v1/merchants/${direct.merchantId}/provider-accounts/wechat`, {
      token: TEST_ADMIN_TOKEN,
      body: { mode: 'direct', sub_mchid: SUB },
    });
    expect(put.status).toBe(200);
  });
  afterAll(() => t.close());

  const create = (m: OnboardedMerchant, body: Record<string, unknown> = {}) =>
    m.client.post<any>('/v1/payments', {
      out_trade_no: `wxd-${++n}-${Date.now()}`,
      amount: 10000,
      currency: 'CNY',
      subject: 'Coffee',
      channel: 'wechat_native',
      ...body,
    });
  const sim = () => t.app.get(WechatPaySimulator);

  it('a direct-mode merchant pays through the partner endpoint for its sub_mchid, and refunds with it', async () => {
    const p = await create(direct);
    expect(sim().orders.get(p.id)).toMatchObject({ subMchid: SUB });
    expect(await pay(t.baseUrl, p)).toBeLessThan(300);
    await waitForStatus(direct.client, p.id, 'succeeded');
    const r = await direct.client.post<any>('/v1/refunds', {
      payment_id: p.id,
      out_refund_no: `${p.id}-r1`,
      amount: 4000,
    });
    expect(['pending', 'succeeded']).toContain(r.status);
    await waitFor(async () => (await direct.client.get<any>(`/v1/refunds/${r.id}`)).status === 'succeeded', {
      what: 'refund',
    });
    expect(
      sim()
        .orders.get(p.id)!
        .refunds.map((x) => x.amount),
    ).toEqual([4000n]);
  });

  describe('the ledger follows the money (docs/ledger.md "Direct mode")', () => {
    let merchant: OnboardedMerchant;
    let paymentId: string;

    beforeAll(async () => {
      // A merchant of its own: the balances below are exactly this payment's and this refund's.
      merchant = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
      const put = await http('PUT', `${t.baseUrl}/admin/v1/merchants/${merchant.merchantId}/provider-accounts/wechat`, {
        token: TEST_ADMIN_TOKEN,
        body: { mode: 'direct', sub_mchid: '1900000110' },
      });
      expect(put.status).toBe(200);
      const p = await create(merchant);
      paymentId = p.id;
      await pay(t.baseUrl, p);
      await waitForStatus(merchant.client, p.id, 'succeeded');
    });

    it("a direct payment records the merchant's sales and the fee receivable, and no merchant payable", async () => {
      expect(await merchantLedger(t.dataSource, merchant.merchantId)).toEqual({
        'merchant_direct_receipts:wechatpay': 10000,
        'merchant_direct_sales:wechatpay': 10000,
        merchant_fee_receivable: 60,
      });
      const [entry] = await t.dataSource.query(
        `SELECT count(*) FILTER (WHERE a.code = 'provider_clearing')::int AS clearing,
                sum(p.amount) FILTER (WHERE a.code = 'platform_fee_revenue')::int AS fee
           FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id
          WHERE e.reference_id = $1`,
        [paymentId],
      );
      // The platform never held the money: nothing on its provider clearing; its fee is earned against the receivable.
      expect(entry).toEqual({ clearing: 0, fee: 60 });
      const balance = await merchant.client.get<any>('/v1/balance');
      expect(JSON.stringify(balance)).not.toMatch(/"(pending|available)":[1-9]/);
    });

    it('a settlement run afterwards settles and pays out nothing of it, and the trial balance is 0', async () => {
      const [{ day }] = await t.dataSource.query(
        `SELECT (now() AT TIME ZONE timezone)::date::text AS day FROM merchants WHERE id = $1`,
        [merchant.merchantId],
      );
      const run = await http<any>('POST', `${t.baseUrl}/admin/v1/settlements/run`, {
        token: TEST_ADMIN_TOKEN,
        body: { day, merchant_id: merchant.merchantId, force: true },
      });
      expect(run.status).toBe(200);
      expect(run.body.data).toEqual([]);
      expect(await count(t.dataSource, 'SELECT 1 FROM settlements WHERE merchant_id = $1', [merchant.merchantId])).toBe(
        0,
      );
      expect(await count(t.dataSource, 'SELECT 1 FROM payouts WHERE merchant_id = $1', [merchant.merchantId])).toBe(0);
      expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    });

    it("a refund is paid from the merchant's provider account: the sales shrink and the returned fee leaves the receivable", async () => {
      const r = await merchant.client.post<any>('/v1/refunds', {
        payment_id: paymentId,
        out_refund_no: `${paymentId}-r1`,
        amount: 4000,
      });
      await waitFor(async () => (await merchant.client.get<any>(`/v1/refunds/${r.id}`)).status === 'succeeded', {
        what: 'refund',
      });
      // 60 × 4000 / 10000 = 24 of the fee goes back.
      expect(await merchantLedger(t.dataSource, merchant.merchantId)).toEqual({
        'merchant_direct_receipts:wechatpay': 6000,
        'merchant_direct_sales:wechatpay': 6000,
        merchant_fee_receivable: 36,
      });
      const entries = await t.dataSource.query(`SELECT type FROM ledger_entries WHERE reference_id = $1`, [r.id]);
      expect(entries).toEqual([{ type: 'refund.succeeded' }]);
      expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    });
  });

  it('a collected-mode merchant is unchanged: its orders are the platform mchid, its money a payable', async () => {
    const p = await create(collected);
    expect(sim().orders.get(p.id)!.subMchid).toBeUndefined();
    await pay(t.baseUrl, p);
    await waitForStatus(collected.client, p.id, 'succeeded');
    await waitFor(async () => (await effectsOf(t.dataSource, p.id)).entries === 1, { what: 'the captured entry' });
    // Only this payment so far: 10000 less the 0.6 % fee is owed to the merchant, nothing on the direct accounts.
    expect(await merchantLedger(t.dataSource, collected.merchantId)).toEqual({ merchant_pending: 9940 });
  });

  it("a callback naming another sub_mchid than the payment's merchant is refused and changes nothing", async () => {
    const p = await create(direct);
    // The provider's side now says another sub-merchant: its signed callback must not pay this merchant's order.
    sim().orders.get(p.id)!.subMchid = '1900000999';
    await pay(t.baseUrl, p);
    const row = await waitFor(
      async () => {
        const rows = await t.dataSource.query(
          `SELECT outcome, detail FROM provider_callbacks WHERE provider_order_id = $1`,
          [p.id],
        );
        // The row is stored as 'received' first and given its outcome once handled: wait for the outcome.
        return rows[0]?.outcome === 'received' ? undefined : rows[0];
      },
      { what: 'the callback row with its outcome' },
    );
    expect(row).toMatchObject({ outcome: 'rejected_mismatch', detail: expect.stringContaining('sub_mchid') });
    expect((await direct.client.get<any>(`/v1/payments/${p.id}`)).status).toBe('pending');
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: [] });
  });
});
