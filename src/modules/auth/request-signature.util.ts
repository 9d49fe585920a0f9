import { KeyObject, constants, createHash, createHmac, timingSafeEqual, verify } from 'node:crypto';

/**
 * The merchant request signature of docs/api.md, as pure functions: parse the
 * `Authorization` header strictly, build the five-line signed string, and
 * verify HMAC-SHA256 or RSASSA-PKCS1-v1_5 SHA-256 without ever throwing on
 * attacker-controlled input (a throw would become a 500, RELIABILITY B9).
 */

export type SignatureScheme = 'PAYGRID-HMAC-SHA256' | 'PAYGRID-RSA-SHA256';

export interface ParsedAuthorization {
  scheme: SignatureScheme;
  appId: string;
  keyId: string;
  timestamp: number;
  nonce: string;
  /** Decoded signature bytes. */
  signature: Buffer;
}

export type ParseResult = { ok: true; value: ParsedAuthorization } | { ok: false; reason: string };

/** Allowed clock difference between the merchant and us, in seconds (docs/api.md). */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;
/** How long a nonce is remembered; longer than the whole ±300 s window so a replay is always caught. */
export const NONCE_TTL_SECONDS = 15 * 60;

const MAX_HEADER_LENGTH = 4096;
const SCHEMES: readonly string[] = ['PAYGRID-HMAC-SHA256', 'PAYGRID-RSA-SHA256'];
const PARAM_NAMES = ['app_id', 'key_id', 'timestamp', 'nonce', 'signature'] as const;
const PARAM = /^\s*([a-z_]+)="([^"]*)"\s*$/;
const ID = /^[a-z]+_[0-9a-z]{1,64}$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
// Canonical base64 only (padding included), so one signature has one spelling.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function parseAuthorization(header: string): ParseResult {
  if (header.length > MAX_HEADER_LENGTH) return { ok: false, reason: 'the Authorization header is too long' };
  const space = header.indexOf(' ');
  const scheme = space > 0 ? header.slice(0, space) : header;
  if (!SCHEMES.includes(scheme))
    return { ok: false, reason: 'the scheme must be PAYGRID-HMAC-SHA256 or PAYGRID-RSA-SHA256' };
  const params = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const m = PARAM.exec(part);
    if (!m) return { ok: false, reason: 'parameters must be name="value" pairs separated by commas' };
    if (!(PARAM_NAMES as readonly string[]).includes(m[1])) return { ok: false, reason: `unknown parameter ${m[1]}` };
    if (params.has(m[1])) return { ok: false, reason: `parameter ${m[1]} is repeated` };
    params.set(m[1], m[2]);
  }
  for (const name of PARAM_NAMES) if (!params.has(name)) return { ok: false, reason: `parameter ${name} is missing` };
  const [appId, keyId, timestamp, nonce, signature] = PARAM_NAMES.map((n) => params.get(n)!);
  if (!ID.test(appId) || !appId.startsWith('app_')) return { ok: false, reason: 'app_id is not an app id' };
  if (!ID.test(keyId) || !keyId.startsWith('key_')) return { ok: false, reason: 'key_id is not a key id' };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'timestamp must be unix seconds' };
  if (!NONCE.test(nonce)) return { ok: false, reason: 'nonce must be 16-64 characters of [A-Za-z0-9_-]' };
  if (signature.length === 0 || signature.length > 1024 || !BASE64.test(signature))
    return { ok: false, reason: 'signature must be base64' };
  return {
    ok: true,
    value: {
      scheme: scheme as SignatureScheme,
      appId,
      keyId,
      timestamp: Number(timestamp),
      nonce,
      signature: Buffer.from(signature, 'base64'),
    },
  };
}

export function sha256Hex(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nhex(sha256(body))\n`, over the exact bytes received. */
export function stringToSign(
  method: string,
  pathWithQuery: string,
  timestamp: number,
  nonce: string,
  body: Buffer,
): string {
  return `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${sha256Hex(body)}\n`;
}

export function isTimestampInWindow(
  timestamp: number,
  nowSeconds: number,
  tolerance = TIMESTAMP_TOLERANCE_SECONDS,
): boolean {
  return Math.abs(nowSeconds - timestamp) <= tolerance;
}

/** Constant-time HMAC check; a signature of the wrong length is simply false. */
export function verifyHmac(secret: KeyObject, data: string, signature: Buffer): boolean {
  const expected = createHmac('sha256', secret).update(data, 'utf8').digest();
  // The length is public (always 32 bytes); only equal lengths reach timingSafeEqual, which throws otherwise.
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}

export function verifyRsa(publicKey: KeyObject, data: string, signature: Buffer): boolean {
  try {
    return verify(
      'sha256',
      Buffer.from(data, 'utf8'),
      { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
      signature,
    );
  } catch {
    // OpenSSL rejects some malformed signatures by throwing; to the caller that is just a bad signature.
    return false;
  }
}
