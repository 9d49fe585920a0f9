import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppStatus } from '../merchants/entities/app.entity';
import type { AppKeyStatus, AppKeyType } from '../merchants/entities/app-key.entity';
import type { MerchantStatus } from '../merchants/entities/merchant.entity';

/** What request verification needs about a key, read fresh on every request. */
export interface KeyCredentialRow {
  id: string;
  appId: string;
  merchantId: string;
  type: AppKeyType;
  status: AppKeyStatus;
  expiresAt: Date | null;
  secretEnc: string | null;
  publicKeyPem: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  appStatus: AppStatus;
  merchantStatus: MerchantStatus;
}

const PURGE_BATCH = 5000;

/**
 * Hot-path SQL of request verification: one primary-key join to read a key,
 * one insert per nonce, or both in one statement once the key's material is
 * cached.
 */
@Injectable()
export class AuthRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The key with its app's and merchant's status, in one indexed read. Read
   * on every request (never cached), so a revocation or a suspension is seen
   * by every replica on the next request.
   */
  async findKeyCredential(keyId: string): Promise<KeyCredentialRow | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT k.id, k.app_id, k.merchant_id, k.type, k.status, k.expires_at, k.secret_enc, k.public_key_pem,
              k.created_at, k.revoked_at, a.status AS app_status, m.status AS merchant_status
         FROM app_keys k
         JOIN apps a ON a.id = k.app_id
         JOIN merchants m ON m.id = k.merchant_id
        WHERE k.id = $1`,
      [keyId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id as string,
      appId: r.app_id as string,
      merchantId: r.merchant_id as string,
      type: r.type as AppKeyType,
      status: r.status as AppKeyStatus,
      expiresAt: (r.expires_at as Date | null) ?? null,
      secretEnc: (r.secret_enc as string | null) ?? null,
      publicKeyPem: (r.public_key_pem as string | null) ?? null,
      createdAt: r.created_at as Date,
      revokedAt: (r.revoked_at as Date | null) ?? null,
      appStatus: r.app_status as AppStatus,
      merchantStatus: r.merchant_status as MerchantStatus,
    };
  }

  /**
   * The fast path of a request whose signature was already verified with
   * cached key material: reads the key's, app's and merchant's status fresh
   * (so a revocation or a suspension is seen on the next request, as with
   * findKeyCredential) and claims the nonce in the same statement, but only
   * when every status check passes. One round trip instead of two; the
   * caller re-checks the returned statuses in the usual order to pick the
   * error. `row` is null for an unknown key id.
   */
  async keyStatusAndClaimNonce(
    keyId: string,
    appId: string,
    nonce: string,
    ttlSeconds: number,
    now: Date,
  ): Promise<{
    row: Pick<KeyCredentialRow, 'id' | 'appId' | 'merchantId' | 'status' | 'expiresAt' | 'appStatus' | 'merchantStatus'> | null;
    claimed: boolean;
  }> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `WITH k AS (
         SELECT k.id, k.app_id, k.merchant_id, k.status, k.expires_at, a.status AS app_status, m.status AS merchant_status
           FROM app_keys k
           JOIN apps a ON a.id = k.app_id
           JOIN merchants m ON m.id = k.merchant_id
          WHERE k.id = $1
       ), claim AS (
         INSERT INTO request_nonces (app_id, nonce, expires_at)
         SELECT k.app_id, $3, now() + make_interval(secs => $4) FROM k
          WHERE k.app_id = $2 AND k.status <> 'revoked' AND (k.expires_at IS NULL OR k.expires_at > $5)
            AND k.merchant_status = 'active' AND k.app_status = 'active'
         ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE request_nonces.expires_at < now()
         RETURNING 1
       )
       SELECT k.*, EXISTS (SELECT 1 FROM claim) AS claimed FROM k`,
      [keyId, appId, nonce, ttlSeconds, now],
    );
    const r = rows[0];
    if (!r) return { row: null, claimed: false };
    return {
      row: {
        id: r.id as string,
        appId: r.app_id as string,
        merchantId: r.merchant_id as string,
        status: r.status as AppKeyStatus,
        expiresAt: (r.expires_at as Date | null) ?? null,
        appStatus: r.app_status as AppStatus,
        merchantStatus: r.merchant_status as MerchantStatus,
      },
      claimed: r.claimed === true,
    };
  }

  /**
   * Records a nonce; false when the app already used it and it has not
   * expired. An expired row that the purge has not reached yet is reused
   * in place, so the purge's timing never decides whether a request passes.
   */
  async claimNonce(appId: string, nonce: string, ttlSeconds: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO request_nonces (app_id, nonce, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE request_nonces.expires_at < now()
       RETURNING 1`,
      [appId, nonce, ttlSeconds],
    );
    return rows.length === 1;
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
