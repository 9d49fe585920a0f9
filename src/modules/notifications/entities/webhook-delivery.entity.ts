import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

/**
 * One event to one app's endpoint (`whd_…`). `next_attempt_at` doubles as a
 * lease: a sender pushes it past the timeout before it sends, so another
 * instance does not pick the same delivery while it is in flight.
 */
@Entity('webhook_deliveries')
@Index('webhook_deliveries_event_app_key', ['eventId', 'appId', 'merchantId'], { unique: true })
@Index('webhook_deliveries_due_idx', ['appId', 'nextAttemptAt'], { where: "status = 'pending'" })
@Index('webhook_deliveries_merchant_id_idx', ['merchantId', 'id'])
export class WebhookDelivery {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType: string;

  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ name: 'app_id', type: 'text' })
  appId: string;

  @Column({ type: 'text', default: 'pending' })
  status: WebhookDeliveryStatus;

  /** Attempts made so far, manual redeliveries included. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Position in the retry schedule; a redelivery restarts it. */
  @Column({ name: 'schedule_step', type: 'integer', default: 0 })
  scheduleStep: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'last_latency_ms', type: 'integer', nullable: true })
  lastLatencyMs: number | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
