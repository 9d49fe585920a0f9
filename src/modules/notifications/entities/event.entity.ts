import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EventType } from '@paygrid/contracts';

/**
 * The outbox and the event store in one table: a row is inserted in the
 * transaction that made the change, the relay publishes it and stamps
 * `published_at`, and `GET /v1/events` and webhook deliveries read it.
 */
@Entity('events')
// Keeps the relay's poll cheap: only unpublished rows are in this index.
@Index('events_unpublished_idx', ['id'], { where: 'published_at IS NULL' })
@Index('events_merchant_id_idx', ['merchantId', 'id'])
@Index('events_aggregate_sequence_key', ['aggregateId', 'aggregateSequence', 'merchantId'], { unique: true })
export class EventRecord {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  type: EventType;

  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ name: 'app_id', type: 'text', nullable: true })
  appId: string | null;

  @Column({ name: 'aggregate_id', type: 'text' })
  aggregateId: string;

  @Column({ name: 'aggregate_sequence', type: 'integer' })
  aggregateSequence: number;

  /** `data.object` of the envelope, as the API shows the object at that moment. */
  @Column({ type: 'jsonb' })
  object: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;
}
