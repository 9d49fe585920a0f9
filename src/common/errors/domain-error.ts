/**
 * The error shape of docs/api.md. Domain code throws DomainError (never an HTTP
 * exception: workers run the same code); one exception filter maps it to
 * `{"error": {type, code, message, param, request_id}}`. The status and type
 * come from the code, through the one table in error-codes.ts.
 */
import { CodeWithStatus, ErrorCode, ErrorType, statusOf, typeOf } from './error-codes';

export type { ErrorCode, ErrorType } from './error-codes';

export interface DomainErrorInit {
  /** One of the closed set in error-codes.ts, which fixes the HTTP status and the type. */
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
  /** HTTP status the filter answers with: ERROR_TABLE's, never chosen by the thrower. */
  readonly status: number;
  readonly code: ErrorCode;
  readonly param?: string;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(init: DomainErrorInit) {
    super(init.message);
    this.name = 'DomainError';
    this.code = init.code;
    this.status = statusOf(init.code);
    this.type = typeOf(init.code);
    this.param = init.param;
    this.details = init.details;
    this.headers = init.headers;
  }
}

/*
 * Helpers for the common kinds, so modules' `*.errors.ts` stay one-liners.
 * Each takes only the codes the table sends with its status, so a helper's
 * name never contradicts what the client gets.
 */
export const invalidRequest = (
  code: CodeWithStatus<400>,
  message: string,
  param?: string,
  details?: Record<string, unknown>,
) => new DomainError({ code, message, param, details });

export const notFound = (what: string, id: string, param = 'id') =>
  new DomainError({ code: 'resource_missing', message: `No such ${what}: '${id}'`, param });

export const conflict = (code: CodeWithStatus<409>, message: string, details?: Record<string, unknown>) =>
  new DomainError({ code, message, details });

export const unprocessable = (code: CodeWithStatus<422>, message: string, param?: string) =>
  new DomainError({ code, message, param });

export const authenticationError = (code: CodeWithStatus<401>, message: string) => new DomainError({ code, message });

export const permissionError = (code: CodeWithStatus<403>, message: string) => new DomainError({ code, message });

/** An outage of a dependency (database, broker): safe to retry after `retryAfterSeconds`. */
export const serviceUnavailable = (message: string, retryAfterSeconds = 1) =>
  new DomainError({ code: 'service_unavailable', message, headers: { 'Retry-After': String(retryAfterSeconds) } });
