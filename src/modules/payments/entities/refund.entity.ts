import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';
import type { RefundStatus } from '../payment-state-machine';

export const REFUND_ATTENTIONS = ['provider_abnormal'] as const;
export type RefundAttention = (typeof REFUND_ATTENTIONS)[number];

@Entity('refunds')
@Index('refunds_app_out_refund_no_key', ['appId', 'outRefundNo', 'merchantId'], { unique: true })
@Index('refunds_payment_id_idx', ['paymentId'])
@Index('refunds_merchant_id_idx', ['merchantId', 'id'])
@Index('refunds_attention_idx', ['attention', 'id'], { where: 'attention IS NOT NULL' })
@Index('refunds_next_check_idx', ['nextCheckAt'], { where: 'next_check_at IS NOT NULL' })
export class Refund {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ name: 'app_id', type: 'text' }) appId: string;
  @Column({ name: 'payment_id', type: 'text' }) paymentId: string;
  @Column({ name: 'out_refund_no', type: 'text' }) outRefundNo: string;
  @Column({ type: 'bigint', transformer: bigintTransformer }) amount: bigint;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'text' }) status: RefundStatus;
  /** `merchant` (API), `admin` (on the merchant's behalf) or `late_success` (automatic, money never the merchant's). */
  @Column({ type: 'text', default: 'merchant' }) kind: 'merchant' | 'admin' | 'late_success';
  @Column({ name: 'fee_refunded', type: 'bigint', default: 0, transformer: bigintTransformer }) feeRefunded: bigint;
  @Column({ name: 'provider_refund_id', type: 'text', nullable: true }) providerRefundId: string | null;
  @Column({ name: 'provider_state', type: 'text', default: 'creating' }) providerState:
    'creating' | 'created' | 'unknown';
  @Column({ name: 'failure_code', type: 'text', nullable: true }) failureCode: string | null;
  @Column({ name: 'failure_message', type: 'text', nullable: true }) failureMessage: string | null;
  /**
   * Set while the refund is pending and an operator must act:
   * `provider_abnormal` (WeChat ABNORMAL: retry through apply-abnormal-refund or resolve by hand).
   */
  @Column({ type: 'text', nullable: true }) attention: RefundAttention | null;
  @Column({ name: 'attention_since', type: 'timestamptz', nullable: true }) attentionSince: Date | null;
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true }) nextCheckAt: Date | null;
  @Column({ name: 'check_attempts', type: 'integer', default: 0 }) checkAttempts: number;
  @Column({ name: 'succeeded_at', type: 'timestamptz', nullable: true }) succeededAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
