import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';

/**
 * One merchant's settlement (`stl_…`) for one currency and business day
 * (cut at midnight in the merchant's timezone). Unique per merchant,
 * currency and day: running the same day again returns this row.
 */
@Entity('settlements')
@Index('settlements_merchant_currency_day_key', ['merchantId', 'currency', 'businessDay'], { unique: true })
@Index('settlements_merchant_id_idx', ['merchantId', 'id'])
export class Settlement {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ type: 'char', length: 3 }) currency: string;
  /** YYYY-MM-DD in the merchant's timezone. */
  @Column({ name: 'business_day', type: 'date' }) businessDay: string;
  @Column({ type: 'text' }) timezone: string;
  /** The instant the day ended (local midnight): entries that occurred before it and were not settled yet are in. */
  @Column({ name: 'cutoff_at', type: 'timestamptz' }) cutoffAt: Date;
  @Column({ type: 'text', default: 'completed' }) status: 'completed';
  @Column({ name: 'line_count', type: 'integer' }) lineCount: number;
  /** Σ captured amounts of the payment lines. */
  @Column({ name: 'payments_amount', type: 'bigint', transformer: bigintTransformer }) paymentsAmount: bigint;
  /** Σ refunded amounts of the refund lines (positive). */
  @Column({ name: 'refunds_amount', type: 'bigint', transformer: bigintTransformer }) refundsAmount: bigint;
  /** Σ gross of corrections (reversals), signed. */
  @Column({ name: 'adjustments_amount', type: 'bigint', transformer: bigintTransformer }) adjustmentsAmount: bigint;
  /** Fees charged minus fees returned by refunds. */
  @Column({ name: 'fee_amount', type: 'bigint', transformer: bigintTransformer }) feeAmount: bigint;
  /** payments − refunds + adjustments − fees: what the day earned the merchant. */
  @Column({ name: 'net_amount', type: 'bigint', transformer: bigintTransformer }) netAmount: bigint;
  /** What the lines put into (or took from) merchant_pending. */
  @Column({ name: 'pending_amount', type: 'bigint', transformer: bigintTransformer }) pendingAmount: bigint;
  /** Carried forward by the previous settlement of this merchant and currency. */
  @Column({ name: 'carried_in', type: 'bigint', transformer: bigintTransformer }) carriedIn: bigint;
  /** Moved merchant_pending → merchant_available by this settlement's ledger entry (never negative). */
  @Column({ name: 'transferred_amount', type: 'bigint', transformer: bigintTransformer }) transferredAmount: bigint;
  /** pending + carried_in − transferred: settled by the next settlements (docs/settlement.md "Negative net"). */
  @Column({ name: 'carried_forward', type: 'bigint', transformer: bigintTransformer }) carriedForward: bigint;
  @Column({ name: 'ledger_entry_id', type: 'text', nullable: true }) ledgerEntryId: string | null;
  /** `scheduler`, `cli` or the admin token id that ran it. */
  @Column({ type: 'text' }) actor: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
