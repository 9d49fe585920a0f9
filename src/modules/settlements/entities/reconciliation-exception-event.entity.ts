import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A reconciliation exception that has been announced (reconciliation.exception):
 * its identity across re-runs of a day is provider, bill day, reference and
 * category, and `id` (`rcx_…`) is the event's aggregate.
 */
@Entity('reconciliation_exception_events')
@Index('reconciliation_exception_events_key', ['provider', 'businessDay', 'referenceType', 'referenceId', 'category'], {
  unique: true,
})
export class ReconciliationExceptionEvent {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ type: 'text' }) provider: string;
  @Column({ name: 'business_day', type: 'date' }) businessDay: string;
  @Column({ name: 'reference_type', type: 'text' }) referenceType: 'payment' | 'refund';
  @Column({ name: 'reference_id', type: 'text' }) referenceId: string;
  @Column({ type: 'text' }) category: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
