import { ERROR_EXAMPLES } from '../http/openapi-error-examples';
import { DomainError, invalidRequest } from './domain-error';
import { ERROR_CODES, ErrorCode, isErrorCode } from './error-codes';

describe('error codes', () => {
  it('lists each code once, in the snake_case the API documents', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
  });

  it('has an example in OpenAPI only for codes of the closed set', () => {
    for (const code of Object.keys(ERROR_EXAMPLES)) expect(isErrorCode(code)).toBe(true);
  });

  it('refuses a code outside the set at compile time', () => {
    const ok: ErrorCode = 'payment_invalid_state';
    // @ts-expect-error: not a stable code
    const misspelt: ErrorCode = 'payment_invalid_status';
    expect(isErrorCode(ok)).toBe(true);
    expect(isErrorCode(misspelt)).toBe(false);
    // @ts-expect-error: domain errors take only codes of the set
    const e: DomainError = invalidRequest('made_up_code', 'x');
    expect(e.code).toBe('made_up_code');
  });
});
