import { AlipaySdk } from 'alipay-sdk';
import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import type { CreatePaymentInput, ParsedCallback } from '../../providers/provider.port';

/**
 * 第三方应用授权 in the simulator, with the official alipay-sdk as the
 * counterpart (its requests are signed by the SDK, our answers verified by
 * it), and our adapter against the same simulator.
 */
let h: Harness;
let sdk: AlipaySdk;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
  sdk = new AlipaySdk({
    appId: h.keys.alipay.appId,
    privateKey: h.keys.alipay.appPrivateKeyPem,
    keyType: 'PKCS8',
    alipayPublicKey: h.keys.alipay.alipayPublicKeyPem,
    gateway: `${h.baseUrl}/sandbox/alipay/gateway.do`,
  });
});
afterAll(() => h.close());

const exchange = (bizContent: Record<string, string>) =>
  sdk.exec('alipay.open.auth.token.app', { bizContent }, { validateSign: true });

const order = (over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'alipay_qr',
  providerOrderId: `pay_auth_${Date.now()}_${n++}`,
  amount: 1000n,
  currency: 'CNY',
  subject: 'Authorised',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  notifyUrl: `${h.callbackUrl}/alipay`,
  ...over,
});

describe('Alipay third-party application authorisation (simulator, official SDK, adapter)', () => {
  it('the merchant authorises: the redirect carries app_auth_code, exchanged once for the token pair with the real field names', async () => {
    const res = await fetch(
      `${h.baseUrl}/sandbox/alipay/oauth2/appToAppAuth.htm?app_id=${h.keys.alipay.appId}&redirect_uri=${encodeURIComponent('https://platform.example/alipay/authorised')}&state=s1&auth_app_id=2021000000000077&user_id=2088000000000077`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('https://platform.example/alipay/authorised');
    expect(back.searchParams.get('app_id')).toBe(h.keys.alipay.appId);
    expect(back.searchParams.get('state')).toBe('s1');
    const code = back.searchParams.get('app_auth_code')!;

    const r = await exchange({ grant_type: 'authorization_code', code });
    expect(r).toMatchObject({
      code: '10000',
      userId: '2088000000000077',
      authAppId: '2021000000000077',
      expiresIn: 31536000,
      reExpiresIn: 32140800,
    });
    expect(r.appAuthToken).toMatch(/^\d{6}BB[0-9a-f]{32}$/);
    expect(r.appRefreshToken).toMatch(/^\d{6}BB[0-9a-f]{32}$/);
    // Single use: the same code again is refused.
    expect(await exchange({ grant_type: 'authorization_code', code })).toMatchObject({
      code: '40004',
      subCode: 'isv.code-invalid',
    });
  });

  it('a trade made with the token is the merchant’s: the platform alone cannot see it, a bad token is refused', async () => {
    const code = h.alipaySim.issueAuthCode();
    const { appAuthToken } = await exchange({ grant_type: 'authorization_code', code });
    const outTradeNo = `sdk_auth_${Date.now()}`;
    const pre = await sdk.exec(
      'alipay.trade.precreate',
      { appAuthToken, bizContent: { outTradeNo, totalAmount: '0.10', subject: 'Merchant order' } },
      { validateSign: true },
    );
    expect(pre.code).toBe('10000');
    const trade = h.alipaySim.trades.get(outTradeNo)!;
    expect(trade.authAppId).toBeDefined();
    await payerActs(pre.qrCode, 'success');
    const query = (extra: Record<string, unknown>) =>
      sdk.exec('alipay.trade.query', { ...extra, bizContent: { outTradeNo } }, { validateSign: true });
    expect(await query({ appAuthToken })).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS' });
    expect(await query({})).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
    expect(await query({ appAuthToken: '202601BB00000000000000000000000000000000' })).toMatchObject({
      code: '20001',
      subCode: 'aop.invalid-app-auth-token',
    });
  });

  it('refresh_token gives a new pair and retires the old token and refresh token', async () => {
    const first = await exchange({ grant_type: 'authorization_code', code: h.alipaySim.issueAuthCode() });
    const second = await exchange({ grant_type: 'refresh_token', refresh_token: first.appRefreshToken });
    expect(second).toMatchObject({ code: '10000', authAppId: first.authAppId, userId: first.userId });
    expect(second.appAuthToken).not.toBe(first.appAuthToken);
    expect(await exchange({ grant_type: 'refresh_token', refresh_token: first.appRefreshToken })).toMatchObject({
      subCode: 'isv.refresh-token-invalid',
    });
    const q = (token: string) =>
      sdk.exec(
        'alipay.trade.query',
        { appAuthToken: token, bizContent: { outTradeNo: 'none' } },
        { validateSign: true },
      );
    expect(await q(first.appAuthToken)).toMatchObject({ code: '20001', subCode: 'aop.invalid-app-auth-token' });
    expect(await q(second.appAuthToken)).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
  });

  it('the adapter exchanges a code, and its calls with the token act as the merchant: notification names its auth_app_id', async () => {
    const r = await h.alipay.exchangeAppAuthToken({
      grantType: 'authorization_code',
      code: h.alipaySim.issueAuthCode(),
    });
    if (!r.ok) throw new Error(`exchange failed: ${r.providerCode}`);
    expect(r.tokens).toMatchObject({ expiresIn: 31536000, reExpiresIn: 32140800 });
    expect(await h.alipay.exchangeAppAuthToken({ grantType: 'authorization_code', code: 'Pnot-a-code' })).toMatchObject(
      {
        ok: false,
        kind: 'refused',
        providerCode: 'isv.code-invalid',
      },
    );
    const input = order({ appAuthToken: r.tokens.appAuthToken });
    const created = await h.alipay.createPayment(input);
    expect(h.alipaySim.tokenLog.at(-1)).toEqual({
      method: 'alipay.trade.precreate',
      appAuthToken: r.tokens.appAuthToken,
    });
    await payerActs((created.nextAction as { qr_code: string }).qr_code, 'success');
    const cb = await waitFor(
      () =>
        h.received
          .filter(
            (x) =>
              x.provider === 'alipay' && x.result.ok && x.result.callback.providerOrderId === input.providerOrderId,
          )
          .map((x) => (x.result as { callback: ParsedCallback }).callback)[0],
      'notification',
    );
    expect(cb).toMatchObject({ status: 'succeeded', providerAuthAppId: r.tokens.authAppId });
    const ref = { appAuthToken: r.tokens.appAuthToken };
    expect(await h.alipay.query('alipay_qr', input.providerOrderId, ref)).toMatchObject({ status: 'succeeded' });
    // Without the token the trade is not the platform's: pending (ACQ.TRADE_NOT_EXIST), never succeeded.
    expect(await h.alipay.query('alipay_qr', input.providerOrderId)).toMatchObject({
      status: 'pending',
      providerCode: 'ACQ.TRADE_NOT_EXIST',
    });
    const refund = await h.alipay.refund({
      channel: 'alipay_qr',
      providerOrderId: input.providerOrderId,
      providerRefundId: `${input.providerOrderId}_r`,
      amount: 300n,
      paymentAmount: 1000n,
      currency: 'CNY',
      notifyUrl: input.notifyUrl,
      appAuthToken: r.tokens.appAuthToken,
    });
    expect(refund.status).toBe('succeeded');
    expect(h.alipaySim.trades.get(input.providerOrderId)!.refunds.map((x) => x.amount)).toEqual([300n]);
  });
});
