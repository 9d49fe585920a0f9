import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One run of statement ↔ ledger matching for a provider and bill day (`rcn_…`). */
@Entity('reconciliation_reports')
@Index('reconciliation_reports_provider_day_idx', ['provider', 'businessDay'])
export class ReconciliationReport {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ type: 'text' }) provider: string;
  /** The provider's bill day (UTC+8 for Alipay, WeChat Pay and the card acquirer). */
  @Column({ name: 'business_day', type: 'date' }) businessDay: string;
  @Column({ name: 'statement_lines', type: 'integer' }) statementLines: number;
  @Column({ name: 'ledger_items', type: 'integer' }) ledgerItems: number;
  @Column({ type: 'integer' }) matched: number;
  @Column({ name: 'missing_here', type: 'integer' }) missingHere: number;
  @Column({ name: 'missing_at_provider', type: 'integer' }) missingAtProvider: number;
  @Column({ name: 'amount_mismatch', type: 'integer' }) amountMismatch: number;
  @Column({ name: 'status_mismatch', type: 'integer' }) statusMismatch: number;
  @Column({ type: 'integer' }) resolved: number;
  @Column({ name: 'open_exceptions', type: 'integer' }) openExceptions: number;
  @Column({ type: 'text' }) actor: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
