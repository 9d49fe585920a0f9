import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';
import { refusedNull } from './null-policy';

function firstError(
  errors: ValidationError[],
  prefix = '',
): { param: string; message: string; unknown: boolean } | undefined {
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
 * RELIABILITY B7), transform into DTO classes, and docs/api.md's error shape with
 * the offending `param`.
 */
class PaygridValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Before class-validator: @IsOptional() would let an explicit null through to a NOT NULL column or BigInt().
    if ((metadata.type === 'body' || metadata.type === 'query') && typeof metadata.metatype === 'function') {
      const param = refusedNull(metadata.metatype as abstract new () => unknown, value);
      if (param) {
        throw new DomainError({
          code: 'parameter_invalid',
          message: `${param} must not be null (omit it instead)`,
          param,
        });
      }
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new PaygridValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const first = firstError(errors);
      return new DomainError({
        code: first?.unknown ? 'parameter_unknown' : 'parameter_invalid',
        message: first?.message ?? 'Invalid request',
        param: first?.param,
      });
    },
  });
}
