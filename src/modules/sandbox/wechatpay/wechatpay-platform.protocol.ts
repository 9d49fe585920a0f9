import { randomBytes } from 'node:crypto';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { rsaSha256SignAsync } from '../shared/sim-format.util';

/**
 * WeChat Pay's side of API v3, built on the official wechatpay-axios-plugin's
 * primitives (Formatter for the signed strings, Rsa.verify, Aes.AesGcm), not
 * on the adapter's code. Signing runs in the threadpool (node:crypto's async
 * `sign`, the same PKCS#1 v1.5 bytes Rsa.sign gives) so a loaded sandbox keeps
 * its event loop free.
 */

export const MAX_SKEW_S = 300;

export interface MerchantAuth {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

/** `WECHATPAY2-SHA256-RSA2048 k="v",…` with the parameters in any order. */
export function parseMerchantAuth(header: string | undefined): MerchantAuth | undefined {
  const scheme = 'WECHATPAY2-SHA256-RSA2048 ';
  if (!header?.startsWith(scheme)) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.slice(scheme.length).matchAll(/(\w+)="([^"]*)"/g)) out[m[1]] = m[2];
  const keys = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'];
  return keys.every((k) => out[k]) ? (out as unknown as MerchantAuth) : undefined;
}

/** The merchant's request signature over `METHOD\nurl\nts\nnonce\nbody\n`. */
export function verifyMerchantRequest(
  method: string,
  url: string,
  body: string,
  auth: MerchantAuth,
  merchantPublicKeyPem: string,
): boolean {
  try {
    return Rsa.verify(
      Formatter.request(method, url, auth.timestamp, auth.nonce_str, body),
      auth.signature,
      merchantPublicKeyPem,
    );
  } catch {
    return false;
  }
}

/** The four Wechatpay-* headers over `ts\nnonce\nbody\n`. */
export async function platformHeaders(
  body: string,
  serial: string,
  platformPrivateKeyPem: string,
): Promise<Record<string, string>> {
  const timestamp = String(Formatter.timestamp());
  const nonce = Formatter.nonce(32);
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': await rsaSha256SignAsync(Formatter.response(timestamp, nonce, body), platformPrivateKeyPem),
    'Wechatpay-Serial': serial,
  };
}

/** AEAD_AES_256_GCM resource (callbacks, /v3/certificates), tag appended, base64. */
export function encryptResource(
  plaintext: string,
  apiV3Key: string,
  aad: string,
): { ciphertext: string; nonce: string } {
  const nonce = randomBytes(6).toString('hex');
  return { ciphertext: Aes.AesGcm.encrypt(plaintext, apiV3Key, nonce, aad), nonce };
}

/** The WeChat client's check of JSAPI/mini-program (`prepay_id=…`) and APP (bare prepay_id) paySign. */
export function verifyPaySign(
  p: { appId: string; timeStamp: string; nonceStr: string; package: string; paySign: string },
  merchantPublicKeyPem: string,
): boolean {
  try {
    return Rsa.verify(
      Formatter.joinedByLineFeed(p.appId, p.timeStamp, p.nonceStr, p.package),
      p.paySign,
      merchantPublicKeyPem,
    );
  } catch {
    return false;
  }
}
