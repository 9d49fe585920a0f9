/**
 * Every stable error code Paygrid answers with (docs/api.md "Errors"), with the
 * one HTTP status and error type it is sent with. This is the closed set
 * `DomainError` takes and the one code → status table of the HTTP edge: a new
 * code is added here first, a misspelt one fails the type check, and no code
 * can be sent with two statuses. Grouped by where they arise.
 */

/** The `type` of the error object (docs/api.md): a family of codes, told apart by status. */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'idempotency_error'
  | 'provider_error'
  | 'api_error';

export const ERROR_TABLE = {
  // The HTTP edge: request shape, framework and transport errors.
  parameter_invalid: [400, 'invalid_request_error'],
  parameter_unknown: [400, 'invalid_request_error'],
  body_malformed: [400, 'invalid_request_error'],
  body_invalid: [400, 'invalid_request_error'],
  body_too_large: [413, 'invalid_request_error'],
  body_too_deep: [400, 'invalid_request_error'],
  headers_too_large: [431, 'invalid_request_error'],
  request_timeout: [408, 'invalid_request_error'],
  request_malformed: [400, 'invalid_request_error'],
  unsupported_media_type: [415, 'invalid_request_error'],
  route_not_found: [404, 'invalid_request_error'],
  method_not_allowed: [405, 'invalid_request_error'],
  invalid_request: [400, 'invalid_request_error'],
  unauthenticated: [401, 'authentication_error'],
  forbidden: [403, 'permission_error'],
  resource_missing: [404, 'invalid_request_error'],
  rate_limited: [429, 'rate_limit_error'],
  internal_error: [500, 'api_error'],
  service_unavailable: [503, 'api_error'],
  // Request authentication, admin tokens and idempotency.
  authorization_missing: [401, 'authentication_error'],
  authorization_duplicated: [401, 'authentication_error'],
  authorization_malformed: [401, 'authentication_error'],
  timestamp_out_of_window: [401, 'authentication_error'],
  key_unknown: [401, 'authentication_error'],
  key_revoked: [401, 'authentication_error'],
  key_expired: [401, 'authentication_error'],
  key_mode_mismatch: [401, 'authentication_error'],
  signature_scheme_mismatch: [401, 'authentication_error'],
  signature_invalid: [401, 'authentication_error'],
  nonce_reused: [401, 'authentication_error'],
  merchant_suspended: [403, 'permission_error'],
  app_suspended: [403, 'permission_error'],
  admin_token_missing: [401, 'authentication_error'],
  admin_token_invalid: [401, 'authentication_error'],
  admin_role_required: [403, 'permission_error'],
  idempotency_key_invalid: [400, 'invalid_request_error'],
  idempotency_key_reused: [422, 'idempotency_error'],
  idempotency_request_in_progress: [409, 'idempotency_error'],
  platform_key_active: [409, 'invalid_request_error'],
  public_key_invalid: [400, 'invalid_request_error'],
  ping_conflict: [409, 'invalid_request_error'],
  // Merchants, apps and provider accounts.
  too_many_active_keys: [409, 'invalid_request_error'],
  webhook_url_invalid: [400, 'invalid_request_error'],
  webhook_not_configured: [409, 'invalid_request_error'],
  alipay_authorisation_expired: [409, 'invalid_request_error'],
  // Payments, refunds and checkout.
  amount_invalid: [400, 'invalid_request_error'],
  amount_too_large: [400, 'invalid_request_error'],
  currency_not_supported: [400, 'invalid_request_error'],
  channel_not_enabled: [403, 'permission_error'],
  channel_unavailable: [400, 'invalid_request_error'],
  channel_not_offered: [400, 'invalid_request_error'],
  channels_empty: [400, 'invalid_request_error'],
  payer_required: [400, 'invalid_request_error'],
  auth_code_not_allowed: [400, 'invalid_request_error'],
  card_required: [400, 'invalid_request_error'],
  card_not_allowed: [400, 'invalid_request_error'],
  card_invalid: [400, 'invalid_request_error'],
  card_expired: [400, 'invalid_request_error'],
  card_encryption_invalid: [400, 'invalid_request_error'],
  card_encryption_key_retired: [400, 'invalid_request_error'],
  capture_method_not_allowed: [400, 'invalid_request_error'],
  payment_method_required: [400, 'invalid_request_error'],
  return_url_required: [400, 'invalid_request_error'],
  duplicate_out_trade_no: [409, 'invalid_request_error'],
  duplicate_out_refund_no: [409, 'invalid_request_error'],
  payment_invalid_state: [409, 'invalid_request_error'],
  payment_not_refundable: [409, 'invalid_request_error'],
  refund_amount_exceeds_available: [400, 'invalid_request_error'],
  // Profit sharing (docs/api.md "Splits").
  payment_not_splittable: [409, 'invalid_request_error'],
  split_amount_exceeds_available: [409, 'invalid_request_error'],
  splits_released: [409, 'invalid_request_error'],
  split_not_returnable: [409, 'invalid_request_error'],
  split_return_exceeds_available: [409, 'invalid_request_error'],
  split_receiver_unavailable: [409, 'invalid_request_error'],
  balance_insufficient: [409, 'invalid_request_error'],
  refund_not_awaiting_operator: [409, 'invalid_request_error'],
  refund_retry_unsupported: [409, 'invalid_request_error'],
  provider_refused: [409, 'invalid_request_error'],
  checkout_session_not_open: [409, 'invalid_request_error'],
  checkout_session_attempts_exhausted: [409, 'invalid_request_error'],
  wechat_oauth_failed: [400, 'invalid_request_error'],
  // Providers.
  provider_declined: [502, 'provider_error'],
  provider_timeout: [504, 'provider_error'],
  provider_unavailable: [502, 'provider_error'],
  statement_unavailable: [502, 'provider_error'],
  statement_not_ready: [409, 'invalid_request_error'],
  // Ledger, settlements, payouts and events.
  ledger_account_invalid: [422, 'invalid_request_error'],
  ledger_amount_invalid: [422, 'invalid_request_error'],
  ledger_amount_overflow: [422, 'invalid_request_error'],
  ledger_entry_invalid: [422, 'invalid_request_error'],
  ledger_entry_unbalanced: [422, 'invalid_request_error'],
  ledger_entry_already_reversed: [409, 'invalid_request_error'],
  ledger_entry_not_reversible: [409, 'invalid_request_error'],
  ledger_external_id_reused: [409, 'invalid_request_error'],
  insufficient_funds: [409, 'invalid_request_error'],
  day_invalid: [400, 'invalid_request_error'],
  settlement_day_not_closed: [422, 'invalid_request_error'],
  payout_not_awaiting_approval: [409, 'invalid_request_error'],
  reconciliation_exception_not_open: [409, 'invalid_request_error'],
  dead_letters_unavailable: [409, 'invalid_request_error'],
} as const satisfies Record<string, readonly [number, ErrorType]>;

export type ErrorCode = keyof typeof ERROR_TABLE;

/** The codes of the table, in its order. */
export const ERROR_CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

/** The codes the table sends with status S (the typed helpers of domain-error.ts take only these). */
export type CodeWithStatus<S extends number> = {
  [K in ErrorCode]: (typeof ERROR_TABLE)[K][0] extends S ? K : never;
}[ErrorCode];

export const statusOf = (code: ErrorCode): number => ERROR_TABLE[code][0];
export const typeOf = (code: ErrorCode): ErrorType => ERROR_TABLE[code][1];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_TABLE, value);
}
