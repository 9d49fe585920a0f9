import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';

function firstError(errors: ValidationError[], prefix = ''): { param: string; message: string; unknown: boolean } | undefined {
  for (const e of errors) {
    const param = prefix ? `${prefix}[${e.property}]` : e.property;
    if (e.constraints) {
      const unknown = 'whitelistValidation' in e.constraints;
      const message = unknown ? `Unknown parameter: ${param}` : Object.values(e.constraints)[0];
      return { param, message, unknown };
    }
    const nested = firstError(e.children ?? [], param);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * The global pipe: whitelist + forbidNonWhitelisted (mass assignment is a 400,
 * RELIABILITY B7), transform into DTO classes, and API.md's error shape with
 * the offending `param`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const first = firstError(errors);
      return new DomainError({
        type: 'invalid_request_error',
        status: 400,
        code: first?.unknown ? 'parameter_unknown' : 'parameter_invalid',
        message: first?.message ?? 'Invalid request',
        param: first?.param,
      });
    },
  });
}
