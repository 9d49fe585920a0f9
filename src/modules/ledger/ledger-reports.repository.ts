import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, FindOptionsWhere } from 'typeorm';
import { cursorWhere, pageSize, type ListQueryDto } from '../../common/http/pagination';
import type { AccountCode, Direction } from './chart-of-accounts';
import { LedgerAccount } from './entities/ledger-account.entity';
import type { BalanceDrift, TrialBalanceLine, VerifyResult } from './ledger.types';

export interface StatementLine {
  postingId: string;
  accountSeq: bigint;
  entryId: string;
  entryType: string;
  referenceType: string;
  referenceId: string;
  description: string | null;
  direction: Direction;
  amount: bigint;
  balanceAfter: bigint;
  createdAt: Date;
}

export interface StatementQuery {
  limit: number;
  /** account_seq of the last line of the previous page (newest first). */
  before?: bigint;
  from?: Date;
  to?: Date;
}

export interface TrialBalanceByCode {
  currency: string;
  code: string;
  type: string;
  /** Σ balances of the accounts with this code, in their normal direction. */
  balance: bigint;
  debits: bigint;
  credits: bigint;
}

const big = (v: string | number | null | undefined): bigint => BigInt(v ?? 0);

/** Read models: trial balance, verification, account lists and statements. */
@Injectable()
export class LedgerReportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** From the cached per-account totals: O(accounts), not O(postings). */
  async trialBalance(): Promise<TrialBalanceLine[]> {
    const rows: Array<{ currency: string; debits: string; credits: string }> = await this.dataSource.query(
      `SELECT currency, sum(debits_posted)::text AS debits, sum(credits_posted)::text AS credits FROM ledger_accounts GROUP BY currency ORDER BY currency`,
    );
    return rows.map((r) => ({
      currency: r.currency,
      debits: big(r.debits),
      credits: big(r.credits),
      net: big(r.debits) - big(r.credits),
    }));
  }

  async trialBalanceByCode(): Promise<TrialBalanceByCode[]> {
    const rows: Array<{
      currency: string;
      code: string;
      type: string;
      balance: string;
      debits: string;
      credits: string;
    }> = await this.dataSource.query(
      `SELECT currency, code, type, sum(balance)::text AS balance, sum(debits_posted)::text AS debits, sum(credits_posted)::text AS credits
       FROM ledger_accounts GROUP BY currency, code, type ORDER BY currency, code`,
    );
    return rows.map((r) => ({
      currency: r.currency,
      code: r.code,
      type: r.type,
      balance: big(r.balance),
      debits: big(r.debits),
      credits: big(r.credits),
    }));
  }

  /**
   * Recomputes every account from its postings and lists entries that do not
   * balance, in one REPEATABLE READ snapshot so concurrent posting cannot
   * show up as false drift.
   */
  verify(): Promise<VerifyResult> {
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      const drift: Array<Record<string, string | null>> = await m.query(`
        WITH sums AS (
          SELECT account_id, count(*) AS n,
                 coalesce(sum(amount) FILTER (WHERE direction = 'debit'), 0) AS debits,
                 coalesce(sum(amount) FILTER (WHERE direction = 'credit'), 0) AS credits,
                 max(account_seq) AS last_seq
          FROM ledger_postings GROUP BY account_id
        ), computed AS (
          SELECT a.*, coalesce(s.n, 0) AS c_n, coalesce(s.debits, 0) AS c_debits, coalesce(s.credits, 0) AS c_credits,
                 CASE WHEN a.type IN ('asset', 'expense') THEN coalesce(s.debits, 0) - coalesce(s.credits, 0)
                      ELSE coalesce(s.credits, 0) - coalesce(s.debits, 0) END AS c_balance,
                 coalesce(s.last_seq, 0) AS c_last_seq
          FROM ledger_accounts a LEFT JOIN sums s ON s.account_id = a.id
        )
        SELECT id, code, currency, merchant_id, subkey,
               balance::text, debits_posted::text, credits_posted::text, posting_count::text,
               c_balance::text, c_debits::text, c_credits::text, c_n::text
        FROM computed
        WHERE balance <> c_balance OR debits_posted <> c_debits OR credits_posted <> c_credits
           OR posting_count <> c_n OR posting_count <> c_last_seq
        ORDER BY id`);
      const unbalanced: Array<{ id: string }> = await m.query(`
        SELECT e.id FROM ledger_entries e
        LEFT JOIN (
          SELECT entry_id, count(*) AS n, bool_and(net = 0) AS balanced
          FROM (SELECT entry_id, currency, count(*) AS n, sum(CASE WHEN direction = 'debit' THEN amount ELSE -amount END) AS net
                FROM ledger_postings GROUP BY entry_id, currency) per_currency
          GROUP BY entry_id
        ) p ON p.entry_id = e.id
        WHERE p.entry_id IS NULL OR NOT p.balanced
        ORDER BY e.id`);
      const [{ n }]: Array<{ n: string }> = await m.query(`SELECT count(*)::text AS n FROM ledger_accounts`);
      return {
        drift: drift.map((r): BalanceDrift => ({
          accountId: r.id!,
          code: r.code!,
          currency: r.currency!,
          merchantId: r.merchant_id,
          subkey: r.subkey,
          cached: {
            balance: big(r.balance),
            debits: big(r.debits_posted),
            credits: big(r.credits_posted),
            postingCount: big(r.posting_count),
          },
          computed: {
            balance: big(r.c_balance),
            debits: big(r.c_debits),
            credits: big(r.c_credits),
            postingCount: big(r.c_n),
          },
        })),
        unbalancedEntries: unbalanced.map((r) => r.id),
        accountsChecked: Number(n),
      };
    });
  }

  listAccounts(
    query: ListQueryDto,
    filter: { merchantId?: string; code?: AccountCode; currency?: string },
  ): Promise<LedgerAccount[]> {
    const where: FindOptionsWhere<LedgerAccount> = {};
    if (filter.merchantId) where.merchantId = filter.merchantId;
    if (filter.code) where.code = filter.code;
    if (filter.currency) where.currency = filter.currency;
    return this.dataSource.manager.find(LedgerAccount, {
      where: cursorWhere(query, where),
      order: { id: 'DESC' },
      take: pageSize(query) + 1,
    });
  }

  findAccount(id: string): Promise<LedgerAccount | null> {
    return this.dataSource.manager.findOneBy(LedgerAccount, { id });
  }

  /** Newest first; fetches limit + 1 so the caller can tell whether there is more. */
  async statement(accountId: string, q: StatementQuery): Promise<StatementLine[]> {
    const params: unknown[] = [accountId];
    const conds = ['p.account_id = $1'];
    if (q.before !== undefined) conds.push(`p.account_seq < $${params.push(q.before.toString())}`);
    if (q.from) conds.push(`p.created_at >= $${params.push(q.from)}`);
    if (q.to) conds.push(`p.created_at < $${params.push(q.to)}`);
    const rows: Array<Record<string, string | Date | null>> = await this.dataSource.query(
      `SELECT p.id::text AS id, p.account_seq::text AS account_seq, p.entry_id, e.type, e.reference_type, e.reference_id, e.description,
              p.direction, p.amount::text AS amount, p.balance_after::text AS balance_after, p.created_at
       FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
       WHERE ${conds.join(' AND ')}
       ORDER BY p.account_seq DESC
       LIMIT $${params.push(q.limit + 1)}`,
      params,
    );
    return rows.map((r) => ({
      postingId: r.id as string,
      accountSeq: BigInt(r.account_seq as string),
      entryId: r.entry_id as string,
      entryType: r.type as string,
      referenceType: r.reference_type as string,
      referenceId: r.reference_id as string,
      description: r.description as string | null,
      direction: r.direction as Direction,
      amount: BigInt(r.amount as string),
      balanceAfter: BigInt(r.balance_after as string),
      createdAt: r.created_at as Date,
    }));
  }
}
