import 'reflect-metadata';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { DomainError } from '../../src/common/errors/domain-error';
import { dataSourceOptions } from '../../src/database/data-source';
import { withTransaction } from '../../src/persistence/transaction.util';
import { CHART_OF_ACCOUNTS, balanceDelta } from '../../src/modules/ledger/chart-of-accounts';
import { canonicalRef, refKey } from '../../src/modules/ledger/journal.util';
import { createStandaloneLedger } from '../../src/modules/ledger/ledger.factory';
import type {
  AccountRef,
  JournalEntryInput,
  LedgerService,
  PostingInput,
} from '../../src/modules/ledger/ledger.service';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

const CURRENCIES = ['CNY', 'JPY'];
const MERCHANTS = ['mch_a', 'mch_b', 'mch_c'];
const POOL: Record<string, AccountRef[]> = Object.fromEntries(
  CURRENCIES.map((currency) => [
    currency,
    [
      ...MERCHANTS.flatMap((merchantId) =>
        (['merchant_pending', 'merchant_available', 'merchant_payouts_in_transit'] as const).map((code) => ({
          code,
          currency,
          merchantId,
        })),
      ),
      { code: 'provider_clearing', currency, subkey: 'alipay' },
      { code: 'provider_clearing', currency, subkey: 'card' },
      { code: 'platform_fee_revenue', currency },
      { code: 'platform_bank', currency },
      { code: 'refunds_payable', currency },
      { code: 'provider_fee_expense', currency },
    ] as AccountRef[],
  ]),
);

/** Debits lean towards platform accounts, and take less from merchants, so merchant balances build up and are drained only sometimes. */
const debitArb = (currency: string) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        account: fc.constantFrom(...POOL[currency].filter((a) => !a.merchantId)),
        amount: fc.bigInt({ min: 1n, max: 1_000_000_000n }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        account: fc.constantFrom(...POOL[currency].filter((a) => a.merchantId)),
        amount: fc.bigInt({ min: 1n, max: 100_000_000n }),
      }),
    },
  );

/** Per currency: random debits, and their exact total split over random credits. */
const groupArb = fc.constantFrom(...CURRENCIES).chain((currency) =>
  fc
    .record({
      debits: fc.array(debitArb(currency), { minLength: 1, maxLength: 3 }),
      credits: fc.array(
        fc.record({ account: fc.constantFrom(...POOL[currency]), weight: fc.integer({ min: 1, max: 5 }) }),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .map(({ debits, credits }): PostingInput[] => {
      const total = debits.reduce((s, d) => s + d.amount, 0n);
      const weights = BigInt(credits.reduce((s, c) => s + c.weight, 0));
      const shares = credits.map((c) => (total * BigInt(c.weight)) / weights);
      shares[0] += total - shares.reduce((s, x) => s + x, 0n); // the remainder, so Σ credits = Σ debits exactly
      return [
        ...debits.map((d): PostingInput => ({ account: d.account, direction: 'debit', amount: d.amount })),
        ...credits
          .map((c, i): PostingInput => ({ account: c.account, direction: 'credit', amount: shares[i] }))
          .filter((p) => p.amount > 0n),
      ];
    }),
);

const stepArb = fc.record({
  postings: fc.array(groupArb, { minLength: 1, maxLength: 2 }).map((groups) => groups.flat()),
  /** Sometimes replay the previous event, sometimes corrupt the entry: both must change nothing. */
  twist: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'replay', 'skew', 'float'),
});

describe('ledger properties (integration, real PostgreSQL, fast-check)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ledger: LedgerService;
  /** The model: expected balance per account, in its normal direction. */
  const model = new Map<string, { ref: AccountRef; balance: bigint }>();
  let seq = 0;
  const counts = { posted: 0, replayed: 0, insufficient: 0, rejected: 0 };

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(dataSourceOptions(db.url, { poolSize: 4 }));
    await ds.initialize();
    ledger = createStandaloneLedger(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  /** Balances the model expects after the entry, or undefined when a non-negative account would go below zero. */
  function apply(postings: PostingInput[]): Map<string, bigint> | undefined {
    const next = new Map<string, bigint>();
    for (const p of postings) {
      const key = refKey(canonicalRef(p.account));
      const current = next.get(key) ?? model.get(key)?.balance ?? 0n;
      next.set(key, current + balanceDelta(CHART_OF_ACCOUNTS[p.account.code].type, p.direction, p.amount));
    }
    for (const [key, balance] of next) {
      const ref = postings.find((p) => refKey(canonicalRef(p.account)) === key)!.account;
      if (CHART_OF_ACCOUNTS[ref.code].nonNegative && balance < 0n) return undefined;
    }
    return next;
  }

  async function expectDatabaseMatchesModel(): Promise<void> {
    const pg = await rawClient(db.url);
    try {
      // A sharded account's balance is the sum of its rows.
      const rows = (
        await pg.query(
          `SELECT code, currency, merchant_id, subkey, sum(balance)::text AS balance FROM ledger_accounts GROUP BY 1, 2, 3, 4`,
        )
      ).rows;
      const actual = new Map(
        rows.map((r) => [
          refKey({ code: r.code, currency: r.currency, merchantId: r.merchant_id, subkey: r.subkey, shard: 0 }),
          BigInt(r.balance),
        ]),
      );
      const expected = new Map([...model].map(([k, v]) => [k, v.balance]));
      for (const [k, v] of actual) expect([k, v]).toEqual([k, expected.get(k) ?? 0n]);
      for (const [k, v] of expected) if (v !== 0n) expect([k, actual.get(k)]).toEqual([k, v]);
    } finally {
      await pg.end();
    }
  }

  it('keeps the trial balance at zero and every cached balance equal to its postings over thousands of random journals', async () => {
    let previous: JournalEntryInput | undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 60, maxLength: 150 }), async (steps) => {
        for (const step of steps) {
          if (step.twist === 'replay' && previous) {
            const before = await ledger.trialBalance();
            const again = await withTransaction(ds, (m) => ledger.post(m, previous!));
            expect(again.created).toBe(false);
            expect(await ledger.trialBalance()).toEqual(before);
            counts.replayed++;
            continue;
          }
          const input: JournalEntryInput = {
            externalId: `prop:${++seq}`,
            type: 'adjustment',
            referenceType: 'property',
            referenceId: String(seq),
            postings: step.postings,
          };
          if (step.twist === 'skew' || step.twist === 'float') {
            const bad =
              step.twist === 'skew'
                ? { ...input.postings[0], amount: input.postings[0].amount + 1n }
                : { ...input.postings[0], amount: Number(input.postings[0].amount) + 0.5 };
            const err = await withTransaction(ds, (m) =>
              ledger.post(m, { ...input, postings: [bad as PostingInput, ...input.postings.slice(1)] }),
            ).catch((e: unknown) => e);
            expect(err).toBeInstanceOf(DomainError);
            expect((err as DomainError).code).toBe(
              step.twist === 'skew' ? 'ledger_entry_unbalanced' : 'ledger_amount_invalid',
            );
            counts.rejected++;
            continue;
          }
          const next = apply(input.postings);
          const outcome = await withTransaction(ds, (m) => ledger.post(m, input)).catch((e: unknown) => e);
          if (!next) {
            expect(outcome).toEqual(expect.objectContaining({ code: 'insufficient_funds' }));
            counts.insufficient++;
            continue;
          }
          expect(outcome).toEqual(expect.objectContaining({ created: true }));
          for (const [key, balance] of next) {
            const ref = input.postings.find((p) => refKey(canonicalRef(p.account)) === key)!.account;
            model.set(key, { ref, balance });
          }
          previous = input;
          counts.posted++;
        }
        await expectDatabaseMatchesModel();
        for (const line of await ledger.trialBalance()) expect(line.net).toBe(0n);
      }),
      { numRuns: 50, endOnFailure: true },
    );

    process.stdout.write(`ledger property run: ${JSON.stringify(counts)}\n`);
    const verify = await ledger.verifyBalances();
    expect(verify.drift).toEqual([]);
    expect(verify.unbalancedEntries).toEqual([]);
    // The run must have exercised every path, and posted thousands of journals.
    expect(counts.posted).toBeGreaterThan(2000);
    expect(counts.insufficient).toBeGreaterThan(0);
    expect(counts.replayed).toBeGreaterThan(0);
    expect(counts.rejected).toBeGreaterThan(0);
    const trial = await ledger.trialBalance();
    expect(trial.map((t) => t.currency).sort()).toEqual(CURRENCIES.slice().sort());
    for (const t of trial) expect(t.debits).toBe(t.credits);
  }, 180_000); // 10 s on a quiet machine; the 60 s default was passed at a load average of 12
});
