import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { newId } from '../../common/ids/ids.util';
import {
  PG_CHECK_VIOLATION,
  PG_UNIQUE_VIOLATION,
  sqlState,
  violatedConstraint,
  withTransaction,
} from '../../persistence/transaction.util';
import { CHART_OF_ACCOUNTS, balanceDelta } from './chart-of-accounts';
import { canonicalEntry, canonicalRef, reversalPostings, sameEvent, type CanonicalEntry } from './journal.util';
import { LedgerErrors } from './ledger.errors';
import { LedgerReportsRepository } from './ledger-reports.repository';
import { LedgerRepository, type NewPosting } from './ledger.repository';
import type {
  AccountRef,
  JournalEntryInput,
  JournalEntryView,
  MerchantBalance,
  PostResult,
  TrialBalanceLine,
  VerifyResult,
} from './ledger.types';

export type * from './ledger.types';

const PG_NUMERIC_OUT_OF_RANGE = '22003';

/**
 * The only way money moves. `post` joins the caller's transaction, so a
 * payment's state change, its journal entry and its outbox event commit
 * together; every refusal is a DomainError that rolls the caller back.
 */
@Injectable()
export class LedgerService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: LedgerRepository,
    private readonly reports: LedgerReportsRepository,
  ) {}

  /**
   * Posts a balanced entry once per externalId. The same externalId again (even
   * from a concurrent transaction) returns the first entry with created=false
   * and changes nothing; with different postings it is refused as a bug.
   * Called without a transaction, it opens its own.
   */
  async post(manager: EntityManager, input: JournalEntryInput): Promise<PostResult> {
    const entry = canonicalEntry(input);
    if (!manager.queryRunner?.isTransactionActive)
      return withTransaction(this.dataSource, (tx) => this.post(tx, input));
    try {
      return await this.postCanonical(manager, entry);
    } catch (err) {
      throw translate(err, entry);
    }
  }

  /**
   * Posts the mirror image of an entry, linked to it; an entry is reversed at
   * most once, so asking again returns the first reversal.
   */
  async reverse(entryId: string, reason: string, manager?: EntityManager): Promise<PostResult> {
    if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 1000)
      throw LedgerErrors.entryInvalid('A reason of 1 to 1000 characters is required', 'reason');
    if (!manager?.queryRunner?.isTransactionActive)
      return withTransaction(this.dataSource, (tx) => this.reverse(entryId, reason, tx));
    const [original] = await this.repo.findEntries(manager, { id: entryId });
    if (!original) throw LedgerErrors.entryNotFound(entryId);
    if (original.reversesEntryId)
      throw LedgerErrors.notReversible(entryId, 'it is itself a reversal; post a new entry instead');
    const [existing] = await this.repo.findEntries(manager, { reversesEntryId: entryId });
    if (existing) return { entry: existing, created: false };
    return this.post(manager, {
      externalId: `reversal:${entryId}`,
      type: 'reversal',
      referenceType: original.referenceType,
      referenceId: original.referenceId,
      merchantId: original.merchantId ?? undefined,
      description: reason,
      postings: reversalPostings(original),
      reversesEntryId: entryId,
      shardKey: original.externalId,
    });
  }

  /** A merchant's pending, available and in-transit money per currency (GET /v1/balance). */
  async balances(merchantId: string): Promise<MerchantBalance[]> {
    const byCurrency = new Map<string, MerchantBalance>();
    for (const row of await this.repo.merchantBalances(merchantId)) {
      const b = byCurrency.get(row.currency) ?? { currency: row.currency, pending: 0n, available: 0n, in_transit: 0n };
      if (row.code === 'merchant_pending') b.pending += row.balance;
      else if (row.code === 'merchant_available') b.available += row.balance;
      else b.in_transit += row.balance;
      byCurrency.set(row.currency, b);
    }
    return [...byCurrency.values()];
  }

  /** The account's balance in its normal direction; 0 for an account never used. */
  accountBalance(ref: AccountRef, manager?: EntityManager): Promise<bigint> {
    return this.repo.accountBalance(manager, canonicalRef(ref));
  }

  /** Σ debits and Σ credits per currency over all accounts; `net` must be 0. */
  trialBalance(): Promise<TrialBalanceLine[]> {
    return this.reports.trialBalance();
  }

  entriesByReference(referenceType: string, referenceId: string, manager?: EntityManager): Promise<JournalEntryView[]> {
    return this.repo.findEntries(manager, { reference: { type: referenceType, id: referenceId } });
  }

  async getEntry(id: string, manager?: EntityManager): Promise<JournalEntryView> {
    const [entry] = await this.repo.findEntries(manager, { id });
    if (!entry) throw LedgerErrors.entryNotFound(id);
    return entry;
  }

  /** Recomputes every cached balance from the postings (I2) and re-checks every entry (I1). */
  verifyBalances(): Promise<VerifyResult> {
    return this.reports.verify();
  }

  private async postCanonical(manager: EntityManager, entry: CanonicalEntry): Promise<PostResult> {
    if (entry.reversesEntryId && !(await this.repo.entryExists(manager, entry.reversesEntryId)))
      throw LedgerErrors.entryNotFound(entry.reversesEntryId);
    const refs = new Map(entry.postings.map((p) => [p.key, p.ref]));
    const accounts = await this.repo.existingAccounts(manager, [...refs.values()]);
    const missing = [...refs].filter(([key]) => !accounts.has(key)).map(([, ref]) => ref);
    if (missing.length > 0) {
      // Rare (an account's first entry): look for a replay first, so that a replay opens no account.
      const [stored] = await this.repo.findEntries(manager, { externalId: entry.externalId });
      if (stored) return { entry: replayOf(stored, entry), created: false };
      for (const [key, row] of await this.repo.openAccounts(manager, missing)) accounts.set(key, row);
    }
    const postings: NewPosting[] = entry.postings.map((p) => ({
      account: accounts.get(p.key)!,
      direction: p.direction,
      amount: p.amount,
    }));
    postings.sort(applicationOrder);
    const id = newId('je');
    // One statement; its INSERT … ON CONFLICT, not the read above, is what keeps two racing transactions to one entry.
    const posted = await this.repo.insertEntryWithPostings(manager, id, entry, postings);
    if (!posted) return { entry: await this.firstPosting(manager, entry), created: false };
    return {
      created: true,
      entry: {
        id,
        externalId: entry.externalId,
        type: entry.type,
        referenceType: entry.referenceType,
        referenceId: entry.referenceId,
        merchantId: entry.merchantId,
        description: entry.description,
        reversesEntryId: entry.reversesEntryId,
        occurredAt: posted.occurredAt,
        createdAt: posted.createdAt,
        postings: posted.postings,
      },
    };
  }

  private async firstPosting(manager: EntityManager, entry: CanonicalEntry): Promise<JournalEntryView> {
    const [stored] = await this.repo.findEntries(manager, { externalId: entry.externalId });
    // READ COMMITTED sees the winner's row once its insert has committed; stricter levels raise 40001 instead.
    if (!stored) throw new Error(`ledger entry with external id ${entry.externalId} conflicted but is not visible`);
    return replayOf(stored, entry);
  }
}

/** The stored entry a replay returns; the same external id for another event is refused as a bug. */
function replayOf(stored: JournalEntryView, entry: CanonicalEntry): JournalEntryView {
  if (!sameEvent(stored, entry)) throw LedgerErrors.externalIdReused(entry.externalId, stored.id);
  return stored;
}

/**
 * The order postings are applied in. By account id first: one global lock
 * order, so two entries over the same accounts cannot deadlock. Then, within
 * one account, increases before decreases: the CHECK sees every intermediate
 * balance, and an entry that credits and debits the same non-negative account
 * must not fail on the way to a final balance that is >= 0.
 */
export function applicationOrder(a: NewPosting, b: NewPosting): number {
  if (a.account.id !== b.account.id) return a.account.id < b.account.id ? -1 : 1;
  const da = balanceDelta(a.account.type, a.direction, a.amount);
  const db = balanceDelta(b.account.type, b.direction, b.amount);
  return da === db ? 0 : da > db ? -1 : 1;
}

/** Non-negative accounts this entry takes money from: the candidates when the CHECK trips. */
export function drainedAccounts(entry: CanonicalEntry): string[] {
  const net = new Map<string, bigint>();
  for (const p of entry.postings) {
    const chart = CHART_OF_ACCOUNTS[p.ref.code];
    if (chart.nonNegative) net.set(p.key, (net.get(p.key) ?? 0n) + balanceDelta(chart.type, p.direction, p.amount));
  }
  const names = new Map(
    entry.postings.map((p) => [
      p.key,
      [p.ref.code, p.ref.currency, p.ref.merchantId, p.ref.subkey].filter(Boolean).join(':'),
    ]),
  );
  return [...net].filter(([, delta]) => delta < 0n).map(([key]) => names.get(key)!);
}

/** SQLSTATE → domain error; the statement already failed, so the caller's transaction will roll back. */
function translate(err: unknown, entry: CanonicalEntry): unknown {
  if (err instanceof DomainError) return err;
  const code = sqlState(err);
  const constraint = violatedConstraint(err);
  if (code === PG_CHECK_VIOLATION && constraint === 'ledger_accounts_non_negative')
    return LedgerErrors.insufficientFunds(drainedAccounts(entry));
  if (code === PG_NUMERIC_OUT_OF_RANGE) return LedgerErrors.amountOverflow();
  if (code === PG_UNIQUE_VIOLATION && constraint === 'ledger_entries_reverses_entry_id_key')
    return LedgerErrors.alreadyReversed(entry.reversesEntryId ?? '');
  return err;
}
