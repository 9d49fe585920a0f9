import { generateKeyPairSync } from 'node:crypto';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import {
  buildAuthorization,
  buildAuthorizationAsync,
  buildJsapiParams,
  buildJsapiParamsAsync,
  decryptResource,
  encryptResource,
  parseAuthorization,
  requestMessage,
  responseMessage,
  rsaSha256Sign,
  rsaSha256SignAsync,
  signWechatpayMessage,
  signWechatpayMessageAsync,
  verifyWechatpaySignature,
} from './wechatpay-signature.util';

const pair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
const merchant = pair();
const platform = pair();
const serial = 'PUB_KEY_ID_0112345678901234567890123456789012';
const apiV3Key = '0123456789abcdef0123456789ABCDEF';
const AesGcm = (
  Aes as unknown as {
    AesGcm: {
      encrypt(p: string, k: string, n: string, a: string): string;
      decrypt(c: string, k: string, n: string, a: string): string;
    };
  }
).AesGcm;

describe('WeChat Pay v3 signatures (checked against wechatpay-axios-plugin 0.9.6)', () => {
  it('builds the same five-line request message, including the empty body line of a GET', () => {
    expect(requestMessage('GET', '/v3/x?mchid=1', '1554208460', 'N', '')).toBe(
      Formatter.request('GET', '/v3/x?mchid=1', '1554208460', 'N', ''),
    );
    expect(requestMessage('POST', '/v3/pay/transactions/native', '1', 'N', '{"a":1}')).toBe(
      'POST\n/v3/pay/transactions/native\n1\nN\n{"a":1}\n',
    );
    expect(responseMessage('1', 'N', '')).toBe(Formatter.response('1', 'N', ''));
  });

  it('our Authorization verifies with the plugin and parses the plugin-formatted header in any order', () => {
    const header = buildAuthorization({
      mchid: '1230000109',
      serialNo: 'ABC',
      privateKeyPem: merchant.privateKey,
      method: 'POST',
      url: '/v3/p',
      body: '{}',
      timestamp: '1554208460',
      nonce: 'NONCE',
    });
    const p = parseAuthorization(header)!;
    expect(p).toMatchObject({ mchid: '1230000109', serial_no: 'ABC', timestamp: '1554208460', nonce_str: 'NONCE' });
    expect(
      Rsa.verify(Formatter.request('POST', '/v3/p', '1554208460', 'NONCE', '{}'), p.signature, merchant.publicKey),
    ).toBe(true);
    const theirs = Formatter.authorization('1230000109', 'N2', Rsa.sign('x', merchant.privateKey), '1554208461', 'ABC');
    expect(parseAuthorization(theirs)).toMatchObject({
      mchid: '1230000109',
      nonce_str: 'N2',
      timestamp: '1554208461',
      serial_no: 'ABC',
    });
  });

  it('verifies plugin-signed responses; rejects tampering, unknown serials and >300 s skew', () => {
    const now = Math.floor(Date.now() / 1000);
    const body = '{"code_url":"weixin://wxpay/bizpayurl?pr=x"}';
    const headers = {
      timestamp: String(now),
      nonce: 'n1',
      signature: Rsa.sign(Formatter.response(now, 'n1', body), platform.privateKey),
      serial,
    };
    const keys = { [serial]: platform.publicKey };
    expect(verifyWechatpaySignature(headers, body, keys, now)).toBe('ok');
    expect(verifyWechatpaySignature(headers, body.replace('x', 'y'), keys, now)).toBe('signature_invalid');
    expect(verifyWechatpaySignature({ ...headers, serial: 'PUB_KEY_ID_other' }, body, keys, now)).toBe(
      'unknown_serial',
    );
    expect(verifyWechatpaySignature(headers, body, keys, now + 301)).toBe('timestamp_out_of_window');
    expect(verifyWechatpaySignature({ ...headers, signature: 'WECHATPAY/SIGNTEST/abc' }, body, keys, now)).toBe(
      'signature_invalid',
    );
    // An empty 204 body is signed as an empty third line.
    const h204 = signWechatpayMessage('', serial, platform.privateKey, now);
    expect(
      Rsa.verify(Formatter.response(now, h204['Wechatpay-Nonce'], ''), h204['Wechatpay-Signature'], platform.publicKey),
    ).toBe(true);
  });

  it('decrypts what the plugin encrypts and vice versa (32-byte ASCII key, tag appended)', () => {
    const plain = JSON.stringify({ out_trade_no: 'o1', amount: { total: 1 } });
    const ct = AesGcm.encrypt(plain, apiV3Key, 'fdasflkja484', 'transaction');
    expect(decryptResource(ct, apiV3Key, 'fdasflkja484', 'transaction')).toBe(plain);
    expect(AesGcm.decrypt(encryptResource(plain, apiV3Key, 'abcdefabcdef', ''), apiV3Key, 'abcdefabcdef', '')).toBe(
      plain,
    );
    expect(() => decryptResource(ct, apiV3Key, 'fdasflkja484', 'refund')).toThrow();
    const bytes = Buffer.from(ct, 'base64');
    bytes[0] ^= 1;
    expect(() => decryptResource(bytes.toString('base64'), apiV3Key, 'fdasflkja484', 'transaction')).toThrow();
  });

  it('signs JSAPI paySign over four lines with signType RSA', () => {
    const p = buildJsapiParams('wx8888888888888888', 'wx201410272009395522657a690389285100', merchant.privateKey);
    expect(p.signType).toBe('RSA');
    expect(p.package).toBe('prepay_id=wx201410272009395522657a690389285100');
    expect(Rsa.verify(`${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`, p.paySign, merchant.publicKey)).toBe(
      true,
    );
    expect(rsaSha256Sign('x', merchant.privateKey)).toBe(Rsa.sign('x', merchant.privateKey));
  });

  it('signs Authorization, answers and paySign off the main thread, verifiable by the plugin', async () => {
    expect(await rsaSha256SignAsync('x', merchant.privateKey)).toBe(Rsa.sign('x', merchant.privateKey));
    const input = {
      mchid: '1230000109',
      serialNo: 'ABC',
      privateKeyPem: merchant.privateKey,
      method: 'POST',
      url: '/v3/p',
      body: '{}',
      timestamp: '1554208460',
      nonce: 'NONCE',
    };
    expect(await buildAuthorizationAsync(input)).toBe(buildAuthorization(input));
    // Fresh nonces: not comparable with the sync output, so checked with the plugin instead.
    const now = Math.floor(Date.now() / 1000);
    const h = await signWechatpayMessageAsync('{"a":1}', serial, platform.privateKey, now);
    expect(h).toMatchObject({ 'Wechatpay-Timestamp': String(now), 'Wechatpay-Serial': serial });
    expect(
      verifyWechatpaySignature(
        {
          timestamp: h['Wechatpay-Timestamp'],
          nonce: h['Wechatpay-Nonce'],
          signature: h['Wechatpay-Signature'],
          serial: h['Wechatpay-Serial'],
        },
        '{"a":1}',
        { [serial]: platform.publicKey },
        now,
      ),
    ).toBe('ok');
    const p = await buildJsapiParamsAsync('wx8888888888888888', 'wx2014', merchant.privateKey, now);
    expect(p).toMatchObject({
      appId: 'wx8888888888888888',
      timeStamp: String(now),
      package: 'prepay_id=wx2014',
      signType: 'RSA',
    });
    expect(Rsa.verify(`${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`, p.paySign, merchant.publicKey)).toBe(
      true,
    );
  });
});
