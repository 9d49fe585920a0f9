import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The timeline: one append-only row per status change of a payment or refund. */
@Entity('payment_transitions')
@Index('payment_transitions_payment_id_idx', ['paymentId', 'id'])
export class PaymentTransition {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ name: 'payment_id', type: 'text' }) paymentId: string;
  @Column({ name: 'refund_id', type: 'text', nullable: true }) refundId: string | null;
  @Column({ name: 'from_status', type: 'text', nullable: true }) fromStatus: string | null;
  @Column({ name: 'to_status', type: 'text' }) toStatus: string;
  @Column({ type: 'text' }) cause: string;
  /** Who or what: the app id, admin token id, provider notification id… */
  @Column({ type: 'text', nullable: true }) actor: string | null;
  @Column({ type: 'jsonb', nullable: true }) detail: Record<string, unknown> | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
