import {
  DomainError,
  ErrorCode,
  authenticationError,
  invalidRequest,
  permissionError,
} from '../../common/errors/domain-error';

const idempotencyError = (code: ErrorCode, message: string, headers?: Record<string, string>) =>
  new DomainError({ code, message, headers });

/** Every code a merchant can get from request verification, rate limiting and idempotency. */
export const AuthErrors = {
  authorizationMissing: () =>
    authenticationError(
      'authorization_missing',
      'Sign /v1 requests: Authorization: PAYGRID-HMAC-SHA256 app_id="app_…",key_id="key_…",timestamp="…",nonce="…",signature="…"',
    ),
  authorizationDuplicated: () =>
    authenticationError('authorization_duplicated', 'Send exactly one Authorization header'),
  authorizationMalformed: (why: string) =>
    authenticationError('authorization_malformed', `The Authorization header is malformed: ${why}`),
  timestampOutOfWindow: () =>
    authenticationError(
      'timestamp_out_of_window',
      'The signature timestamp is more than 300 seconds away from the server clock; check your clock',
    ),
  keyUnknown: () => authenticationError('key_unknown', 'No such key for this app'),
  keyRevoked: () => authenticationError('key_revoked', 'This key has been revoked'),
  keyExpired: () => authenticationError('key_expired', 'This key has expired'),
  keyModeMismatch: () =>
    authenticationError('key_mode_mismatch', 'This is a test key (sk_test_…); a live instance accepts live keys only'),
  schemeMismatch: () =>
    authenticationError(
      'signature_scheme_mismatch',
      'The signature scheme does not match the type of this key (hmac or rsa)',
    ),
  signatureInvalid: () => authenticationError('signature_invalid', 'The signature does not match the request'),
  nonceReused: () =>
    authenticationError('nonce_reused', 'This nonce was already used by this app in the last 15 minutes'),
  merchantSuspended: () => permissionError('merchant_suspended', 'The merchant is suspended'),
  appSuspended: () => permissionError('app_suspended', 'The app is suspended'),
  bodyNotJson: () =>
    new DomainError({
      code: 'unsupported_media_type',
      message: 'Send request bodies as JSON with Content-Type: application/json',
    }),
  rateLimited: (retryAfterSeconds: number) =>
    new DomainError({
      code: 'rate_limited',
      message: `Too many requests for this app; retry after ${retryAfterSeconds} s`,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    }),
  idempotencyKeyInvalid: (why: string) => invalidRequest('idempotency_key_invalid', why, 'Idempotency-Key'),
  idempotencyKeyReused: () =>
    idempotencyError(
      'idempotency_key_reused',
      'This Idempotency-Key was already used with another request (method, path or body differ)',
    ),
  idempotencyInProgress: () =>
    idempotencyError(
      'idempotency_request_in_progress',
      'A request with this Idempotency-Key is still being processed; retry later',
      { 'Retry-After': '1' },
    ),
};
