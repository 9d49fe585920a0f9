import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One HTTP attempt of a delivery: the delivery log. Response bodies are never stored. */
@Entity('webhook_attempts')
@Index('webhook_attempts_delivery_id_idx', ['deliveryId', 'attemptedAt'])
export class WebhookAttempt {
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** Part of the key: the shard column (docs/scaling.md), copied from the delivery. */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ name: 'delivery_id', type: 'text' })
  deliveryId: string;

  @Column({ type: 'text' })
  url: string;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs: number;

  @Column({ type: 'boolean' })
  succeeded: boolean;

  /** `retry`, `manual` (a redelivery) or the first attempt `initial`. */
  @Column({ type: 'text' })
  trigger: string;

  @Column({ name: 'attempted_at', type: 'timestamptz', default: () => 'now()' })
  attemptedAt: Date;
}
