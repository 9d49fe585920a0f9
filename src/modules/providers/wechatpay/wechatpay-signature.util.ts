import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SigningJob, rsaSha256Verify, signNow, signOffThread } from '../rsa-sha256.util';

export { rsaSha256Sign, rsaSha256SignAsync, rsaSha256Verify } from '../rsa-sha256.util';

/**
 * WeChat Pay API v3 signatures and callback encryption (PROVIDERS.md §2).
 * Requests: SHA256withRSA over `METHOD\nurl\nts\nnonce\nbody\n` with the
 * merchant key. Responses and callbacks: over `ts\nnonce\nbody\n` with the
 * WeChat Pay key named by Wechatpay-Serial. Callback resources: AES-256-GCM
 * with the 32 ASCII bytes of the APIv3 key, 16-byte tag appended.
 */

export const WECHATPAY_AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
export const MAX_CLOCK_SKEW_SECONDS = 300;

export function wechatNonce(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function requestMessage(method: string, url: string, timestamp: string, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;
}

export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export interface AuthorizationInput {
  mchid: string;
  serialNo: string;
  privateKeyPem: string;
  method: string;
  /** Path plus encoded query exactly as sent, no host. */
  url: string;
  body: string;
  timestamp?: string;
  nonce?: string;
}

function authorizationJob(input: AuthorizationInput): SigningJob<string> {
  const timestamp = input.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? wechatNonce();
  return {
    message: requestMessage(input.method, input.url, timestamp, nonce, input.body),
    finish: (signature) =>
      `${WECHATPAY_AUTH_SCHEME} mchid="${input.mchid}",nonce_str="${nonce}",` +
      `signature="${signature}",timestamp="${timestamp}",serial_no="${input.serialNo}"`,
  };
}

export function buildAuthorization(input: AuthorizationInput): string {
  return signNow(authorizationJob(input), input.privateKeyPem);
}

export function buildAuthorizationAsync(input: AuthorizationInput): Promise<string> {
  return signOffThread(authorizationJob(input), input.privateKeyPem);
}

export interface ParsedAuthorization {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

/** Parameters in any order (wechatpay-axios-plugin orders them differently). */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header?.startsWith(`${WECHATPAY_AUTH_SCHEME} `)) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.slice(WECHATPAY_AUTH_SCHEME.length + 1).matchAll(/(\w+)="([^"]*)"/g)) out[m[1]] = m[2];
  const keys = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'] as const;
  return keys.every((k) => out[k]) ? (out as unknown as ParsedAuthorization) : undefined;
}

export type SignatureCheck = 'ok' | 'signature_invalid' | 'timestamp_out_of_window' | 'unknown_serial';

export interface SignedMessageHeaders {
  timestamp?: string;
  nonce?: string;
  signature?: string;
  serial?: string;
}

/** Reads Wechatpay-* headers from a case-insensitive lookup. */
export function wechatpayHeaders(get: (name: string) => string | undefined): SignedMessageHeaders {
  return {
    timestamp: get('wechatpay-timestamp'),
    nonce: get('wechatpay-nonce'),
    signature: get('wechatpay-signature'),
    serial: get('wechatpay-serial'),
  };
}

/**
 * Verifies a response or callback: known serial, timestamp within ±300 s of
 * `nowSeconds`, SHA256withRSA over `ts\nnonce\nbody\n`. Probe traffic
 * (`WECHATPAY/SIGNTEST/…`) simply fails verification like any bad signature.
 */
export function verifyWechatpaySignature(
  h: SignedMessageHeaders,
  body: string,
  publicKeys: Record<string, string>,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!h.timestamp || !h.nonce || !h.signature || !h.serial) return 'signature_invalid';
  const key = Object.prototype.hasOwnProperty.call(publicKeys, h.serial) ? publicKeys[h.serial] : undefined;
  if (!key) return 'unknown_serial';
  if (!/^\d{1,12}$/.test(h.timestamp) || Math.abs(nowSeconds - Number(h.timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
    return 'timestamp_out_of_window';
  }
  return rsaSha256Verify(responseMessage(h.timestamp, h.nonce, body), h.signature, key) ? 'ok' : 'signature_invalid';
}

function signedMessageJob(body: string, serial: string, nowSeconds?: number): SigningJob<Record<string, string>> {
  const timestamp = String(nowSeconds ?? Math.floor(Date.now() / 1000));
  const nonce = wechatNonce();
  return {
    message: responseMessage(timestamp, nonce, body),
    finish: (signature) => ({
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Signature': signature,
      'Wechatpay-Serial': serial,
    }),
  };
}

/** Simulator side: the four Wechatpay-* headers for a body. */
export function signWechatpayMessage(
  body: string,
  serial: string,
  privateKeyPem: string,
  nowSeconds?: number,
): Record<string, string> {
  return signNow(signedMessageJob(body, serial, nowSeconds), privateKeyPem);
}

export function signWechatpayMessageAsync(
  body: string,
  serial: string,
  privateKeyPem: string,
  nowSeconds?: number,
): Promise<Record<string, string>> {
  return signOffThread(signedMessageJob(body, serial, nowSeconds), privateKeyPem);
}

function gcmKey(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new RangeError('APIv3 key must be 32 bytes');
  return key;
}

/** AEAD_AES_256_GCM decrypt of a callback resource; throws when the tag does not authenticate. */
export function decryptResource(ciphertextB64: string, apiV3Key: string, nonce: string, associatedData = ''): string {
  const data = Buffer.from(ciphertextB64, 'base64');
  if (data.length < 16) throw new RangeError('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', gcmKey(apiV3Key), Buffer.from(nonce, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

/** Simulator side: encrypt a resource the way WeChat Pay does (tag appended, base64). */
export function encryptResource(plaintext: string, apiV3Key: string, nonce: string, associatedData = ''): string {
  const cipher = createCipheriv('aes-256-gcm', gcmKey(apiV3Key), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([ct, cipher.getAuthTag()]).toString('base64');
}

export interface JsapiParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

function jsapiJob(appId: string, prepayId: string, nowSeconds?: number): SigningJob<JsapiParams> {
  const timeStamp = String(nowSeconds ?? Math.floor(Date.now() / 1000));
  const nonceStr = wechatNonce();
  const pkg = `prepay_id=${prepayId}`;
  return {
    message: `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`,
    finish: (paySign) => ({ appId, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign }),
  };
}

/** JSAPI/mini-program invoke params: paySign over `appId\ntimeStamp\nnonceStr\nprepay_id=…\n`. */
export function buildJsapiParams(
  appId: string,
  prepayId: string,
  merchantPrivateKeyPem: string,
  nowSeconds?: number,
): JsapiParams {
  return signNow(jsapiJob(appId, prepayId, nowSeconds), merchantPrivateKeyPem);
}

export function buildJsapiParamsAsync(
  appId: string,
  prepayId: string,
  merchantPrivateKeyPem: string,
  nowSeconds?: number,
): Promise<JsapiParams> {
  return signOffThread(jsapiJob(appId, prepayId, nowSeconds), merchantPrivateKeyPem);
}

/** Simulator side (the WeChat client): check paySign with the merchant's public key. */
export function verifyJsapiParams(
  p: Omit<JsapiParams, 'signType'> & { signType?: string },
  merchantPublicKeyPem: string,
): boolean {
  return rsaSha256Verify(`${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`, p.paySign, merchantPublicKeyPem);
}
