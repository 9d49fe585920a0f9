import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';

export type ReconciliationCategory =
  'matched' | 'missing_here' | 'missing_at_provider' | 'amount_mismatch' | 'status_mismatch';
/** none: nothing to do (matched); resolved: fixed automatically or by an admin; open: on the exception list. */
export type ReconciliationResolution = 'none' | 'resolved' | 'open';

/** One payment or refund compared between the statement and the ledger, with the evidence. */
@Entity('reconciliation_items')
@Index('reconciliation_items_report_id_idx', ['reportId', 'id'])
@Index('reconciliation_items_resolution_idx', ['resolution', 'id'])
export class ReconciliationItem {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ name: 'report_id', type: 'text' }) reportId: string;
  @Column({ type: 'text' }) provider: string;
  @Column({ name: 'business_day', type: 'date' }) businessDay: string;
  @Column({ type: 'text' }) category: ReconciliationCategory;
  @Column({ type: 'text' }) resolution: ReconciliationResolution;
  @Column({ name: 'reference_type', type: 'text' }) referenceType: 'payment' | 'refund';
  @Column({ name: 'reference_id', type: 'text' }) referenceId: string;
  @Column({ type: 'char', length: 3, nullable: true }) currency: string | null;
  @Column({ name: 'statement_amount', type: 'bigint', nullable: true, transformer: bigintTransformer })
  statementAmount: bigint | null;
  @Column({ name: 'ledger_amount', type: 'bigint', nullable: true, transformer: bigintTransformer }) ledgerAmount:
    bigint | null;
  /** The statement line and the ledger entries as they were seen, plus what was done. */
  @Column({ type: 'jsonb' }) evidence: Record<string, unknown>;
  @Column({ name: 'resolved_by', type: 'text', nullable: true }) resolvedBy: string | null;
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt: Date | null;
  @Column({ name: 'resolution_note', type: 'text', nullable: true }) resolutionNote: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
