import { MerchantDirectory } from '../../src/modules/merchants/merchant-directory';
import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { TestApp, TEST_ADMIN_TOKEN, startTestApp } from '../utils/test-app';
import { onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV } from '../utils/payments-kit';
import { expectErrorShape, http, waitFor } from '../utils/http';

/**
 * An Alipay authorisation that needs the merchant again (its refresh token
 * close to expiry, or a refresh Alipay refused): the admin field, the metric
 * behind the alert rule, and the log line that carries no token.
 */
describe('Alipay authorisation warnings (e2e, sandbox over HTTP)', () => {
  let t: TestApp;
  const sim = () => t.app.get(AlipaySimulator);
  const admin = (method: string, path: string, body?: unknown) =>
    http<any>(method, `${t.baseUrl}/admin/v1${path}`, { token: TEST_ADMIN_TOKEN, body });
  const account = async (merchantId: string) => {
    const res = await admin('GET', `/merchants/${merchantId}/provider-accounts/alipay`);
    expect(res.status).toBe(200);
    return res.body.alipay_authorisation;
  };
  const gauge = async (reason: string): Promise<number> => {
    const text = (await http('GET', `${t.baseUrl}/metrics`)).text as string;
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`paygrid_alipay_authorisations_attention{reason="${reason}"}`));
    return Number(line?.split(' ').at(-1));
  };
  const changeAccount = async (merchantId: string, sql: string) => {
    await t.dataSource.query(sql, [merchantId]);
    await waitFor(async () => !t.app.get(MerchantDirectory).holds('merchant_provider_accounts', merchantId), {
      what: 'the cached provider accounts to be dropped',
    });
  };
  const authorised = async (authAppId: string) => {
    const m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    const res = await admin('POST', `/merchants/${m.merchantId}/provider-accounts/alipay/authorise`, {
      app_auth_code: sim().issueAuthCode({ authAppId }),
    });
    expect(res.status).toBe(200);
    return m;
  };
  const logs: string[] = [];
  let write: typeof process.stdout.write;

  beforeAll(async () => {
    t = await startTestApp({ ...FAST_SANDBOX_ENV, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' });
    write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      // Kept for the assertions, not printed: the suite's output stays quiet.
      logs.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
  });
  afterAll(async () => {
    process.stdout.write = write;
    await t.close();
  });

  it('a fresh authorisation has no warning; the gauge counts none', async () => {
    const m = await authorised('2021000000000301');
    expect(await account(m.merchantId)).toMatchObject({
      authorised: true,
      warning: null,
      refresh_failed_at: null,
      refresh_failure_code: null,
    });
    expect(await gauge('refresh_refused')).toBe(0);
    expect(await gauge('refresh_token_expiring')).toBe(0);
  });

  it('a refresh token within 14 days of expiry: warning refresh_token_expiring, counted, logged on use without the token', async () => {
    const m = await authorised('2021000000000302');
    await changeAccount(
      m.merchantId,
      `UPDATE merchant_provider_accounts SET refresh_expires_at = now() + interval '13 days' WHERE merchant_id = $1`,
    );
    expect(await account(m.merchantId)).toMatchObject({ warning: 'refresh_token_expiring' });
    expect(await gauge('refresh_token_expiring')).toBe(1);
    expect(await gauge('refresh_refused')).toBe(0);
    // Used (a payment acts as the merchant): one warning line with ids and the date, never a token.
    const p = await m.client.post<any>('/v1/payments', {
      out_trade_no: `warn-${Date.now()}`,
      amount: 100,
      currency: 'CNY',
      subject: 'Tea',
      channel: 'alipay_qr',
    });
    expect(p.status).toBe('pending');
    const line = await waitFor(
      async () => logs.find((l) => l.includes(m.merchantId) && l.includes('authorise the app again')),
      {
        what: 'the expiry warning in the log',
      },
    );
    const [row] = await t.dataSource.query(
      `SELECT refresh_expires_at FROM merchant_provider_accounts WHERE merchant_id = $1`,
      [m.merchantId],
    );
    expect(JSON.parse(line)).toMatchObject({
      merchant_id: m.merchantId,
      refresh_expires_at: row.refresh_expires_at.toISOString(),
    });
    for (const token of [...sim().appAuthTokens.keys()]) expect(line).not.toContain(token);
  });

  it('a refresh Alipay refuses: warning refresh_refused with its code, the refusal counted, cleared by a new authorisation', async () => {
    const authAppId = '2021000000000303';
    const m = await authorised(authAppId);
    sim().revokeAuthorisation(authAppId);
    // Close to expiry, so the next use refreshes; the token is still valid, so the payment goes on with it.
    await changeAccount(
      m.merchantId,
      `UPDATE merchant_provider_accounts SET token_expires_at = now() + interval '1 day' WHERE merchant_id = $1`,
    );
    const refusalsBefore = Number(
      ((await http('GET', `${t.baseUrl}/metrics`)).text as string).match(
        /^paygrid_alipay_token_refresh_refusals_total (\d+)/m,
      )?.[1] ?? 0,
    );
    await m.client
      .post<any>('/v1/payments', {
        out_trade_no: `refused-${Date.now()}`,
        amount: 100,
        currency: 'CNY',
        subject: 'Tea',
        channel: 'alipay_qr',
      })
      .catch(() => undefined);
    const warned = await waitFor(
      async () => {
        const a = await account(m.merchantId);
        return a.warning === 'refresh_refused' ? a : undefined;
      },
      { what: 'the refusal on the account' },
    );
    expect(warned).toMatchObject({ refresh_failed_at: expect.any(String), refresh_failure_code: expect.any(String) });
    expect(await gauge('refresh_refused')).toBe(1);
    const refusals = Number(
      ((await http('GET', `${t.baseUrl}/metrics`)).text as string).match(
        /^paygrid_alipay_token_refresh_refusals_total (\d+)/m,
      )?.[1],
    );
    expect(refusals).toBe(refusalsBefore + 1);

    // The merchant authorises again: the warning and the gauge clear.
    const again = await admin('POST', `/merchants/${m.merchantId}/provider-accounts/alipay/authorise`, {
      app_auth_code: sim().issueAuthCode({ authAppId }),
    });
    expect(again.status).toBe(200);
    expect(await account(m.merchantId)).toMatchObject({ warning: null, refresh_failed_at: null });
    expect(await gauge('refresh_refused')).toBe(0);
  });

  it('an unknown family is 400 and a missing account 404, in the error shape', async () => {
    const m = await onboardMerchant(t, {});
    expectErrorShape(await admin('GET', `/merchants/${m.merchantId}/provider-accounts/paypal`), 400);
    expectErrorShape(await admin('GET', `/merchants/${m.merchantId}/provider-accounts/alipay`), 404);
  });
});
