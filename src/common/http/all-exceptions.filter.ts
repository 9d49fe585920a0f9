import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '../../persistence/connection-errors';
import { DomainError, ErrorCode, serviceUnavailable } from '../errors/domain-error';
import type { ErrorBody } from './error-response';
import { RequestWithId, assignRequestId } from './request-id.middleware';

/** Body-parser and framework errors carry a `type`/`status`; map them to stable codes. */
function fromHttpException(err: HttpException): DomainError {
  const status = err.getStatus();
  const response = err.getResponse() as { message?: string | string[] } | string;
  const message =
    typeof response === 'string'
      ? response
      : Array.isArray(response.message)
        ? response.message.join('; ')
        : (response.message ?? err.message);
  if (status === 503 && typeof response === 'object' && 'details' in response) {
    // Terminus readiness: keep which dependency is down, inside the one error shape.
    return new DomainError({
      code: 'service_unavailable',
      message: 'A dependency is unavailable',
      details: { details: (response as { details: unknown }).details },
      headers: { 'Retry-After': '5' },
    });
  }
  if (err instanceof ThrottlerException || status === 429) {
    return new DomainError({
      code: 'rate_limited',
      message: 'Too many requests',
    });
  }
  // Framework statuses become codes of the table; the table then fixes the status sent (an unlisted 4xx is 400).
  const byStatus: Record<number, [ErrorCode, string]> = {
    400: ['parameter_invalid', message],
    401: ['unauthenticated', message],
    403: ['forbidden', message],
    404: ['route_not_found', message],
    405: ['method_not_allowed', message],
    413: ['body_too_large', 'The request body is larger than the server accepts'],
    415: ['unsupported_media_type', message],
  };
  const [code, msg] =
    byStatus[status] ??
    (status >= 500 ? ['internal_error', 'An internal error occurred'] : ['invalid_request', message]);
  return new DomainError({ code, message: msg });
}

/** Errors raised by body-parser before Nest sees the request (malformed JSON, too large). */
function fromBodyParser(err: { type?: string; status?: number; message?: string }): DomainError | undefined {
  if (err.type === 'entity.too.large') {
    return new DomainError({
      code: 'body_too_large',
      message: 'The request body is larger than the server accepts',
    });
  }
  if (err.type === 'entity.parse.failed') {
    return new DomainError({
      code: 'body_malformed',
      message: 'The request body is not valid JSON',
    });
  }
  if (err.type && err.status && err.status >= 400 && err.status < 500) {
    // body-parser's 415s (charset.unsupported, encoding.unsupported) and 413s (parameters.too.many) keep their
    // meaning; any other refusal of the body is a 400.
    const code: ErrorCode =
      err.status === 415 ? 'unsupported_media_type' : err.status === 413 ? 'body_too_large' : 'body_invalid';
    return new DomainError({ code, message: err.message ?? 'Invalid body' });
  }
  return undefined;
}

export function toDomainError(exception: unknown): DomainError | undefined {
  if (exception instanceof DomainError) return exception;
  if (exception instanceof HttpException) {
    const cause = (exception as { cause?: unknown }).cause;
    const parsed = cause ? fromBodyParser(cause as { type?: string }) : undefined;
    return parsed ?? fromHttpException(exception);
  }
  const parsed = fromBodyParser(exception as { type?: string });
  if (parsed) return parsed;
  // A lost, refused, timed-out or failing-over database is an outage, not a bug: the client may retry
  // (with the same Idempotency-Key), so answer 503 with Retry-After instead of 500.
  if (isDatabaseUnavailable(exception)) return serviceUnavailable('The database is temporarily unavailable; retry');
  return undefined;
}

export function errorBody(err: DomainError, requestId: string): ErrorBody {
  return {
    error: {
      type: err.type,
      code: err.code,
      message: err.message,
      ...(err.param ? { param: err.param } : {}),
      ...(err.details ?? {}),
      request_id: requestId,
    },
  };
}

/** One filter for every error: docs/api.md's shape, a request id, and no internals for unknown errors. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<RequestWithId>();
    const requestId = assignRequestId(req, res);
    let err = toDomainError(exception);
    if (err?.code === 'service_unavailable' && !err.details) {
      this.logger.warn({ request_id: requestId, reason: (exception as Error).message }, 'Dependency unavailable');
    }
    if (!err) {
      this.logger.error({ err: exception, request_id: requestId }, 'Unhandled error');
      err = new DomainError({
        code: 'internal_error',
        message: 'An internal error occurred',
      });
    }
    if (res.headersSent) return;
    // The access log line names the code (observability/logging.ts).
    res.locals.errorCode = err.code;
    for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
    res.status(err.status).json(errorBody(err, requestId));
  }
}
