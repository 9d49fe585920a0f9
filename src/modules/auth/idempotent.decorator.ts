import { UseInterceptors, applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { ApiErrors } from '../../common/http/api-errors.decorator';

/**
 * Makes a `POST` handler of a `@SignedApi` controller idempotent per app
 * (docs/api.md "Idempotency"): the same `Idempotency-Key` and body within 24 h
 * replays the first response with `Idempotent-Replayed: true`.
 */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 255 },
      description:
        'Retry safely: within 24 h the same key and body return the first response again (with `Idempotent-Replayed: true`). The SDK sets one on every POST.',
    }),
    ApiErrors(['idempotency_request_in_progress', 'the first request with this key is still running']),
    ApiErrors(['idempotency_key_reused', 'this key was used with another request body']),
  );
}
