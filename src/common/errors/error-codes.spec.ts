import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ERROR_EXAMPLES } from '../http/openapi-error-examples';
import { DomainError, conflict, invalidRequest, permissionError } from './domain-error';
import { ERROR_CODES, ERROR_TABLE, ErrorCode, isErrorCode, statusOf, typeOf } from './error-codes';
import { renderErrorTable } from './error-table';

/** Which types a status may carry (docs/api.md "Conventions"). */
const TYPES_BY_STATUS: Record<number, string[]> = {
  400: ['invalid_request_error'],
  401: ['authentication_error'],
  403: ['permission_error'],
  404: ['invalid_request_error'],
  405: ['invalid_request_error'],
  408: ['invalid_request_error'],
  409: ['invalid_request_error', 'idempotency_error'],
  413: ['invalid_request_error'],
  415: ['invalid_request_error'],
  422: ['invalid_request_error', 'idempotency_error'],
  429: ['rate_limit_error'],
  431: ['invalid_request_error'],
  500: ['api_error'],
  502: ['provider_error'],
  503: ['api_error'],
  504: ['provider_error'],
};

describe('error codes', () => {
  it('lists each code once, in the snake_case the API documents', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
    expect(ERROR_CODES.length).toBe(Object.keys(ERROR_TABLE).length);
  });

  it("gives each code one status, and a type that belongs to that status's family", () => {
    for (const code of ERROR_CODES) {
      expect({ code, ok: TYPES_BY_STATUS[statusOf(code)]?.includes(typeOf(code)) }).toEqual({ code, ok: true });
    }
  });

  it('has an example in OpenAPI only for codes of the closed set', () => {
    for (const code of Object.keys(ERROR_EXAMPLES)) expect(isErrorCode(code)).toBe(true);
  });

  it('takes the status and type from the table, not from the thrower', () => {
    const e = new DomainError({ code: 'merchant_suspended', message: 'x' });
    expect([e.status, e.type]).toEqual([403, 'permission_error']);
    expect(conflict('payment_invalid_state', 'x').status).toBe(409);
    expect(permissionError('channel_not_enabled', 'x').status).toBe(403);
    const timeout = new DomainError({ code: 'provider_timeout', message: 'x' });
    expect([timeout.status, timeout.type]).toEqual([504, 'provider_error']);
  });

  it('refuses a code outside the set, or a helper whose status the code does not have, at compile time', () => {
    const ok: ErrorCode = 'payment_invalid_state';
    // @ts-expect-error: not a stable code
    const misspelt: ErrorCode = 'payment_invalid_status';
    expect(isErrorCode(ok)).toBe(true);
    expect(isErrorCode(misspelt)).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    // Never called: the checks are the type checker's.
    const refused = [
      // @ts-expect-error: domain errors take only codes of the set
      () => invalidRequest('made_up_code', 'x'),
      // @ts-expect-error: payment_invalid_state is a 409, so invalidRequest (400) does not take it
      () => invalidRequest('payment_invalid_state', 'x'),
    ];
    expect(refused).toHaveLength(2);
  });

  it('is the table docs/api.md shows (npm run openapi writes it)', () => {
    const api = readFileSync(resolve(__dirname, '../../../docs/api.md'), 'utf8');
    expect(api).toContain(renderErrorTable());
  });
});
