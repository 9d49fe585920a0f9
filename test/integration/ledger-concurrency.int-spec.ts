import 'reflect-metadata';
import type { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../src/common/errors/domain-error';
import { dataSourceOptions } from '../../src/database/data-source';
import { createStandaloneLedger } from '../../src/modules/ledger/ledger.factory';
import type { JournalEntryInput, LedgerService, PostResult } from '../../src/modules/ledger/ledger.service';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

/**
 * Real concurrency against PostgreSQL: every transaction has its own pooled
 * connection (pool 55 > 50 callers), so the races are decided by row locks
 * and unique indexes, not by the pool queue.
 */
describe('ledger under concurrency (integration, real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ledger: LedgerService;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(dataSourceOptions(db.url, { poolSize: 55 }));
    await ds.initialize();
    ledger = createStandaloneLedger(ds);
    pg = await rawClient(db.url);
  });
  afterAll(async () => {
    await pg.end();
    await ds.destroy();
    await db.drop();
  });

  /** Starts all transactions first, then lets them run: each has its connection before the first posts. */
  async function race<T>(
    n: number,
    fn: (manager: EntityManager, i: number) => Promise<T>,
  ): Promise<PromiseSettledResult<T>[]> {
    const runners = await Promise.all(Array.from({ length: n }, () => ds.createQueryRunner()));
    await Promise.all(runners.map((r) => r.connect()));
    try {
      return await Promise.allSettled(
        runners.map(async (r, i) => {
          await r.startTransaction('READ COMMITTED');
          try {
            const out = await fn(r.manager, i);
            await r.commitTransaction();
            return out;
          } catch (err) {
            await r.rollbackTransaction();
            throw err;
          }
        }),
      );
    } finally {
      await Promise.all(runners.map((r) => r.release()));
    }
  }

  it('lets exactly 10 of 50 concurrent debits through an account with room for 10, never below zero, no lost update', async () => {
    const merchant = 'mch_concurrentdebitsconcurr00';
    const available = { code: 'merchant_available' as const, currency: 'CNY', merchantId: merchant };
    const inTransit = { code: 'merchant_payouts_in_transit' as const, currency: 'CNY', merchantId: merchant };
    await ledger.post(ds.manager, {
      externalId: 'fund:concurrent',
      type: 'settlement',
      referenceType: 'settlement',
      referenceId: 'stl_fund',
      postings: [
        {
          account: { code: 'merchant_pending', currency: 'CNY', merchantId: merchant },
          direction: 'credit',
          amount: 1000n,
        },
        { account: { code: 'provider_clearing', currency: 'CNY', subkey: 'card' }, direction: 'debit', amount: 1000n },
      ],
    });
    await ledger.post(ds.manager, {
      externalId: 'settle:concurrent',
      type: 'settlement',
      referenceType: 'settlement',
      referenceId: 'stl_fund',
      postings: [
        {
          account: { code: 'merchant_pending', currency: 'CNY', merchantId: merchant },
          direction: 'debit',
          amount: 1000n,
        },
        { account: available, direction: 'credit', amount: 1000n },
      ],
    });

    const runners = await Promise.all(Array.from({ length: 50 }, () => ds.createQueryRunner()));
    await Promise.all(runners.map((r) => r.connect()));
    const results = await Promise.allSettled(
      runners.map(async (r, i) => {
        await r.startTransaction();
        try {
          const res = await ledger.post(r.manager, {
            externalId: `payout:po_${i}`,
            type: 'payout.initiated',
            referenceType: 'payout',
            referenceId: `po_${i}`,
            merchantId: merchant,
            postings: [
              { account: available, direction: 'debit', amount: 100n },
              { account: inTransit, direction: 'credit', amount: 100n },
            ],
          });
          await r.commitTransaction();
          return res;
        } catch (err) {
          await r.rollbackTransaction();
          throw err;
        } finally {
          await r.release();
        }
      }),
    );

    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused)
      expect(r.reason).toEqual(expect.objectContaining({ code: 'insufficient_funds', status: 409 }));
    expect(refused.every((r) => r.reason instanceof DomainError)).toBe(true);

    expect(await ledger.accountBalance(available)).toBe(0n);
    expect(await ledger.accountBalance(inTransit)).toBe(1000n);
    // The statement: one line per applied posting, seq 1..12 without gaps, running balance never negative and consistent.
    const lines = (
      await pg.query(
        `SELECT p.account_seq::int AS seq, p.direction, p.amount::bigint::text AS amount, p.balance_after::text AS after
         FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
         WHERE a.code = 'merchant_available' AND a.merchant_id = $1 ORDER BY p.account_seq`,
        [merchant],
      )
    ).rows;
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    let running = 0n;
    for (const l of lines) {
      running += l.direction === 'credit' ? BigInt(l.amount) : -BigInt(l.amount);
      expect(BigInt(l.after)).toBe(running);
      expect(running >= 0n).toBe(true);
    }
    expect(
      (await pg.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE type = 'payout.initiated'`)).rows[0].n,
    ).toBe(10);
    expect((await ledger.verifyBalances()).drift).toEqual([]);
  });

  it('records one entry when the same external id is posted by 20 transactions at once', async () => {
    const input: JournalEntryInput = {
      externalId: 'payment:pay_race:captured',
      type: 'payment.captured',
      referenceType: 'payment',
      referenceId: 'pay_race',
      postings: [
        {
          account: { code: 'provider_clearing', currency: 'CNY', subkey: 'wechatpay' },
          direction: 'debit',
          amount: 5000n,
        },
        {
          account: { code: 'merchant_pending', currency: 'CNY', merchantId: 'mch_racingracingracingracing0' },
          direction: 'credit',
          amount: 4970n,
        },
        { account: { code: 'platform_fee_revenue', currency: 'CNY' }, direction: 'credit', amount: 30n },
      ],
    };
    const results = await race(20, (m) => ledger.post(m, input));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const values = results.map((r) => (r as PromiseFulfilledResult<PostResult>).value);
    expect(values.filter((v) => v.created)).toHaveLength(1);
    expect(new Set(values.map((v) => v.entry.id)).size).toBe(1);
    expect(
      (await pg.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE external_id = $1`, [input.externalId]))
        .rows[0].n,
    ).toBe(1);
    expect(
      (
        await pg.query(
          `SELECT count(*)::int AS n FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id WHERE e.external_id = $1`,
          [input.externalId],
        )
      ).rows[0].n,
    ).toBe(3);
    expect(await ledger.accountBalance(input.postings[1].account)).toBe(4970n);
  });

  it('opens a new account once when 20 transactions first use it together', async () => {
    const merchant = 'mch_newaccountnewaccountnew00';
    const results = await race(20, (m, i) =>
      ledger.post(m, {
        externalId: `payment:pay_new_${i}:captured`,
        type: 'payment.captured',
        referenceType: 'payment',
        referenceId: `pay_new_${i}`,
        postings: [
          { account: { code: 'provider_clearing', currency: 'JPY', subkey: 'card' }, direction: 'debit', amount: 100n },
          {
            account: { code: 'merchant_pending', currency: 'JPY', merchantId: merchant },
            direction: 'credit',
            amount: 100n,
          },
        ],
      }),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(
      (await pg.query(`SELECT count(*)::int AS n FROM ledger_accounts WHERE merchant_id = $1`, [merchant])).rows[0].n,
    ).toBe(1);
    expect(await ledger.balances(merchant)).toEqual([
      { currency: 'JPY', pending: 2000n, available: 0n, in_transit: 0n },
    ]);
  });

  it('does not deadlock when concurrent entries touch the same accounts in opposite orders', async () => {
    const a = { code: 'platform_bank' as const, currency: 'USD', subkey: 'a' };
    const b = { code: 'platform_bank' as const, currency: 'USD', subkey: 'b' };
    const c = { code: 'provider_fee_expense' as const, currency: 'USD' };
    // No retries here: a deadlock (40P01) would surface as a rejection.
    const results = await race(40, (m, i) => {
      const [x, y, z] = i % 2 ? [a, b, c] : [c, b, a];
      return ledger.post(m, {
        externalId: `shuffle:${i}`,
        type: 'adjustment',
        referenceType: 'test',
        referenceId: `shuffle-${i}`,
        postings: [
          { account: x, direction: 'debit', amount: 7n },
          { account: y, direction: 'credit', amount: 3n },
          { account: z, direction: 'credit', amount: 4n },
        ],
      });
    });
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const trial = await ledger.trialBalance();
    expect(trial.find((t) => t.currency === 'USD')).toEqual({ currency: 'USD', debits: 280n, credits: 280n, net: 0n });
    expect(await ledger.verifyBalances()).toMatchObject({ drift: [], unbalancedEntries: [] });
  });
});
