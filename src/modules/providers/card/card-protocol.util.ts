import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Paygrid sandbox acquirer protocol ("PGA/1"), spoken by card.adapter.ts and
 * the card simulator. JSON over HTTP, amounts as integers in minor units.
 *
 * Authentication is HMAC-SHA256 with the merchant's shared secret, both ways.
 *   Request  headers: X-Acq-Merchant, X-Acq-Timestamp (unix s), X-Acq-Nonce, X-Acq-Signature
 *            signed:  `${METHOD}\n${path?query}\n${ts}\n${nonce}\n${body}\n`
 *   Response headers: X-Acq-Timestamp, X-Acq-Nonce, X-Acq-Signature
 *            signed:  `response\n${ts}\n${nonce}\n${body}\n`
 *   Callback headers: same as a response, signed: `notify\n${ts}\n${nonce}\n${body}\n`
 * The first line keeps the three kinds apart, so a signed response can never
 * be replayed as a callback (one key signs both). Timestamps must be within
 * ±300 s. Signatures are lowercase hex, compared in constant time.
 *
 * Endpoints (under the base URL):
 *   POST /v1/authorizations           {order_id, amount, currency, card{number,exp_month,exp_year,cvc?},
 *                                      capture: bool, notify_url, return_url?}
 *        -> Authorization (status requires_action carries three_ds_url)
 *   GET  /v1/authorizations/{order_id}           -> Authorization
 *   POST /v1/authorizations/{order_id}/capture   {amount} -> Authorization (partial allowed, once)
 *   POST /v1/authorizations/{order_id}/void      {} -> Authorization
 *   POST /v1/refunds                  {order_id, refund_id, amount, notify_url} -> Refund (idempotent on refund_id)
 *   GET  /v1/refunds/{refund_id}      -> Refund
 *   GET  /v1/statements/{yyyy-mm-dd}  -> {day, lines: StatementLine[]} (day in UTC+8)
 *   Authorization: {authorization_id, order_id, status: requires_action|authorized|captured|declined|voided,
 *                   amount, captured_amount, currency, brand, last4, decline_code?, three_ds_url?}
 *   Refund: {refund_id, order_id, acquirer_refund_id, status: pending|succeeded|failed, amount, currency}
 *   Errors: non-2xx {error:{code, message}}; 404 code not_found.
 *   Callbacks: POST notify_url {event_id, type: authorization.updated|refund.updated, data: Authorization|Refund},
 *              answered by any 2xx; retried otherwise (WeChat's schedule).
 */

export const ACQ_HEADERS = {
  merchant: 'x-acq-merchant',
  timestamp: 'x-acq-timestamp',
  nonce: 'x-acq-nonce',
  signature: 'x-acq-signature',
} as const;

export type AcqMessageKind = 'response' | 'notify';

function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}

function safeEqualHex(a: string, b: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(a) || !/^[0-9a-f]{64}$/.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

function freshTimestamp(ts: string | undefined, nowSeconds: number): boolean {
  return !!ts && /^\d{1,12}$/.test(ts) && Math.abs(nowSeconds - Number(ts)) <= 300;
}

export function signAcqRequest(
  secret: string,
  merchantId: string,
  method: string,
  pathAndQuery: string,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const ts = String(nowSeconds);
  const nonce = randomBytes(12).toString('hex');
  return {
    [ACQ_HEADERS.merchant]: merchantId,
    [ACQ_HEADERS.timestamp]: ts,
    [ACQ_HEADERS.nonce]: nonce,
    [ACQ_HEADERS.signature]: hmacHex(secret, `${method.toUpperCase()}\n${pathAndQuery}\n${ts}\n${nonce}\n${body}\n`),
  };
}

export type AcqCheck = 'ok' | 'signature_invalid' | 'timestamp_out_of_window';

export function verifyAcqRequest(
  secret: string,
  method: string,
  pathAndQuery: string,
  body: string,
  get: (h: string) => string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): AcqCheck {
  const ts = get(ACQ_HEADERS.timestamp);
  const nonce = get(ACQ_HEADERS.nonce) ?? '';
  if (!freshTimestamp(ts, nowSeconds)) return 'timestamp_out_of_window';
  const expected = hmacHex(secret, `${method.toUpperCase()}\n${pathAndQuery}\n${ts}\n${nonce}\n${body}\n`);
  return safeEqualHex(get(ACQ_HEADERS.signature) ?? '', expected) ? 'ok' : 'signature_invalid';
}

export function signAcqMessage(
  secret: string,
  kind: AcqMessageKind,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const ts = String(nowSeconds);
  const nonce = randomBytes(12).toString('hex');
  return {
    [ACQ_HEADERS.timestamp]: ts,
    [ACQ_HEADERS.nonce]: nonce,
    [ACQ_HEADERS.signature]: hmacHex(secret, `${kind}\n${ts}\n${nonce}\n${body}\n`),
  };
}

export function verifyAcqMessage(
  secret: string,
  kind: AcqMessageKind,
  body: string,
  get: (h: string) => string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): AcqCheck {
  const ts = get(ACQ_HEADERS.timestamp);
  if (!freshTimestamp(ts, nowSeconds)) return 'timestamp_out_of_window';
  const expected = hmacHex(secret, `${kind}\n${ts}\n${get(ACQ_HEADERS.nonce) ?? ''}\n${body}\n`);
  return safeEqualHex(get(ACQ_HEADERS.signature) ?? '', expected) ? 'ok' : 'signature_invalid';
}

/** Luhn (mod 10) over a digits-only PAN of 12–19 digits. */
export function luhnValid(pan: string): boolean {
  if (!/^\d{12,19}$/.test(pan)) return false;
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let d = pan.charCodeAt(pan.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'unionpay' | 'unknown';

/** Brand from the BIN: Visa 4, Mastercard 51–55 / 2221–2720, Amex 34/37, UnionPay 62. */
export function cardBrand(pan: string): CardBrand {
  if (/^4/.test(pan)) return 'visa';
  if (/^3[47]/.test(pan)) return 'amex';
  if (/^62/.test(pan)) return 'unionpay';
  if (/^5[1-5]/.test(pan)) return 'mastercard';
  const four = Number(pan.slice(0, 4));
  if (pan.length >= 4 && four >= 2221 && four <= 2720) return 'mastercard';
  return 'unknown';
}

/** Card expiry check: valid through the last day of exp_month. */
export function cardExpired(expMonth: number, expYear: number, now: Date = new Date()): boolean {
  if (!Number.isInteger(expMonth) || expMonth < 1 || expMonth > 12 || !Number.isInteger(expYear)) return true;
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() + 1;
  return expYear < y || (expYear === y && expMonth < m);
}
