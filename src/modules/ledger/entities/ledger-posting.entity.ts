import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';
import type { Direction } from '../chart-of-accounts';
import { LedgerAccount } from './ledger-account.entity';
import { LedgerEntry } from './ledger-entry.entity';

/**
 * One line of a journal entry. Inserting it moves its account's balance (a
 * BEFORE INSERT trigger, under the account's row lock) and records the
 * resulting `balance_after` and the account's sequence number, which is what
 * an account statement prints. Append-only like entries.
 */
@Entity('ledger_postings')
@Index('ledger_postings_account_seq_key', ['accountId', 'accountSeq'], { unique: true })
@Index('ledger_postings_entry_id_idx', ['entryId'])
@Check('ledger_postings_direction_check', `direction IN ('debit', 'credit')`)
@Check('ledger_postings_amount_check', `amount > 0`)
export class LedgerPosting {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'entry_id', type: 'text' })
  entryId: string;

  @ManyToOne(() => LedgerEntry)
  @JoinColumn({ name: 'entry_id', foreignKeyConstraintName: 'ledger_postings_entry_id_fkey' })
  entry?: LedgerEntry;

  @Column({ name: 'account_id', type: 'text' })
  accountId: string;

  @ManyToOne(() => LedgerAccount)
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'ledger_postings_account_id_fkey' })
  account?: LedgerAccount;

  /** Copied from the account by the trigger, so per-currency checks need no join. */
  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'text' })
  direction: Direction;

  @Column({ type: 'bigint', transformer: bigintTransformer })
  amount: bigint;

  @Column({ name: 'balance_after', type: 'bigint', transformer: bigintTransformer })
  balanceAfter: bigint;

  @Column({ name: 'account_seq', type: 'bigint', transformer: bigintTransformer })
  accountSeq: bigint;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
