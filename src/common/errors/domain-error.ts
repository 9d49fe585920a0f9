/**
 * The error shape of docs/api.md. Domain code throws DomainError (never an HTTP
 * exception: workers run the same code); one exception filter maps it to
 * `{"error": {type, code, message, param, request_id}}`.
 */
import type { ErrorCode } from './error-codes';

export type { ErrorCode } from './error-codes';

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'idempotency_error'
  | 'provider_error'
  | 'api_error';

export interface DomainErrorInit {
  type: ErrorType;
  /** HTTP status the filter answers with. */
  status: number;
  /** One of the closed set in error-codes.ts. */
  code: ErrorCode;
  message: string;
  param?: string;
  /** Extra fields merged into the error object (e.g. `payment_id` for duplicates). */
  details?: Record<string, unknown>;
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;
}

export class DomainError extends Error {
  readonly type: ErrorType;
  readonly status: number;
  readonly code: ErrorCode;
  readonly param?: string;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(init: DomainErrorInit) {
    super(init.message);
    this.name = 'DomainError';
    this.type = init.type;
    this.status = init.status;
    this.code = init.code;
    this.param = init.param;
    this.details = init.details;
    this.headers = init.headers;
  }
}

/** Helpers for the common kinds, so modules' `*.errors.ts` stay one-liners. */
export const invalidRequest = (code: ErrorCode, message: string, param?: string, details?: Record<string, unknown>) =>
  new DomainError({ type: 'invalid_request_error', status: 400, code, message, param, details });

export const notFound = (what: string, id: string, param = 'id') =>
  new DomainError({
    type: 'invalid_request_error',
    status: 404,
    code: 'resource_missing',
    message: `No such ${what}: '${id}'`,
    param,
  });

export const conflict = (code: ErrorCode, message: string, details?: Record<string, unknown>) =>
  new DomainError({ type: 'invalid_request_error', status: 409, code, message, details });

export const unprocessable = (code: ErrorCode, message: string, param?: string) =>
  new DomainError({ type: 'invalid_request_error', status: 422, code, message, param });

export const authenticationError = (code: ErrorCode, message: string) =>
  new DomainError({ type: 'authentication_error', status: 401, code, message });

export const permissionError = (code: ErrorCode, message: string) =>
  new DomainError({ type: 'permission_error', status: 403, code, message });

/** An outage of a dependency (database, broker): safe to retry after `retryAfterSeconds`. */
export const serviceUnavailable = (message: string, retryAfterSeconds = 1) =>
  new DomainError({
    type: 'api_error',
    status: 503,
    code: 'service_unavailable',
    message,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
