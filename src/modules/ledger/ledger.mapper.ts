import { normalBalance } from './chart-of-accounts';
import type { AccountResponseDto, EntryResponseDto, StatementLineDto, TrialBalanceDto } from './dto/ledger.dto';
import type { LedgerAccount } from './entities/ledger-account.entity';
import type { StatementLine, TrialBalanceByCode } from './ledger-reports.repository';
import type { JournalEntryView, TrialBalanceLine } from './ledger.types';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Money leaves as a JSON integer while Number() is exact; beyond ±(2^53−1) it
 * leaves as a decimal string rather than silently losing digits.
 */
export function jsonAmount(v: bigint): number | string {
  return v <= SAFE && v >= -SAFE ? Number(v) : v.toString();
}

export const toAccountResponse = (a: LedgerAccount): AccountResponseDto => ({
  id: a.id,
  object: 'ledger_account',
  code: a.code,
  type: a.type,
  normal_balance: normalBalance(a.type),
  currency: a.currency,
  merchant_id: a.merchantId,
  subkey: a.subkey,
  shard: a.shard,
  non_negative: a.nonNegative,
  balance: jsonAmount(a.balance),
  debits_posted: jsonAmount(a.debitsPosted),
  credits_posted: jsonAmount(a.creditsPosted),
  posting_count: Number(a.postingCount),
  created_at: a.createdAt.toISOString(),
});

export const toStatementLine = (l: StatementLine): StatementLineDto => ({
  seq: Number(l.accountSeq),
  posting_id: l.postingId,
  entry_id: l.entryId,
  entry_type: l.entryType,
  reference_type: l.referenceType,
  reference_id: l.referenceId,
  description: l.description,
  direction: l.direction,
  amount: jsonAmount(l.amount),
  balance_after: jsonAmount(l.balanceAfter),
  created_at: l.createdAt.toISOString(),
});

export const toEntryResponse = (e: JournalEntryView): EntryResponseDto => ({
  id: e.id,
  object: 'journal_entry',
  external_id: e.externalId,
  type: e.type,
  reference_type: e.referenceType,
  reference_id: e.referenceId,
  merchant_id: e.merchantId,
  description: e.description,
  reverses_entry_id: e.reversesEntryId,
  postings: e.postings.map((p) => ({
    id: p.id,
    account_id: p.accountId,
    account_code: p.account.code,
    currency: p.currency,
    merchant_id: p.account.merchantId ?? null,
    subkey: p.account.subkey ?? null,
    direction: p.direction,
    amount: jsonAmount(p.amount),
    balance_after: jsonAmount(p.balanceAfter),
    account_seq: Number(p.accountSeq),
  })),
  occurred_at: e.occurredAt.toISOString(),
  created_at: e.createdAt.toISOString(),
});

export function toTrialBalanceResponse(totals: TrialBalanceLine[], byCode: TrialBalanceByCode[]): TrialBalanceDto {
  const currencies = totals.map((t) => ({
    currency: t.currency,
    debits: jsonAmount(t.debits),
    credits: jsonAmount(t.credits),
    net: jsonAmount(t.net),
    balanced: t.net === 0n,
    accounts: byCode
      .filter((c) => c.currency === t.currency)
      .map((c) => ({
        code: c.code,
        type: c.type,
        balance: jsonAmount(c.balance),
        debits: jsonAmount(c.debits),
        credits: jsonAmount(c.credits),
      })),
  }));
  return { balanced: currencies.every((c) => c.balanced), currencies };
}
