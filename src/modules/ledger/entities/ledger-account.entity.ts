import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';
import type { AccountCode, AccountType } from '../chart-of-accounts';

/**
 * One account per (code, currency, merchant, subkey), created on first use;
 * a hot platform account is several rows, one per shard (docs/ledger.md).
 * Balance columns are written only by the `ledger_apply_posting` trigger when
 * a posting is inserted (a guard trigger refuses any other UPDATE), so the
 * cached balance cannot disagree with the postings.
 */
@Entity('ledger_accounts')
@Index('ledger_accounts_identity_key', ['code', 'currency', 'merchantId', 'subkey', 'shard'], { unique: true })
@Index('ledger_accounts_merchant_id_idx', ['merchantId'])
@Check('ledger_accounts_shard_check', `shard >= 0`)
@Check('ledger_accounts_type_check', `type IN ('asset', 'liability', 'revenue', 'expense')`)
@Check('ledger_accounts_non_negative', `NOT non_negative OR balance >= 0`)
@Check(
  'ledger_accounts_totals_check',
  `debits_posted >= 0 AND credits_posted >= 0 AND posting_count >= 0 AND balance = CASE WHEN type IN ('asset', 'expense') THEN debits_posted - credits_posted ELSE credits_posted - debits_posted END`,
)
export class LedgerAccount {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  code: AccountCode;

  @Column({ type: 'text' })
  type: AccountType;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'merchant_id', type: 'text', nullable: true })
  merchantId: string | null;

  @Column({ type: 'text', nullable: true })
  subkey: string | null;

  /** 0 for most accounts; 0..n-1 for the chart's sharded platform accounts, whose balance is the sum over shards. */
  @Column({ type: 'smallint', default: 0 })
  shard: number;

  /** Balance may never go below zero (merchant balances); enforced by a CHECK, so also under concurrency. */
  @Column({ name: 'non_negative', type: 'boolean' })
  nonNegative: boolean;

  /** In the account's normal direction: debits - credits for assets and expenses, credits - debits otherwise. */
  @Column({ type: 'bigint', default: 0, transformer: bigintTransformer })
  balance: bigint;

  @Column({ name: 'debits_posted', type: 'bigint', default: 0, transformer: bigintTransformer })
  debitsPosted: bigint;

  @Column({ name: 'credits_posted', type: 'bigint', default: 0, transformer: bigintTransformer })
  creditsPosted: bigint;

  /** Also the `account_seq` of the latest posting: a per-account version. */
  @Column({ name: 'posting_count', type: 'bigint', default: 0, transformer: bigintTransformer })
  postingCount: bigint;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
