import { AlipaySdk } from 'alipay-sdk';
import { createSign, generateKeyPairSync } from 'node:crypto';
import {
  alipaySignContent,
  alipayTimestamp,
  buildSignedAlipayResponse,
  buildSignedAlipayResponseAsync,
  extractRawJsonValue,
  parseAlipayTimestamp,
  rsa2Sign,
  rsa2SignAsync,
  signAlipayNotification,
  signAlipayNotificationAsync,
  signAlipayRequest,
  signAlipayRequestAsync,
  verifyAlipayNotification,
  verifyAlipayResponse,
} from './alipay-signature.util';

const pair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
const app = pair();
const alipay = pair();
const appId = '2021000000000001';
/** alipay-sdk exports no signer for responses/notifications, so the counterpart signs with node:crypto directly. */
const signatureV3 = (content: string, key: string) =>
  createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');

/** The official SDK in the role of the gateway: it holds the app's public key. */
const gatewaySdk = new AlipaySdk({
  appId,
  privateKey: alipay.privateKey,
  keyType: 'PKCS8',
  alipayPublicKey: app.publicKey,
});
/** The official SDK in the role of a merchant: it holds the Alipay public key. */
const merchantSdk = new AlipaySdk({
  appId,
  privateKey: app.privateKey,
  keyType: 'PKCS8',
  alipayPublicKey: alipay.publicKey,
});

describe('Alipay RSA2 signing (checked against alipay-sdk 4.14)', () => {
  it('builds the documented sign content: sorted, raw values, no sign, no empty params', () => {
    const params = {
      app_id: appId,
      method: 'alipay.trade.precreate',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2026-11-26 00:30:04',
      version: '1.0',
      notify_url: 'http://127.0.0.1/notify',
      biz_content: '{"out_trade_no":"o1","total_amount":"0.01","subject":"测试"}',
      sign: 'ignored',
      app_auth_token: '',
    };
    expect(alipaySignContent(params)).toBe(
      'app_id=2021000000000001&biz_content={"out_trade_no":"o1","total_amount":"0.01","subject":"测试"}&charset=utf-8&method=alipay.trade.precreate&notify_url=http://127.0.0.1/notify&sign_type=RSA2&timestamp=2026-11-26 00:30:04&version=1.0',
    );
    const signed = signAlipayRequest(params, app.privateKey);
    expect(signed.app_auth_token).toBeUndefined();
    // The SDK's own notify check (first pass keeps sign_type) is the gateway's request check.
    expect(gatewaySdk.checkNotifySignV2(signed)).toBe(true);
    expect(gatewaySdk.checkNotifySignV2({ ...signed, biz_content: signed.biz_content.replace('0.01', '100.00') })).toBe(
      false,
    );
  });

  it('produces byte-identical signatures to the SDK for the same parameters', () => {
    // sdkExecute returns the SDK-signed parameter string (the app-pay order string).
    const sdkSigned = Object.fromEntries(
      new URLSearchParams(
        merchantSdk.sdkExecute('alipay.trade.query', {
          bizContent: { outTradeNo: 'o1', subject: '测试' },
          notifyUrl: 'http://n/a?b=1',
        }),
      ),
    );
    const { sign, ...rest } = sdkSigned;
    expect(signAlipayRequest(rest, app.privateKey).sign).toBe(sign);
  });

  it('accepts responses the SDK accepts, including the \\/ escaped form, and rejects tampering', () => {
    const node = '{"code":"10000","msg":"Success","out_trade_no":"o1","qr_code":"https://qr.alipay.com/bax1"}';
    const escaped = node.replace(/\//g, '\\/');
    // Signed over the unescaped text, sent escaped: only the \/ retry verifies it.
    const body = `{"alipay_trade_precreate_response":${escaped},"sign":"${signatureV3(node, alipay.privateKey)}"}`;
    expect(verifyAlipayResponse(body, 'alipay.trade.precreate', alipay.publicKey).verified).toBe(true);
    const ours = buildSignedAlipayResponse('alipay.trade.precreate', escaped, alipay.privateKey);
    expect(() =>
      merchantSdk.checkResponseSign(ours, 'alipay_trade_precreate_response', JSON.parse(ours).sign, 't'),
    ).not.toThrow();
    expect(verifyAlipayResponse(ours.replace('o1', 'o2'), 'alipay.trade.precreate', alipay.publicKey).verified).toBe(
      false,
    );
    expect(verifyAlipayResponse(ours, 'alipay.trade.precreate', app.publicKey).verified).toBe(false);
    const unsigned = `{"alipay_trade_precreate_response":${node}}`;
    expect(verifyAlipayResponse(unsigned, 'alipay.trade.precreate', alipay.publicKey)).toMatchObject({
      verified: false,
    });
  });

  it('extracts the raw node with braces and quotes inside strings', () => {
    const body = '{"x_response":{"a":"}{\\"","b":{"c":1}},"sign":"s"}';
    expect(extractRawJsonValue(body, 'x_response')).toBe('{"a":"}{\\"","b":{"c":1}}');
  });

  it('verifies notifications by the V1 rule, interoperating with checkNotifySignV2 both ways', () => {
    const params = {
      notify_id: 'n1',
      notify_type: 'trade_status_sync',
      app_id: appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      out_trade_no: 'o1',
      trade_no: '2026',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '12.34',
      gmt_payment: '2026-01-01 10:00:00',
    };
    const ours = signAlipayNotification(params, alipay.privateKey);
    expect(merchantSdk.checkNotifySignV2(ours)).toBe(true);
    // Signed by the SDK's primitive over the V1 content (no sign, no sign_type): accepted by ours.
    const v1 = alipaySignContent(params, ['sign', 'sign_type']);
    expect(verifyAlipayNotification({ ...params, sign: signatureV3(v1, alipay.privateKey) }, alipay.publicKey)).toBe(
      true,
    );
    expect(verifyAlipayNotification({ ...ours, total_amount: '0.01' }, alipay.publicKey)).toBe(false);
    expect(verifyAlipayNotification({ ...ours, extra_field: 'x' }, alipay.publicKey)).toBe(false);
  });

  it('signs requests, responses and notifications off the main thread with the same bytes as the sync signers', async () => {
    const params = {
      app_id: appId,
      method: 'alipay.trade.query',
      timestamp: '2026-11-26 00:30:04',
      biz_content: '{"out_trade_no":"o1"}',
      sign_type: 'RSA2',
      empty: '',
    };
    expect(await rsa2SignAsync('a=1&b=测试', app.privateKey)).toBe(rsa2Sign('a=1&b=测试', app.privateKey));
    expect(await signAlipayRequestAsync(params, app.privateKey)).toEqual(signAlipayRequest(params, app.privateKey));
    expect(await signAlipayNotificationAsync(params, alipay.privateKey)).toEqual(
      signAlipayNotification(params, alipay.privateKey),
    );
    const node = '{"code":"10000","msg":"Success"}';
    expect(await buildSignedAlipayResponseAsync('alipay.trade.query', node, alipay.privateKey)).toBe(
      buildSignedAlipayResponse('alipay.trade.query', node, alipay.privateKey),
    );
    expect(await buildSignedAlipayResponseAsync('alipay.trade.query', node, alipay.privateKey, true)).toBe(
      buildSignedAlipayResponse('alipay.trade.query', node, alipay.privateKey, true),
    );
    // The official SDK accepts the async-signed request as the gateway would.
    expect(gatewaySdk.checkNotifySignV2(await signAlipayRequestAsync(params, app.privateKey))).toBe(true);
  });

  it('formats Beijing time regardless of the host time zone', () => {
    const at = new Date('2026-11-25T16:30:04Z');
    expect(alipayTimestamp(at)).toBe('2026-11-26 00:30:04');
    expect(parseAlipayTimestamp('2026-11-26 00:30:04')?.toISOString()).toBe('2026-11-25T16:30:04.000Z');
  });
});
