import { MerchantDirectory } from '../../src/modules/merchants/merchant-directory';
import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
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

/**
 * Alipay third-party application authorisation through the API: the operator exchanges the merchant's
 * app_auth_code, the merchant's payments carry its app_auth_token (the merchant is the seller of record),
 * and the ledger records no merchant payable.
 */
describe('Alipay direct mode (e2e, sandbox over HTTP)', () => {
  let t: TestApp;
  let direct: OnboardedMerchant;
  let collected: OnboardedMerchant;
  let n = 0;
  const AUTH_APP_ID = '2021000000000101';
  const USER_ID = '2088000000000101';

  const sim = () => t.app.get(AlipaySimulator);
  const authorise = (merchantId: string, body: Record<string, unknown>) =>
    http<any>('POST', `${t.baseUrl}/admin/v1/merchants/${merchantId}/provider-accounts/alipay/authorise`, {
      token: TEST_ADMIN_TOKEN,
      body,
    });
  const create = (m: OnboardedMerchant, body: Record<string, unknown> = {}) =>
    m.client.post<any>('/v1/payments', {
      out_trade_no: `alid-${++n}-${Date.now()}`,
      amount: 10000,
      currency: 'CNY',
      subject: 'Tea',
      channel: 'alipay_qr',
      ...body,
    });
  const tokenOf = async (merchantId: string) => {
    const [row] = await t.dataSource.query(
      `SELECT app_auth_token_enc, token_expires_at FROM merchant_provider_accounts WHERE merchant_id = $1 AND family = 'alipay'`,
      [merchantId],
    );
    return row;
  };
  /**
   * Changes the merchant's account behind the API with SQL, then waits until the configuration cache has dropped
   * it (the table's trigger NOTIFYs at commit; the listener hears it within milliseconds), as the next create of
   * any process would see it.
   */
  const changeAccount = async (merchantId: string, sql: string) => {
    await t.dataSource.query(sql, [merchantId]);
    const directory = t.app.get(MerchantDirectory);
    await waitFor(async () => !directory.holds('merchant_provider_accounts', merchantId), {
      what: 'the cached provider accounts to be dropped',
    });
  };
  /** The live sandbox token of the merchant: exactly one is valid at a time. */
  const liveTokens = () => [...sim().appAuthTokens].filter(([, v]) => v.authAppId === AUTH_APP_ID).map(([k]) => k);

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    direct = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    collected = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
  });
  afterAll(() => t.close());

  it('a refused authorisation code is a 400 naming app_auth_code and changes nothing', async () => {
    const res = await authorise(direct.merchantId, { app_auth_code: 'Pnot-issued-by-alipay' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'app_auth_code' });
    expect(await tokenOf(direct.merchantId)).toBeUndefined();
    const bad = await authorise(direct.merchantId, { app_auth_code: 'x' });
    expect(bad.status).toBe(400);
  });

  it("the operator exchanges the merchant's code: tokens stored encrypted, never shown, mode direct", async () => {
    // The merchant agreed on Alipay's page (the redirect itself: src/modules/sandbox/alipay/alipay-app-auth.spec.ts).
    const code = sim().issueAuthCode({ authAppId: AUTH_APP_ID, userId: USER_ID });
    const res = await authorise(direct.merchantId, { app_auth_code: code });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      family: 'alipay',
      mode: 'direct',
      alipay_authorisation: { authorised: true, auth_app_id: AUTH_APP_ID, user_id: USER_ID },
    });
    const days = (Date.parse(res.body.alipay_authorisation.token_expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    const [token] = liveTokens();
    expect(res.text).not.toContain(token);
    const row = await tokenOf(direct.merchantId);
    expect(row.app_auth_token_enc).toMatch(/^pg1\./);
    expect(row.app_auth_token_enc).not.toContain(token);
    const audit = await t.dataSource.query(
      `SELECT string_agg(a::text, ' ') AS dump FROM audit_log a WHERE target_id = $1`,
      [direct.merchantId],
    );
    expect(audit[0].dump).toContain('provider_account.authorise');
    expect(audit[0].dump).not.toContain(token);
  });

  describe('a payment of the authorised merchant', () => {
    let paymentId: string;

    it('is made with its app_auth_token, so the trade is the merchant’s, and pays end to end', async () => {
      const p = await create(direct);
      paymentId = p.id;
      const [token] = liveTokens();
      expect(
        sim()
          .tokenLog.filter((x) => x.method === 'alipay.trade.precreate')
          .at(-1)?.appAuthToken,
      ).toBe(token);
      expect(sim().trades.get(p.id)).toMatchObject({ authAppId: AUTH_APP_ID, sellerId: USER_ID });
      expect(await pay(t.baseUrl, p)).toBeLessThan(300);
      const paid = await waitForStatus(direct.client, p.id, 'succeeded');
      expect(paid.money_mode).toBe('direct');
    });

    it("ledger: the merchant's sales and the fee receivable, no merchant payable; a settlement run pays nothing out", async () => {
      await waitFor(async () => (await effectsOf(t.dataSource, paymentId)).entries === 1, { what: 'captured entry' });
      expect(await merchantLedger(t.dataSource, direct.merchantId)).toEqual({
        'merchant_direct_receipts:alipay': 10000,
        'merchant_direct_sales:alipay': 10000,
        merchant_fee_receivable: 60,
      });
      const [{ day }] = await t.dataSource.query(
        `SELECT (now() AT TIME ZONE timezone)::date::text AS day FROM merchants WHERE id = $1`,
        [direct.merchantId],
      );
      const run = await http<any>('POST', `${t.baseUrl}/admin/v1/settlements/run`, {
        token: TEST_ADMIN_TOKEN,
        body: { day, merchant_id: direct.merchantId, force: true },
      });
      expect(run.status).toBe(200);
      expect(run.body.data).toEqual([]);
      expect(await count(t.dataSource, 'SELECT 1 FROM payouts WHERE merchant_id = $1', [direct.merchantId])).toBe(0);
      expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    });

    it('refunds with the token: the money leaves the merchant’s account, the ledger reverses accordingly', async () => {
      const r = await direct.client.post<any>('/v1/refunds', {
        payment_id: paymentId,
        out_refund_no: `${paymentId}-r1`,
        amount: 4000,
      });
      await waitFor(async () => (await direct.client.get<any>(`/v1/refunds/${r.id}`)).status === 'succeeded', {
        what: 'refund',
      });
      expect(
        sim()
          .tokenLog.filter((x) => x.method === 'alipay.trade.refund')
          .at(-1)?.appAuthToken,
      ).toBe(liveTokens()[0]);
      expect(
        sim()
          .trades.get(paymentId)!
          .refunds.map((x) => x.amount),
      ).toEqual([4000n]);
      expect(await merchantLedger(t.dataSource, direct.merchantId)).toEqual({
        'merchant_direct_receipts:alipay': 6000,
        'merchant_direct_sales:alipay': 6000,
        merchant_fee_receivable: 36,
      });
      expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    });
  });

  it('a token close to expiry is refreshed on use: the new pair is stored, the old token is dead, the call carries the new one', async () => {
    await changeAccount(
      direct.merchantId,
      `UPDATE merchant_provider_accounts SET token_expires_at = now() + interval '1 day' WHERE merchant_id = $1 AND family = 'alipay'`,
    );
    const before = await tokenOf(direct.merchantId);
    const [oldToken] = liveTokens();
    const p = await create(direct);
    const [newToken] = liveTokens();
    expect(newToken).not.toBe(oldToken);
    expect(sim().appAuthTokens.has(oldToken)).toBe(false);
    expect(
      sim()
        .tokenLog.filter((x) => x.method === 'alipay.trade.precreate')
        .at(-1)?.appAuthToken,
    ).toBe(newToken);
    const after = await tokenOf(direct.merchantId);
    expect(after.app_auth_token_enc).not.toBe(before.app_auth_token_enc);
    expect(after.token_expires_at.getTime() - Date.now()).toBeGreaterThan(364 * 86_400_000);
    await pay(t.baseUrl, p);
    await waitForStatus(direct.client, p.id, 'succeeded');
  });

  it("a notification naming another merchant's auth_app_id is refused and changes nothing", async () => {
    const p = await create(direct);
    sim().trades.get(p.id)!.authAppId = '2021000000000999';
    await pay(t.baseUrl, p);
    const row = await waitFor(
      async () => {
        const rows = await t.dataSource.query(
          `SELECT outcome, detail FROM provider_callbacks WHERE provider_order_id = $1`,
          [p.id],
        );
        return rows[0]?.outcome === 'received' ? undefined : rows[0];
      },
      { what: 'the callback row with its outcome' },
    );
    expect(row).toMatchObject({ outcome: 'rejected_mismatch', detail: expect.stringContaining('auth_app_id') });
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: [] });
  });

  it('an expired token that Alipay refuses to refresh: 409 alipay_authorisation_expired, no payment written', async () => {
    const m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    const other = '2021000000000202';
    const ok = await authorise(m.merchantId, { app_auth_code: sim().issueAuthCode({ authAppId: other }) });
    expect(ok.status).toBe(200);
    // The merchant cancelled the authorisation at Alipay, and the stored token has expired meanwhile.
    sim().revokeAuthorisation(other);
    await changeAccount(
      m.merchantId,
      `UPDATE merchant_provider_accounts SET token_expires_at = now() - interval '1 minute' WHERE merchant_id = $1`,
    );
    const before = await tokenOf(m.merchantId);
    const err = await create(m).then(
      () => undefined,
      (e: any) => e,
    );
    expect(err).toMatchObject({ status: 409, code: 'alipay_authorisation_expired' });
    expect(await count(t.dataSource, 'SELECT 1 FROM payments WHERE merchant_id = $1', [m.merchantId])).toBe(0);
    expect((await tokenOf(m.merchantId)).app_auth_token_enc).toBe(before.app_auth_token_enc);
  });

  it('a collected-mode merchant is unchanged: no token on its calls, its money a payable', async () => {
    const p = await create(collected);
    expect(
      sim()
        .tokenLog.filter((x) => x.method === 'alipay.trade.precreate')
        .at(-1)?.appAuthToken,
    ).toBeUndefined();
    expect(sim().trades.get(p.id)!.authAppId).toBeUndefined();
    await pay(t.baseUrl, p);
    expect((await waitForStatus(collected.client, p.id, 'succeeded')).money_mode).toBe('collected');
    await waitFor(async () => (await effectsOf(t.dataSource, p.id)).entries === 1, { what: 'the captured entry' });
    expect(await merchantLedger(t.dataSource, collected.merchantId)).toEqual({ merchant_pending: 9940 });
  });
});
