import { KeyObject, createPrivateKey, createPublicKey, createVerify, sign } from 'node:crypto';

/**
 * The simulators' own formatting and RSA helpers. A simulator is the
 * provider's counterpart, so it never borrows the adapters' code (a protocol
 * mistake there would be repeated here and every flow would agree with
 * itself); an eslint rule keeps src/modules/providers out of the sandbox.
 */

const BEIJING_MS = 8 * 3600_000;

/** `yyyy-MM-dd HH:mm:ss` in UTC+8 (Alipay timestamps, both bills' times). */
export function beijingTime(at: Date = new Date()): string {
  return new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** The UTC+8 calendar day of an instant, `yyyy-MM-dd`. */
export const beijingDay = (at: Date): string => beijingTime(at).slice(0, 10);

/** RFC 3339 with the +08:00 offset WeChat Pay writes. */
export const rfc3339Beijing = (at: Date): string =>
  new Date(at.getTime() + BEIJING_MS).toISOString().replace(/\.\d{3}Z$/, '+08:00');

/** Minor units to a two-decimal yuan string; negative amounts keep their sign (refund rows). */
export function yuan(fen: bigint): string {
  const neg = fen < 0n;
  const abs = neg ? -fen : fen;
  return `${neg ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** A plain decimal with at most two places to minor units; throws on anything else. */
export function fenOf(text: string): bigint {
  const m = /^(0|[1-9]\d{0,15})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) throw new RangeError(`not a yuan amount: ${JSON.stringify(text)}`);
  return BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

/** A JSON integer as bigint (refuses fractions, strings and unsafe values). */
export function bigOf(value: unknown): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new RangeError('not a safe JSON integer');
  return BigInt(value);
}

/** A bigint as a JSON number. */
export function numOf(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
    throw new RangeError('amount too large for JSON');
  return Number(value);
}

const keys = new Map<string, KeyObject>();
const keyOf = (pem: string, kind: 'private' | 'public'): KeyObject => {
  const id = `${kind}:${pem}`;
  let k = keys.get(id);
  if (!k) keys.set(id, (k = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem)));
  return k;
};

/** SHA256withRSA, base64, in libuv's threadpool (a simulator under load must not stall its event loop). */
export function rsaSha256SignAsync(message: string, privateKeyPem: string): Promise<string> {
  return new Promise((resolve, reject) =>
    sign('sha256', Buffer.from(message, 'utf8'), keyOf(privateKeyPem, 'private'), (err, sig) =>
      err ? reject(err) : resolve(sig.toString('base64')),
    ),
  );
}

export function rsaSha256VerifyB64(message: string, signatureB64: string, publicKeyPem: string): boolean {
  if (!signatureB64) return false;
  try {
    return createVerify('RSA-SHA256')
      .update(message, 'utf8')
      .verify(keyOf(publicKeyPem, 'public'), signatureB64, 'base64');
  } catch {
    return false;
  }
}
