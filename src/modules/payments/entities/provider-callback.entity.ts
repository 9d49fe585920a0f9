import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Every callback a provider sent, raw, with what we made of it (verified, applied, duplicate, parked, rejected).
 * Stored before it is parsed, so before its payment (and merchant) is known, and for an unverified or unknown
 * order never: a platform-wide intake log, not a merchant's table (docs/scaling.md).
 */
@Entity('provider_callbacks')
@Index('provider_callbacks_parked_idx', ['providerOrderId'], { where: "outcome = 'parked'" })
export class ProviderCallback {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ type: 'text' }) provider: string;
  @Column({ name: 'notification_id', type: 'text', nullable: true }) notificationId: string | null;
  @Column({ name: 'provider_order_id', type: 'text', nullable: true }) providerOrderId: string | null;
  @Column({ type: 'boolean' }) verified: boolean;
  @Column({ type: 'text' }) outcome: string;
  @Column({ type: 'text', nullable: true }) detail: string | null;
  /** The body as received (signed bytes; card callbacks never carry card data). */
  @Column({ name: 'raw_body', type: 'text' }) rawBody: string;
  @Column({ type: 'jsonb', nullable: true }) parsed: Record<string, unknown> | null;
  @Column({ name: 'received_at', type: 'timestamptz' }) receivedAt: Date;
  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true }) appliedAt: Date | null;
}
