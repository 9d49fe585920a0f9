import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { violatedConstraint } from '../../persistence/transaction.util';
import { CHART_OF_ACCOUNTS, type AccountType, type Direction } from './chart-of-accounts';
import type { CanonicalEntry, CanonicalRef } from './journal.util';
import { refKey } from './journal.util';
import type { AccountRef, JournalEntryView, PostingView } from './ledger.types';

/** What the posting path needs to know about an account. */
export interface AccountRow {
  id: string;
  code: CanonicalRef['code'];
  type: AccountType;
  currency: string;
  merchantId: string | null;
  subkey: string | null;
  shard: number;
  nonNegative: boolean;
}

export interface NewPosting {
  account: AccountRow;
  direction: Direction;
  amount: bigint;
}

interface RawPosting {
  id: string;
  entry_id: string;
  account_id: string;
  currency: string;
  direction: Direction;
  amount: string;
  balance_after: string;
  account_seq: string;
}

interface RawEntry {
  id: string;
  external_id: string;
  type: string;
  reference_type: string;
  reference_id: string;
  merchant_id: string | null;
  description: string | null;
  reverses_entry_id: string | null;
  occurred_at: Date;
  created_at: Date;
}

const ACCOUNT_CACHE_LIMIT = 100_000;

/**
 * refKeys of the accounts a transaction opened (keyed by its QueryRunner; a
 * runner reused for later transactions only makes this more cautious). Any
 * LedgerRepository joining that transaction must not cache them before commit.
 */
const openedInTransaction = new WeakMap<QueryRunner, Set<string>>();

const ACCOUNT_COLUMNS = `id, code, type, currency, merchant_id AS "merchantId", subkey, shard, non_negative AS "nonNegative"`;

/** One OR-branch per ref, with `IS NULL` spelled out, so each branch is an index lookup on the identity key. */
function refCondition(refs: CanonicalRef[], params: unknown[], opts: { everyShard?: boolean } = {}): string {
  const p = (v: unknown) => `$${params.push(v)}`;
  return refs
    .map(
      (r) =>
        `(code = ${p(r.code)} AND currency = ${p(r.currency)} AND merchant_id ${r.merchantId === null ? 'IS NULL' : `= ${p(r.merchantId)}`} AND subkey ${r.subkey === null ? 'IS NULL' : `= ${p(r.subkey)}`}${opts.everyShard ? '' : ` AND shard = ${p(r.shard)}`})`,
    )
    .join(' OR ');
}

export function toAccountRef(a: {
  code: CanonicalRef['code'];
  currency: string;
  merchantId: string | null;
  subkey: string | null;
}): AccountRef {
  return {
    code: a.code,
    currency: a.currency,
    ...(a.merchantId !== null ? { merchantId: a.merchantId } : {}),
    ...(a.subkey !== null ? { subkey: a.subkey } : {}),
  };
}

function toPostingView(p: RawPosting, account: AccountRow): PostingView {
  return {
    id: String(p.id),
    accountId: p.account_id,
    account: toAccountRef(account),
    direction: p.direction,
    amount: BigInt(p.amount),
    currency: p.currency,
    balanceAfter: BigInt(p.balance_after),
    accountSeq: BigInt(p.account_seq),
  };
}

/**
 * The posting path in plain SQL (one round trip once the accounts are known,
 * explicit locking) plus the reads that assemble entries. Every write takes
 * the caller's EntityManager so it joins the caller's transaction.
 */
@Injectable()
export class LedgerRepository {
  /**
   * AccountRow by refKey. Accounts are never deleted and only their balances
   * ever change, so a row known to be committed stays right for the life of
   * this instance (one per DataSource: apps and test databases never share it).
   */
  private readonly accountCache = new Map<string, AccountRow>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async entryExists(manager: EntityManager, id: string): Promise<boolean> {
    const rows = await manager.query(`SELECT 1 FROM ledger_entries WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  /**
   * The refs' accounts that already exist, by refKey: from the cache, then
   * one SELECT for the rest. A row is cached only if this transaction did not
   * open it: our own uncommitted account is visible to us, and a rollback
   * would leave the cache pointing at a row that does not exist.
   */
  async existingAccounts(manager: EntityManager, refs: CanonicalRef[]): Promise<Map<string, AccountRow>> {
    const known = new Map<string, AccountRow>();
    const unknown: CanonicalRef[] = [];
    for (const ref of refs) {
      const cached = this.accountCache.get(refKey(ref));
      if (cached) known.set(refKey(ref), cached);
      else unknown.push(ref);
    }
    if (unknown.length === 0) return known;
    const opened = manager.queryRunner && openedInTransaction.get(manager.queryRunner);
    for (const [key, row] of await this.findAccounts(manager, unknown)) {
      known.set(key, row);
      if (!opened?.has(key)) this.remember(key, row);
    }
    return known;
  }

  private remember(key: string, row: AccountRow): void {
    // Bounded: a platform with many merchants starts over rather than grow forever.
    if (this.accountCache.size >= ACCOUNT_CACHE_LIMIT) this.accountCache.clear();
    this.accountCache.set(key, Object.freeze(row));
  }

  /**
   * Creates the accounts with the chart's type and flags:
   * INSERT … ON CONFLICT DO NOTHING, then read again, so two transactions
   * opening the same account both end up with the one row. Nothing is cached:
   * the caller's transaction may still roll back; a later call reads the
   * committed row and caches it then.
   */
  async openAccounts(manager: EntityManager, refs: CanonicalRef[]): Promise<Map<string, AccountRow>> {
    if (manager.queryRunner) {
      const opened = openedInTransaction.get(manager.queryRunner) ?? new Set<string>();
      for (const ref of refs) opened.add(refKey(ref));
      openedInTransaction.set(manager.queryRunner, opened);
    }
    await manager.query(
      `INSERT INTO ledger_accounts (id, code, type, currency, merchant_id, subkey, non_negative, shard)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::smallint[])
       ON CONFLICT (code, currency, merchant_id, subkey, shard) DO NOTHING`,
      [
        refs.map(() => newId('acct')),
        refs.map((r) => r.code),
        refs.map((r) => CHART_OF_ACCOUNTS[r.code].type),
        refs.map((r) => r.currency),
        refs.map((r) => r.merchantId),
        refs.map((r) => r.subkey),
        refs.map((r) => CHART_OF_ACCOUNTS[r.code].nonNegative),
        refs.map((r) => r.shard),
      ],
    );
    const found = await this.findAccounts(manager, refs);
    const unresolved = refs.find((r) => !found.has(refKey(r)));
    if (unresolved) throw new Error(`ledger account ${refKey(unresolved)} could not be created`);
    return found;
  }

  async findAccounts(manager: EntityManager | undefined, refs: CanonicalRef[]): Promise<Map<string, AccountRow>> {
    const params: unknown[] = [];
    const rows: AccountRow[] = await this.m(manager).query(
      `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE ${refCondition(refs, params)}`,
      params,
    );
    return new Map(rows.map((a) => [refKey(a), a]));
  }

  async findAccountsByIds(manager: EntityManager | undefined, ids: string[]): Promise<Map<string, AccountRow>> {
    const rows: AccountRow[] = await this.m(manager).query(
      `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1)`,
      [ids],
    );
    return new Map(rows.map((a) => [a.id, a]));
  }

  /**
   * The entry and its postings in one statement. ON CONFLICT DO NOTHING: null
   * when the external id was already posted (by anyone, committed or ours),
   * and then no posting is inserted. The BEFORE INSERT trigger moves each
   * account's balance under its row lock and fills balance_after and
   * account_seq; ORDER BY ord keeps the caller's lock order. The FK to the
   * entry and the deferred balance checks run after the statement, when the
   * entry row is visible.
   */
  async insertEntryWithPostings(
    manager: EntityManager,
    id: string,
    e: CanonicalEntry,
    postings: NewPosting[],
  ): Promise<{ createdAt: Date; occurredAt: Date; postings: PostingView[] } | null> {
    let rows: Array<RawPosting & { entry_created_at: Date; entry_occurred_at: Date }>;
    try {
      rows = await manager.query(
        `WITH e AS (
           INSERT INTO ledger_entries (id, external_id, type, reference_type, reference_id, merchant_id, description, reverses_entry_id, occurred_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9::timestamptz, now()))
           ON CONFLICT (external_id) DO NOTHING
           RETURNING id, created_at, occurred_at
         ), p AS (
           INSERT INTO ledger_postings (entry_id, account_id, currency, direction, amount)
           SELECT e.id, t.account_id, t.currency, t.direction, t.amount
           FROM e CROSS JOIN unnest($10::text[], $11::text[], $12::text[], $13::bigint[]) WITH ORDINALITY AS t(account_id, currency, direction, amount, ord)
           ORDER BY t.ord
           RETURNING id, entry_id, account_id, currency, direction, amount, balance_after, account_seq
         )
         SELECT e.created_at AS entry_created_at, e.occurred_at AS entry_occurred_at, p.* FROM e LEFT JOIN p ON p.entry_id = e.id`,
        [
          id,
          e.externalId,
          e.type,
          e.referenceType,
          e.referenceId,
          e.merchantId,
          e.description,
          e.reversesEntryId,
          e.occurredAt,
          postings.map((x) => x.account.id),
          postings.map((x) => x.account.currency),
          postings.map((x) => x.direction),
          postings.map((x) => x.amount.toString()),
        ],
      );
    } catch (err) {
      // The trigger reports a missing account as this FK: never let a cached row that does not exist fail every later entry.
      if (violatedConstraint(err) === 'ledger_postings_account_id_fkey')
        for (const p of postings) this.accountCache.delete(refKey(p.account));
      throw err;
    }
    if (rows.length === 0) return null;
    const byId = new Map(postings.map((x) => [x.account.id, x.account]));
    return {
      createdAt: rows[0].entry_created_at,
      occurredAt: rows[0].entry_occurred_at,
      postings: rows
        .filter((r) => r.id !== null)
        .map((r) => toPostingView(r, byId.get(r.account_id)!))
        .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)),
    };
  }

  /** Entries with their postings, oldest first. */
  async findEntries(
    manager: EntityManager | undefined,
    where: { id?: string; externalId?: string; reversesEntryId?: string; reference?: { type: string; id: string } },
  ): Promise<JournalEntryView[]> {
    const m = this.m(manager);
    const [column, values] = where.id
      ? ['id = $1', [where.id]]
      : where.externalId
        ? ['external_id = $1', [where.externalId]]
        : where.reversesEntryId
          ? ['reverses_entry_id = $1', [where.reversesEntryId]]
          : ['reference_type = $1 AND reference_id = $2', [where.reference!.type, where.reference!.id]];
    const entries: RawEntry[] = await m.query(
      `SELECT * FROM ledger_entries WHERE ${column} ORDER BY id LIMIT 1000`,
      values,
    );
    if (entries.length === 0) return [];
    const postings: RawPosting[] = await m.query(
      `SELECT id, entry_id, account_id, currency, direction, amount, balance_after, account_seq FROM ledger_postings WHERE entry_id = ANY($1) ORDER BY id`,
      [entries.map((e) => e.id)],
    );
    const accounts = await this.findAccountsByIds(m, [...new Set(postings.map((p) => p.account_id))]);
    return entries.map((e) => ({
      id: e.id,
      externalId: e.external_id,
      type: e.type,
      referenceType: e.reference_type,
      referenceId: e.reference_id,
      merchantId: e.merchant_id,
      description: e.description,
      reversesEntryId: e.reverses_entry_id,
      occurredAt: e.occurred_at,
      createdAt: e.created_at,
      postings: postings.filter((p) => p.entry_id === e.id).map((p) => toPostingView(p, accounts.get(p.account_id)!)),
    }));
  }

  /** The account's balance: the sum over its shards for a sharded account. */
  async accountBalance(manager: EntityManager | undefined, ref: CanonicalRef): Promise<bigint> {
    const params: unknown[] = [];
    const rows: Array<{ balance: string | null }> = await this.m(manager).query(
      `SELECT sum(balance)::text AS balance FROM ledger_accounts WHERE ${refCondition([ref], params, { everyShard: true })}`,
      params,
    );
    return BigInt(rows[0]?.balance ?? 0);
  }

  async merchantBalances(merchantId: string): Promise<Array<{ currency: string; code: string; balance: bigint }>> {
    const rows: Array<{ currency: string; code: string; balance: string }> = await this.dataSource.query(
      `SELECT currency, code, sum(balance)::text AS balance FROM ledger_accounts
       WHERE merchant_id = $1 AND code = ANY($2) GROUP BY currency, code ORDER BY currency`,
      [merchantId, ['merchant_pending', 'merchant_available', 'merchant_payouts_in_transit']],
    );
    return rows.map((r) => ({ currency: r.currency, code: r.code, balance: BigInt(r.balance) }));
  }
}
