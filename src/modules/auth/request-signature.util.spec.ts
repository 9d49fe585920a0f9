import fc from 'fast-check';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { signRequest } from '@paygrid/sdk';
import {
  isTimestampInWindow,
  parseAuthorization,
  sha256Hex,
  stringToSign,
  verifyHmac,
  verifyRsa,
} from './request-signature.util';

const APP = 'app_01m8avfgndbrte0qy36swnxaet';
const KEY = 'key_01m8avfgp2sdpcrv01t7hbtrrr';
const header = (over: Record<string, string> = {}, scheme = 'PAYGRID-HMAC-SHA256') => {
  const p = {
    app_id: APP,
    key_id: KEY,
    timestamp: '1764116700',
    nonce: '3f1c9a0b7d2e4c51',
    signature: Buffer.alloc(32, 7).toString('base64'),
    ...over,
  };
  return `${scheme} ${Object.entries(p)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}`;
};

describe('parseAuthorization', () => {
  it('parses a well-formed header', () => {
    const r = parseAuthorization(header());
    expect(r).toEqual({
      ok: true,
      value: expect.objectContaining({
        scheme: 'PAYGRID-HMAC-SHA256',
        appId: APP,
        keyId: KEY,
        timestamp: 1764116700,
        nonce: '3f1c9a0b7d2e4c51',
      }),
    });
  });

  it.each([
    ['an unknown scheme', header({}, 'PAYGRID-HMAC-SHA512')],
    ['a bearer token', 'Bearer abc'],
    ['a scheme alone', 'PAYGRID-HMAC-SHA256'],
    ['a repeated parameter', `${header()},nonce="3f1c9a0b7d2e4c52"`],
    ['an unknown parameter', `${header()},extra="1"`],
    ['a missing signature', header().replace(/,signature="[^"]*"/, '')],
    ['a non-numeric timestamp', header({ timestamp: '17641167OO' })],
    ['a huge timestamp', header({ timestamp: '99999999999999999999' })],
    ['a short nonce', header({ nonce: 'abc' })],
    ['a nonce with a quote-breaking character', header({ nonce: '3f1c9a0b7d2e4c51;x' })],
    ['non-base64 signature', header({ signature: '!!!notbase64!!!' })],
    ['an empty signature', header({ signature: '' })],
    ['an app id that is a key id', header({ app_id: KEY })],
    ['an unquoted value', header().replace(`app_id="${APP}"`, `app_id=${APP}`)],
    ['an over-long header', header({ signature: 'A'.repeat(5000) })],
  ])('rejects %s without throwing', (_, value) => {
    expect(parseAuthorization(value).ok).toBe(false);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (s) => {
        parseAuthorization(s);
        parseAuthorization(`PAYGRID-HMAC-SHA256 ${s}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('signature verification', () => {
  const secret = 'sk_test_secret';
  const body = Buffer.from('{"amount":100}');
  const data = stringToSign('POST', '/v1/payments?expand=refunds', 1764116700, '3f1c9a0b7d2e4c51', body);

  it('builds the five-line string of docs/api.md', () => {
    expect(data).toBe(`POST\n/v1/payments?expand=refunds\n1764116700\n3f1c9a0b7d2e4c51\n${sha256Hex(body)}\n`);
    expect(stringToSign('GET', '/v1/ping', 1, 'n'.repeat(16), Buffer.alloc(0)).split('\n')[4]).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('accepts what the SDK signs (HMAC and RSA) and nothing else', () => {
    const sdkHeader = signRequest(
      { appId: APP, keyId: KEY, secret },
      {
        method: 'post',
        pathWithQuery: '/v1/payments?expand=refunds',
        body,
        timestamp: 1764116700,
        nonce: '3f1c9a0b7d2e4c51',
      },
    );
    const parsed = parseAuthorization(sdkHeader);
    if (!parsed.ok) throw new Error(parsed.reason);
    const key = createSecretKey(Buffer.from(secret));
    expect(verifyHmac(key, data, parsed.value.signature)).toBe(true);
    expect(verifyHmac(key, data.replace('POST', 'PUT'), parsed.value.signature)).toBe(false);
    expect(verifyHmac(key, data, parsed.value.signature.subarray(0, 31))).toBe(false);
    expect(verifyHmac(key, data, Buffer.alloc(0))).toBe(false);

    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsa = parseAuthorization(
      signRequest(
        { appId: APP, keyId: KEY, privateKey },
        {
          method: 'POST',
          pathWithQuery: '/v1/payments?expand=refunds',
          body,
          timestamp: 1764116700,
          nonce: '3f1c9a0b7d2e4c51',
        },
      ),
    );
    if (!rsa.ok) throw new Error(rsa.reason);
    expect(rsa.value.scheme).toBe('PAYGRID-RSA-SHA256');
    expect(verifyRsa(publicKey, data, rsa.value.signature)).toBe(true);
    expect(verifyRsa(publicKey, data, Buffer.from('short'))).toBe(false);
    expect(verifyRsa(publicKey, `${data}x`, rsa.value.signature)).toBe(false);
  });

  it('holds the ±300 s window inclusively', () => {
    expect(isTimestampInWindow(1000, 1300)).toBe(true);
    expect(isTimestampInWindow(1000, 700)).toBe(true);
    expect(isTimestampInWindow(1000, 1301)).toBe(false);
    expect(isTimestampInWindow(1000, 699)).toBe(false);
  });
});
