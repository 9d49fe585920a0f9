import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Paygrid sandbox bank-transfer protocol ("PGB/1"), spoken by
 * bank-transfer.adapter.ts and the bank simulator. JSON over HTTP, amounts
 * as integers in minor units, HMAC-SHA256 with the shared secret both ways:
 *   Request  headers: X-Bank-Account, X-Bank-Timestamp (unix s), X-Bank-Nonce, X-Bank-Signature
 *            signed:  `${METHOD}\n${path?query}\n${ts}\n${nonce}\n${body}\n`
 *   Response headers: X-Bank-Timestamp, X-Bank-Nonce, X-Bank-Signature
 *            signed:  `response\n${ts}\n${nonce}\n${body}\n`
 * Timestamps within ±300 s; signatures lowercase hex, compared in constant time.
 *
 * Endpoints (under the base URL):
 *   POST /v1/transfers {transfer_id, amount, currency, beneficiary: {merchant_id}, memo?}
 *        -> Transfer; idempotent on transfer_id (same amount answers the same transfer, another amount 409)
 *   GET  /v1/transfers/{transfer_id} -> Transfer; 404 {error:{code:"not_found"}} when the bank never got it
 *   Transfer: {transfer_id, bank_reference, status: processing|succeeded|failed, amount, currency, failure_code?}
 */
export const BANK_HEADERS = {
  account: 'x-bank-account',
  timestamp: 'x-bank-timestamp',
  nonce: 'x-bank-nonce',
  signature: 'x-bank-signature',
} as const;

export type BankCheck = 'ok' | 'signature_invalid' | 'timestamp_out_of_window';

const hmacHex = (secret: string, message: string) => createHmac('sha256', secret).update(message, 'utf8').digest('hex');

function safeEqualHex(a: string, b: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(a) || !/^[0-9a-f]{64}$/.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

const fresh = (ts: string | undefined, now: number) =>
  !!ts && /^\d{1,12}$/.test(ts) && Math.abs(now - Number(ts)) <= 300;

export function signBankRequest(
  secret: string,
  accountId: string,
  method: string,
  pathAndQuery: string,
  body: string,
  now = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const ts = String(now);
  const nonce = randomBytes(12).toString('hex');
  return {
    [BANK_HEADERS.account]: accountId,
    [BANK_HEADERS.timestamp]: ts,
    [BANK_HEADERS.nonce]: nonce,
    [BANK_HEADERS.signature]: hmacHex(secret, `${method.toUpperCase()}\n${pathAndQuery}\n${ts}\n${nonce}\n${body}\n`),
  };
}

export function verifyBankRequest(
  secret: string,
  method: string,
  pathAndQuery: string,
  body: string,
  get: (h: string) => string | undefined,
  now = Math.floor(Date.now() / 1000),
): BankCheck {
  const ts = get(BANK_HEADERS.timestamp);
  if (!fresh(ts, now)) return 'timestamp_out_of_window';
  const expected = hmacHex(
    secret,
    `${method.toUpperCase()}\n${pathAndQuery}\n${ts}\n${get(BANK_HEADERS.nonce) ?? ''}\n${body}\n`,
  );
  return safeEqualHex(get(BANK_HEADERS.signature) ?? '', expected) ? 'ok' : 'signature_invalid';
}

export function signBankResponse(
  secret: string,
  body: string,
  now = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const ts = String(now);
  const nonce = randomBytes(12).toString('hex');
  return {
    [BANK_HEADERS.timestamp]: ts,
    [BANK_HEADERS.nonce]: nonce,
    [BANK_HEADERS.signature]: hmacHex(secret, `response\n${ts}\n${nonce}\n${body}\n`),
  };
}

export function verifyBankResponse(
  secret: string,
  body: string,
  get: (h: string) => string | undefined,
  now = Math.floor(Date.now() / 1000),
): BankCheck {
  const ts = get(BANK_HEADERS.timestamp);
  if (!fresh(ts, now)) return 'timestamp_out_of_window';
  const expected = hmacHex(secret, `response\n${ts}\n${get(BANK_HEADERS.nonce) ?? ''}\n${body}\n`);
  return safeEqualHex(get(BANK_HEADERS.signature) ?? '', expected) ? 'ok' : 'signature_invalid';
}
