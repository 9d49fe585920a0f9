import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { Observable, of } from 'rxjs';
import { AuthErrors } from './auth.errors';
import { IdempotencyKey } from './entities/idempotency-key.entity';
import { IdempotencyRepository } from './idempotency.repository';
import { SignedRequestHolder, merchantContextOf } from './merchant-context';
import { rawHeaderValues } from './merchant-signature.guard';

/** API.md: keys are kept 24 h per app. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/**
 * How long an in-progress key is held before a retry of the same request may
 * take it over. Only matters when the process holding it died; longer than
 * any handler runs (provider calls time out well before).
 */
export const IDEMPOTENCY_LEASE_SECONDS = 5 * 60;
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

// Nest 12 marks a request whose pipes rejected it (the handler never ran) with this registered symbol.
const REJECTED_BY_PIPES = Symbol.for('nestjs:rejected-by-pipes');
const KEY_SYNTAX = /^[\x20-\x7E]{1,255}$/;

export function idempotencyRequestHash(method: string, pathWithQuery: string, body: Buffer): string {
  return createHash('sha256').update(`${method.toUpperCase()}\n${pathWithQuery}\n`, 'utf8').update(body).digest('hex');
}

/**
 * `@Idempotent()` routes: the key is claimed in its own statement before the
 * handler runs; the response is stored from inside `res.send`, so it is the
 * exact status and bytes the client gets, whether the handler or the
 * exception filter wrote them (Stripe stores errors once execution began,
 * 500s included). A request whose validation failed stores nothing and
 * frees the key. The row is written before the response leaves, so a retry
 * after a response never sees the key still in progress.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(private readonly repo: IdempotencyRepository) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const req = http.getRequest<SignedRequestHolder>();
    const res = http.getResponse<Response>();
    if (req.method !== 'POST') return next.handle();
    const values = rawHeaderValues(req.rawHeaders, 'idempotency-key');
    if (values.length === 0) return next.handle();
    if (values.length > 1) throw AuthErrors.idempotencyKeyInvalid('Send one Idempotency-Key header');
    const key = values[0];
    if (!KEY_SYNTAX.test(key)) throw AuthErrors.idempotencyKeyInvalid('Idempotency-Key must be 1-255 printable ASCII characters');

    const { appId, requestId } = merchantContextOf(req);
    const requestHash = idempotencyRequestHash(req.method, req.originalUrl, req.rawBody ?? Buffer.alloc(0));
    const outcome = await this.repo.reserve({
      appId,
      key,
      requestHash,
      requestId,
      leaseSeconds: IDEMPOTENCY_LEASE_SECONDS,
      ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    });
    if (outcome.owned) {
      this.captureResponse(req, res, appId, key, requestId);
      return next.handle();
    }
    const existing = outcome.existing;
    if (existing.requestHash !== requestHash) throw AuthErrors.idempotencyKeyReused();
    if (existing.status !== 'completed') throw AuthErrors.idempotencyInProgress();
    this.replay(res, existing);
    // Nest replies with no body; the send wrapper installed by replay() writes the stored response instead.
    return of(undefined);
  }

  private captureResponse(req: SignedRequestHolder, res: Response, appId: string, key: string, requestId: string): void {
    const send = res.send;
    let settled = false;
    res.send = (body?: unknown): Response => {
      const text = bodyText(body);
      if (settled || text === undefined) return send.call(res, body);
      settled = true;
      const rejectedByPipes = (req as unknown as Record<symbol, unknown>)[REJECTED_BY_PIPES] === true;
      const write = rejectedByPipes ? this.repo.release(appId, key, requestId) : this.repo.complete(appId, key, requestId, res.statusCode, text);
      write
        .catch((err: unknown) => {
          // The key stays in progress until its lease ends; then a retry of the same request may run it.
          this.logger.error({ err, request_id: requestId }, 'Could not store the idempotent response');
        })
        .finally(() => send.call(res, body));
      return res;
    };
  }

  private replay(res: Response, row: IdempotencyKey): void {
    const send = res.send;
    res.send = (): Response => {
      res.status(row.responseStatus!);
      res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      return send.call(res, row.responseBody!);
    };
  }
}

/** The text Express will send, or undefined when `send` re-enters itself through `json()`. */
function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return undefined;
}
