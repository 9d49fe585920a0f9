import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

const PURGE_BATCH = 5000;

/**
 * Hot-path SQL of request verification: one insert per nonce (the key, its
 * app and its merchant come from the merchants' read port, in memory).
 */
@Injectable()
export class AuthRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records a nonce; false when the app already used it and it has not
   * expired. An expired row that the purge has not reached yet is reused
   * in place, so the purge's timing never decides whether a request passes.
   */
  async claimNonce(appId: string, merchantId: string, nonce: string, ttlSeconds: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO request_nonces (app_id, nonce, merchant_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))
       ON CONFLICT (app_id, nonce, merchant_id) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE request_nonces.expires_at < now()
       RETURNING 1`,
      [appId, nonce, merchantId, ttlSeconds],
    );
    return rows.length === 1;
  }

  /**
   * Refills the app's shared bucket and takes up to `want` tokens from it,
   * in one round trip under the bucket row's lock (migration
   * 1764900000000-config-cache). `tokensLeft` is what the bucket holds after.
   */
  async takeTokens(
    appId: string,
    capacity: number,
    refillPerMs: number,
    want: number,
  ): Promise<{ granted: number; tokensLeft: number }> {
    const rows: Array<{ granted: number; tokens_left: number }> = await this.dataSource.query(
      `SELECT granted, tokens_left FROM paygrid_take_tokens($1, $2, $3, $4)`,
      [appId, capacity, refillPerMs, want],
    );
    return { granted: rows[0].granted, tokensLeft: rows[0].tokens_left };
  }

  /** A bucket untouched for a whole period has refilled completely: its row says nothing a new one would not. */
  async purgeIdleRateLimitBuckets(periodSeconds = 60): Promise<void> {
    await this.dataSource.query(`DELETE FROM rate_limit_buckets WHERE updated_at < now() - make_interval(secs => $1)`, [
      periodSeconds,
    ]);
  }

  /**
   * Deletes expired rows in bounded batches. Safe on several replicas at
   * once: concurrent deletes of the same row simply skip it.
   */
  async purgeExpired(table: 'request_nonces' | 'idempotency_keys', maxBatches = 20): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const [, count] = (await this.dataSource.query(
        `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${table} WHERE expires_at < now() LIMIT ${PURGE_BATCH}))`,
      )) as [unknown, number];
      total += count;
      if (count < PURGE_BATCH) break;
    }
    return total;
  }
}
