import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type IdempotencyKeyStatus = 'in_progress' | 'completed';

/**
 * One `Idempotency-Key` of one app: the hash of the first request and, once
 * it finished, its status and exact response bytes (replayed verbatim).
 */
@Entity('idempotency_keys')
@Index('idempotency_keys_expires_at_idx', ['expiresAt'])
export class IdempotencyKey {
  @PrimaryColumn({ name: 'app_id', type: 'text' })
  appId: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  /** Part of the key: the shard column (docs/scaling.md), copied from the app. */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  /** Hex SHA-256 of method, path and raw body; another body under the same key is a 422. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  /** The request that holds (or held) the key; only it may complete or release the row. */
  @Column({ name: 'request_id', type: 'text' })
  requestId: string;

  /** The process running the request (its ProcessSentinel id): once that process is gone, the key is free. */
  @Column({ type: 'text', nullable: true })
  holder: string | null;

  @Column({ type: 'text', default: 'in_progress' })
  status: IdempotencyKeyStatus;

  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus: number | null;

  /** The JSON text as sent, not jsonb: jsonb reorders keys and a replay must be byte-identical. */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;

  /** Lease of an in-progress row: past it, a crashed holder's key can be taken over by a retry. */
  @Column({ name: 'locked_until', type: 'timestamptz' })
  lockedUntil: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
