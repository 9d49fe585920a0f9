import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorCode, statusOf } from '../errors/error-codes';
import { ErrorResponseDto } from './error-response.dto';

/** A code a route may answer with, alone or with a note on when. */
export type ApiError = ErrorCode | readonly [ErrorCode, string];

/**
 * OpenAPI error responses of a route, from the codes it names: each code goes
 * under the status ERROR_TABLE gives it, so the document cannot list a code
 * under a status it is never sent with. OpenAPI's examples come from the same
 * codes (openapi-error-examples.ts).
 */
export function ApiErrors(...errors: ApiError[]): ClassDecorator & MethodDecorator {
  const byStatus = new Map<number, string[]>();
  for (const error of errors) {
    const [code, note] = typeof error === 'string' ? [error, undefined] : error;
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), note ? `\`${code}\`: ${note}` : `\`${code}\``]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, parts]) =>
      ApiResponse({ status, description: parts.join('; '), type: ErrorResponseDto }),
    ),
  );
}
