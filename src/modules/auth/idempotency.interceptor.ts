import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { Observable, of } from 'rxjs';
import { AuthErrors } from './auth.errors';
import { IdempotencyKey } from './entities/idempotency-key.entity';
import { IdempotencyRepository } from './idempotency.repository';
import { SignedRequestHolder, merchantContextOf } from './merchant-context';
import { ProcessSentinel } from './process-sentinel';
import { rawHeaderValues } from './merchant-signature.guard';

/** docs/api.md: keys are kept 24 h per app. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/**
 * How long an in-progress key is held before a retry of the same request may
 * take it over. The holder renews the lease every third of it while its
 * handler runs, so a slow request keeps its key while a holder that died (or
 * whose final write failed because the database was down) frees it within
 * this many seconds instead of minutes.
 */
export const IDEMPOTENCY_LEASE_SECONDS = 15;
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

// Nest 12 marks a request whose pipes rejected it (the handler never ran) with this registered symbol.
const REJECTED_BY_PIPES = Symbol.for('nestjs:rejected-by-pipes');
const KEY_SYNTAX = /^[\x20-\x7E]{1,255}$/;
const CLAIMED_KEY = Symbol('paygrid.idempotency-key');

/**
 * The Idempotency-Key this request holds, if any: a handler stores it with
 * what it creates, so a retry under the same key (after this process died)
 * recognises its own half-done work and completes it.
 */
export function claimedIdempotencyKey(req: object): string | undefined {
  return (req as Record<symbol, string | undefined>)[CLAIMED_KEY];
}

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

  constructor(
    private readonly repo: IdempotencyRepository,
    private readonly sentinel: ProcessSentinel,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const req = http.getRequest<SignedRequestHolder>();
    const res = http.getResponse<Response>();
    if (req.method !== 'POST') return next.handle();
    const values = rawHeaderValues(req.rawHeaders, 'idempotency-key');
    if (values.length === 0) return next.handle();
    if (values.length > 1) throw AuthErrors.idempotencyKeyInvalid('Send one Idempotency-Key header');
    const key = values[0];
    if (!KEY_SYNTAX.test(key))
      throw AuthErrors.idempotencyKeyInvalid('Idempotency-Key must be 1-255 printable ASCII characters');

    const { appId, merchantId, requestId } = merchantContextOf(req);
    const requestHash = idempotencyRequestHash(req.method, req.originalUrl, req.rawBody ?? Buffer.alloc(0));
    const outcome = await this.repo.reserve({
      appId,
      merchantId,
      key,
      requestHash,
      requestId,
      holder: this.sentinel.holder,
      leaseSeconds: IDEMPOTENCY_LEASE_SECONDS,
      ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    });
    if (outcome.owned) {
      (req as unknown as Record<symbol, string>)[CLAIMED_KEY] = key;
      const renew = setInterval(
        () => void this.repo.renew(appId, key, requestId, IDEMPOTENCY_LEASE_SECONDS).catch(() => undefined),
        (IDEMPOTENCY_LEASE_SECONDS * 1000) / 3,
      );
      renew.unref();
      res.once('close', () => clearInterval(renew));
      this.captureResponse(req, res, appId, key, requestId, () => clearInterval(renew));
      return next.handle();
    }
    const existing = outcome.existing;
    if (existing.requestHash !== requestHash) throw AuthErrors.idempotencyKeyReused();
    if (existing.status !== 'completed') throw AuthErrors.idempotencyInProgress();
    this.replay(res, existing);
    // Nest replies with no body; the send wrapper installed by replay() writes the stored response instead.
    return of(undefined);
  }

  private captureResponse(
    req: SignedRequestHolder,
    res: Response,
    appId: string,
    key: string,
    requestId: string,
    stopRenewing: () => void,
  ): void {
    const send = res.send;
    let settled = false;
    res.send = (body?: unknown): Response => {
      const text = bodyText(body);
      if (settled || text === undefined) return send.call(res, body);
      settled = true;
      stopRenewing();
      const rejectedByPipes = (req as unknown as Record<symbol, unknown>)[REJECTED_BY_PIPES] === true;
      // A 503 is an outage answer (the database or a dependency was unreachable), meant to be retried with the
      // same key: storing it would replay the outage forever, so the key is freed for the retry instead.
      const write =
        rejectedByPipes || res.statusCode === 503
          ? this.repo.release(appId, key, requestId)
          : this.repo.complete(appId, key, requestId, res.statusCode, text);
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
