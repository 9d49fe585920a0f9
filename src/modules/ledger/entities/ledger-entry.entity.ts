import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/**
 * A journal entry (`je_…`): two or more postings that balance per currency.
 * Append-only: triggers refuse UPDATE, DELETE and TRUNCATE; a deferred
 * constraint trigger refuses to commit an entry that does not balance.
 */
@Entity('ledger_entries')
@Index('ledger_entries_external_id_key', ['externalId'], { unique: true })
@Index('ledger_entries_reverses_entry_id_key', ['reversesEntryId'], { unique: true })
@Index('ledger_entries_reference_idx', ['referenceType', 'referenceId'])
@Index('ledger_entries_merchant_id_idx', ['merchantId'])
@Index('ledger_entries_merchant_occurred_at_idx', ['merchantId', 'occurredAt'])
@Check('ledger_entries_not_self_reversal', `reverses_entry_id IS NULL OR reverses_entry_id <> id`)
export class LedgerEntry {
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** The business event's own id (e.g. `payment:pay_…:captured`); one entry per event. */
  @Column({ name: 'external_id', type: 'text' })
  externalId: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ name: 'reference_type', type: 'text' })
  referenceType: string;

  @Column({ name: 'reference_id', type: 'text' })
  referenceId: string;

  @Column({ name: 'merchant_id', type: 'text', nullable: true })
  merchantId: string | null;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Corrections are linked reversals; an entry is reversed at most once (unique index). */
  @Column({ name: 'reverses_entry_id', type: 'text', nullable: true })
  reversesEntryId: string | null;

  @ManyToOne(() => LedgerEntry)
  @JoinColumn({ name: 'reverses_entry_id', foreignKeyConstraintName: 'ledger_entries_reverses_entry_id_fkey' })
  reverses?: LedgerEntry;

  /** Business time of the event (a payment's success); settlement days are cut on it. */
  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
