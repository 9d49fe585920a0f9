import type { OpenAPIObject } from '@nestjs/swagger';
import type { ErrorCode } from '../errors/domain-error';
import { isErrorCode, statusOf, typeOf } from '../errors/error-codes';

/** The message a code really sends; its status and type come from ERROR_TABLE. */
interface ErrorExample {
  message: string;
  param?: string;
  details?: Record<string, unknown>;
}

const ID = '01jb8y3k2m9x7q4w5e6r7t8y9u';
const REQUEST_ID = 'req_8f14e45fceea167a5a36dedd';

/**
 * What each error code looks like on the wire, with the message the code really sends. OpenAPI shows one example
 * per code an operation names in its error descriptions (or the usual one for that status), so every error status
 * carries an example of its own.
 */
const EXAMPLES = {
  parameter_invalid: {
    message: 'amount must be an integer',
    param: 'amount',
  },
  parameter_unknown: { message: 'Unknown parameter: foo', param: 'foo' },
  body_malformed: { message: 'The request body is not valid JSON' },
  amount_invalid: {
    message: 'amount must be a positive integer in the minor unit of the currency, written as plain digits (got 10.5)',
    param: 'amount',
  },
  currency_not_supported: {
    message: 'Channel alipay_qr does not accept USD',
    param: 'currency',
  },
  payer_required: {
    message: 'wechat_jsapi needs payer.openid',
    param: 'payer.openid',
  },
  card_required: {
    message: 'The card channel needs card.encrypted or card.token',
    param: 'card',
  },
  card_not_allowed: {
    message: 'card is only accepted on the card channel',
    param: 'card',
  },
  capture_method_not_allowed: {
    message: 'capture_method manual is only available for cards',
    param: 'capture_method',
  },
  card_encryption_invalid: {
    message:
      'card.encrypted is not a JWE this platform can decrypt (RSA-OAEP-256 / A256GCM with the kid from /.well-known/jwks.json)',
    param: 'card.encrypted',
  },
  card_encryption_key_retired: {
    message:
      'card.encrypted is encrypted to pk_01jb8y3k2m9x7q4w5e6r7t8y9u, a retired card encryption key: fetch /.well-known/jwks.json again and encrypt to its newest enc key',
    param: 'card.encrypted',
  },
  platform_key_active: {
    message: 'pk_01jb8y3k2m9x7q4w5e6r7t8y9u is the active enc key: rotate it first, then retire it',
  },
  amount_too_large: {
    message: 'amount exceeds the authorized amount',
    param: 'amount',
  },
  refund_amount_exceeds_available: {
    message: 'The refund exceeds the amount left to refund',
    param: 'amount',
  },
  day_invalid: {
    message: 'day must be a calendar day written YYYY-MM-DD',
    param: 'day',
  },
  webhook_url_invalid: {
    message: 'webhook_url must use https (http is allowed to loopback in sandbox only)',
    param: 'webhook_url',
  },
  authorization_missing: {
    message:
      'Sign /v1 requests: Authorization: PAYGRID-HMAC-SHA256 app_id="app_…",key_id="key_…",timestamp="…",nonce="…",signature="…"',
  },
  signature_invalid: { message: 'The signature does not match the request' },
  timestamp_out_of_window: {
    message: 'The signature timestamp is more than 300 seconds away from the server clock; check your clock',
  },
  nonce_reused: {
    message: 'This nonce was already used by this app in the last 15 minutes',
  },
  key_revoked: { message: 'This key has been revoked' },
  admin_token_invalid: { message: 'The admin token is unknown or revoked' },
  merchant_suspended: { message: 'The merchant is suspended' },
  app_suspended: { message: 'The app is suspended' },
  admin_role_required: {
    message: 'This call changes data and needs a token with the admin role',
  },
  resource_missing: {
    message: `No such payment: 'pay_${ID}'`,
    param: 'id',
  },
  duplicate_out_trade_no: {
    message: `out_trade_no was already used for payment pay_${ID}`,
    details: { payment_id: `pay_${ID}` },
  },
  duplicate_out_refund_no: {
    message: `out_refund_no was already used for refund re_${ID}`,
    details: { refund_id: `re_${ID}` },
  },
  refund_not_awaiting_operator: {
    message: `Refund re_${ID} is succeeded and not flagged for an operator; only a flagged pending refund can be retried or resolved by hand`,
    details: { refund_id: `re_${ID}`, status: 'succeeded' },
  },
  refund_retry_unsupported: {
    message: 'Channel alipay_qr has no abnormal-refund retry',
  },
  provider_refused: {
    message: 'The provider refused the retry: refund is PROCESSING, not ABNORMAL',
    details: { provider_code: 'INVALID_REQUEST' },
  },
  idempotency_request_in_progress: {
    message: 'A request with this Idempotency-Key is still being processed; retry later',
  },
  payment_invalid_state: {
    message: `Payment pay_${ID} is succeeded and cannot be closed`,
    details: { payment_id: `pay_${ID}`, status: 'succeeded' },
  },
  payment_not_refundable: {
    message: `Payment pay_${ID} is pending; only succeeded payments can be refunded`,
    details: { payment_id: `pay_${ID}` },
  },
  balance_insufficient: {
    message: "The merchant's pending and available balances cannot cover this refund",
  },
  webhook_not_configured: {
    message: 'The app has no webhook endpoint, so there is no secret to rotate',
  },
  ledger_entry_already_reversed: {
    message: `Journal entry je_${ID} has already been reversed`,
    details: { entry_id: `je_${ID}` },
  },
  insufficient_funds: {
    message:
      'The entry would take a non-negative account below zero (merchant_available:mch_01jb8y3k2m9x7q4w5e6r7t8y9u:CNY)',
    details: { accounts: ['merchant_available:mch_01jb8y3k2m9x7q4w5e6r7t8y9u:CNY'] },
  },
  ledger_entry_not_reversible: {
    message: `Journal entry je_${ID} cannot be reversed: it is itself a reversal`,
    details: { entry_id: `je_${ID}` },
  },
  payout_not_awaiting_approval: {
    message: `Payout po_${ID} is paid, not awaiting approval`,
    details: { status: 'paid' },
  },
  statement_not_ready: {
    message: 'The alipay bill for 2026-11-26 is not ready yet; reconcile it later',
    details: { provider: 'alipay', day: '2026-11-26' },
  },
  reconciliation_exception_not_open: {
    message: `Reconciliation item rci_${ID} is not an open exception`,
  },
  idempotency_key_reused: {
    message: 'This Idempotency-Key was already used with another request (method, path or body differ)',
  },
  settlement_day_not_closed: {
    message: '2026-11-26 has not ended yet in Asia/Shanghai; pass force: true to settle what has been posted so far',
    param: 'day',
  },
  ledger_entry_invalid: {
    message: 'A reason of 1 to 1000 characters is required',
    param: 'reason',
  },
  rate_limited: {
    message: 'Too many requests for this app; retry after 2 s',
  },
  statement_unavailable: {
    message: 'The alipay statement could not be fetched: the provider timed out',
  },
  service_unavailable: {
    message: 'A dependency is unavailable',
  },
} satisfies Partial<Record<ErrorCode, ErrorExample>>;

/** By code; only codes of the closed set (error-codes.ts) have an example. */
export const ERROR_EXAMPLES: Partial<Record<ErrorCode, ErrorExample>> = EXAMPLES;

/** The code shown for a status when an operation names none of its own. */
const USUAL_CODE: Record<number, ErrorCode> = {
  400: 'parameter_invalid',
  401: 'signature_invalid',
  403: 'merchant_suspended',
  404: 'resource_missing',
  409: 'idempotency_request_in_progress',
  422: 'idempotency_key_reused',
  429: 'rate_limited',
  502: 'statement_unavailable',
  503: 'service_unavailable',
};
const USUAL_ADMIN_CODE: Record<number, ErrorCode> = { 401: 'admin_token_invalid', 403: 'admin_role_required' };

type Response = { description?: string; content?: Record<string, { schema?: { $ref?: string }; examples?: unknown }> };

/** The resource a 404 names, by the first path segment after the API prefix, and its id prefix. */
const RESOURCES: Record<string, [string, string]> = {
  payments: ['payment', 'pay'],
  refunds: ['refund', 're'],
  events: ['event', 'evt'],
  settlements: ['settlement', 'stl'],
  payouts: ['payout', 'po'],
  merchants: ['merchant', 'mch'],
  apps: ['app', 'app'],
  tokens: ['admin token', 'atk'],
  ledger: ['journal entry', 'je'],
  'webhook-deliveries': ['webhook delivery', 'whd'],
  reconciliation: ['reconciliation report', 'rcn'],
};

function notFoundMessage(path: string): string {
  const first = path.split('/').filter((s) => s && s !== 'v1' && s !== 'admin')[0] ?? '';
  const [what, prefix] = RESOURCES[first] ?? ['resource', 'obj'];
  return `No such ${what}: '${prefix}_${ID}'`;
}

function exampleValue(code: ErrorCode, path: string): { error: Record<string, unknown> } {
  const e = ERROR_EXAMPLES[code] ?? { message: code };
  const message = code === 'resource_missing' ? notFoundMessage(path) : e.message;
  return {
    error: {
      type: typeOf(code),
      code,
      message,
      ...(e.param ? { param: e.param } : {}),
      request_id: REQUEST_ID,
      ...(e.details ?? {}),
    },
  };
}

/**
 * Gives every error response of the document its own examples: one per code the response's description names (for
 * that status), else the usual code of the status. The error schema itself is the same everywhere.
 */
export function addErrorExamples(document: OpenAPIObject): OpenAPIObject {
  for (const [path, ops] of Object.entries(document.paths)) {
    for (const op of Object.values(ops as Record<string, { responses?: Record<string, Response> }>)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const json = response.content?.['application/json'];
        if (Number(status) < 400 || !json?.schema?.$ref?.endsWith('/ErrorResponseDto')) continue;
        const named = [...new Set(response.description?.match(/[a-z]+(?:_[a-z]+)+/g) ?? [])].filter(
          (c): c is ErrorCode => isErrorCode(c) && c in ERROR_EXAMPLES && statusOf(c) === Number(status),
        );
        const usual =
          (path.startsWith('/admin/') ? USUAL_ADMIN_CODE[Number(status)] : undefined) ?? USUAL_CODE[Number(status)];
        const codes = named.length ? named : usual ? [usual] : [];
        if (!codes.length) continue;
        json.examples = Object.fromEntries(
          codes.map((code) => [code, { summary: code, value: exampleValue(code, path) }]),
        );
      }
    }
  }
  return document;
}
