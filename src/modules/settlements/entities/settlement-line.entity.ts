import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';

export type SettlementLineKind = 'payment' | 'refund' | 'adjustment';

/**
 * One ledger entry a settlement covers. The unique ledger_entry_id is what
 * "not yet settled" means: an entry can be claimed by one settlement only.
 */
@Entity('settlement_lines')
@Index('settlement_lines_ledger_entry_id_key', ['ledgerEntryId', 'merchantId'], { unique: true })
@Index('settlement_lines_settlement_id_idx', ['settlementId', 'id'])
export class SettlementLine {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ name: 'settlement_id', type: 'text' }) settlementId: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ name: 'ledger_entry_id', type: 'text' }) ledgerEntryId: string;
  @Column({ type: 'text' }) kind: SettlementLineKind;
  @Column({ name: 'entry_type', type: 'text' }) entryType: string;
  @Column({ name: 'reference_type', type: 'text' }) referenceType: string;
  /** The payment (`pay_…`) or refund (`re_…`) id. */
  @Column({ name: 'reference_id', type: 'text' }) referenceId: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
  /** Captured (+) or refunded (−) amount. */
  @Column({ name: 'gross_amount', type: 'bigint', transformer: bigintTransformer }) grossAmount: bigint;
  /** Fee charged (+) or returned (−). */
  @Column({ name: 'fee_amount', type: 'bigint', transformer: bigintTransformer }) feeAmount: bigint;
  /** gross − fee: the change to the merchant's money. */
  @Column({ name: 'net_amount', type: 'bigint', transformer: bigintTransformer }) netAmount: bigint;
  /** The part of net that went through merchant_pending (a refund taken from available has 0). */
  @Column({ name: 'pending_amount', type: 'bigint', transformer: bigintTransformer }) pendingAmount: bigint;
}
