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

/** Hot-path SQL of request verification: one primary-key join to read a key, one insert per nonce. */
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
