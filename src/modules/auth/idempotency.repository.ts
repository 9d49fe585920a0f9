import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IdempotencyKey } from './entities/idempotency-key.entity';
import { SENTINEL_APPLICATION_PREFIX } from './process-sentinel';

export interface Reservation {
  appId: string;
  merchantId: string;
  key: string;
  requestHash: string;
  requestId: string;
  /** ProcessSentinel id of the process running the request, or null (lease only). */
  holder: string | null;
  leaseSeconds: number;
  ttlSeconds: number;
}

export type ReserveOutcome = { owned: true } | { owned: false; existing: IdempotencyKey };

/**
 * The idempotency table. Every statement runs on its own (autocommit), never
 * inside a handler's transaction: the key must be visible to concurrent
 * retries before the handler starts and must survive the handler's rollback.
 */
@Injectable()
export class IdempotencyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims the key for this request, atomically. The insert also takes over
   * a row that expired but was not purged yet, and an in-progress row of the
   * same request whose holder is gone: its lease ran out, or the process
   * that held it has no liveness session any more (process-sentinel.ts: it
   * was killed), which is known at once. Otherwise the
   * existing row is returned for the caller to decide 422, 409 or replay.
   */
  async reserve(r: Reservation): Promise<ReserveOutcome> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed: unknown[] = await this.dataSource.query(
        `INSERT INTO idempotency_keys (app_id, idempotency_key, merchant_id, request_hash, request_id, holder, status, locked_until, created_at, expires_at)
         VALUES ($1, $2, $9, $3, $4, $7, 'in_progress', now() + make_interval(secs => $5), now(), now() + make_interval(secs => $6))
         ON CONFLICT (app_id, idempotency_key, merchant_id) DO UPDATE SET
           request_hash = EXCLUDED.request_hash, request_id = EXCLUDED.request_id, holder = EXCLUDED.holder, status = 'in_progress',
           response_status = NULL, response_body = NULL, locked_until = EXCLUDED.locked_until,
           created_at = EXCLUDED.created_at, completed_at = NULL, expires_at = EXCLUDED.expires_at
         WHERE idempotency_keys.expires_at < now()
            OR (idempotency_keys.status = 'in_progress' AND idempotency_keys.request_hash = EXCLUDED.request_hash
                AND (idempotency_keys.locked_until < now()
                     OR (idempotency_keys.holder IS NOT NULL AND NOT EXISTS (
                           SELECT 1 FROM pg_stat_activity WHERE application_name = $8 || idempotency_keys.holder))))
         RETURNING 1`,
        [
          r.appId,
          r.key,
          r.requestHash,
          r.requestId,
          r.leaseSeconds,
          r.ttlSeconds,
          r.holder,
          SENTINEL_APPLICATION_PREFIX,
          r.merchantId,
        ],
      );
      if (claimed.length === 1) return { owned: true };
      const existing = await this.dataSource.manager.findOneBy(IdempotencyKey, {
        appId: r.appId,
        idempotencyKey: r.key,
        merchantId: r.merchantId,
      });
      // Gone between the two statements (released after a validation error, or purged): claim again.
      if (existing) return { owned: false, existing };
    }
    throw new Error('Could not reserve the idempotency key');
  }

  /** Stores the response; only the request holding the key may, and only once. */
  async complete(appId: string, key: string, requestId: string, status: number, body: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET status = 'completed', response_status = $4, response_body = $5, completed_at = now()
        WHERE app_id = $1 AND idempotency_key = $2 AND request_id = $3 AND status = 'in_progress'`,
      [appId, key, requestId, status, body],
    );
  }

  /** Extends the lease of a key this request still holds (its handler is still running). */
  async renew(appId: string, key: string, requestId: string, leaseSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => $4)
        WHERE app_id = $1 AND idempotency_key = $2 AND request_id = $3 AND status = 'in_progress'`,
      [appId, key, requestId, leaseSeconds],
    );
  }

  /** Frees the key when the handler never ran (the request failed validation). */
  async release(appId: string, key: string, requestId: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE app_id = $1 AND idempotency_key = $2 AND request_id = $3 AND status = 'in_progress'`,
      [appId, key, requestId],
    );
  }
}
