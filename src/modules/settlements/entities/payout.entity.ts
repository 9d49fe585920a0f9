import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';

export type PayoutStatus = 'awaiting_approval' | 'in_transit' | 'paid' | 'failed';

/**
 * A bank transfer of a merchant's available balance (`po_…`). At most one
 * per settlement (unique settlement_id), so a redelivered
 * settlement.completed cannot pay twice.
 */
@Entity('payouts')
@Index('payouts_settlement_id_key', ['settlementId', 'merchantId'], { unique: true })
@Index('payouts_merchant_id_idx', ['merchantId', 'id'])
@Index('payouts_next_check_idx', ['nextCheckAt'], { where: 'next_check_at IS NOT NULL' })
export class Payout {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'bigint', transformer: bigintTransformer }) amount: bigint;
  @Column({ type: 'text' }) status: PayoutStatus;
  @Column({ name: 'settlement_id', type: 'text', nullable: true }) settlementId: string | null;
  /** The settlement.completed event that started it. */
  @Column({ name: 'event_id', type: 'text', nullable: true }) eventId: string | null;
  /** creating: not sent yet; created: the bank has it; unknown: sent, answer lost (query, then resend with the same id). */
  @Column({ name: 'provider_state', type: 'text', default: 'creating' }) providerState:
    'creating' | 'created' | 'unknown';
  @Column({ name: 'bank_reference', type: 'text', nullable: true }) bankReference: string | null;
  @Column({ name: 'failure_code', type: 'text', nullable: true }) failureCode: string | null;
  @Column({ name: 'failure_message', type: 'text', nullable: true }) failureMessage: string | null;
  @Column({ name: 'approval_required', type: 'boolean', default: false }) approvalRequired: boolean;
  @Column({ name: 'approved_by', type: 'text', nullable: true }) approvedBy: string | null;
  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true }) approvedAt: Date | null;
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true }) nextCheckAt: Date | null;
  @Column({ name: 'check_attempts', type: 'integer', default: 0 }) checkAttempts: number;
  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true }) paidAt: Date | null;
  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true }) failedAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;
}
