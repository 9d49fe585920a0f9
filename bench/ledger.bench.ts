import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../src/database/data-source';
import { withTransaction } from '../src/persistence/transaction.util';
import { createStandaloneLedger } from '../src/modules/ledger/ledger.factory';
import type { JournalEntryInput, LedgerService } from '../src/modules/ledger/ledger.service';

/**
 * Ledger throughput against a real PostgreSQL: each entry is posted in its
 * own transaction, as payments and settlements do (fsync on, default
 * synchronous_commit). Creates and drops its own database.
 *
 *   node -r @swc-node/register bench/ledger.bench.ts   (DATABASE_URL or the local server)
 */
export interface LedgerBenchResult {
  scenario: string;
  postingsPerSec: number;
  concurrency: number;
}

const DURATION_MS = Number(process.env.LEDGER_BENCH_MS ?? 2000);
const MERCHANTS = 200;

interface Scenario {
  name: string;
  concurrency: number;
  /** The entry worker `w` posts as its `i`-th; returns how many postings it carries. */
  entry: (w: number, i: number, run: string) => JournalEntryInput;
}

/** A captured payment: clearing, merchant pending, platform fee (the last two shared by everyone). */
const payment = (merchant: string, externalId: string): JournalEntryInput => ({
  externalId,
  type: 'payment.captured',
  referenceType: 'payment',
  referenceId: externalId,
  merchantId: merchant,
  postings: [
    { account: { code: 'provider_clearing', currency: 'CNY', subkey: 'alipay' }, direction: 'debit', amount: 10000n },
    {
      account: { code: 'merchant_pending', currency: 'CNY', merchantId: merchant },
      direction: 'credit',
      amount: 9940n,
    },
    { account: { code: 'platform_fee_revenue', currency: 'CNY' }, direction: 'credit', amount: 60n },
  ],
});

/** Two postings on accounts no other worker touches: the ceiling without row-lock contention. */
const isolated = (w: number, externalId: string): JournalEntryInput => ({
  externalId,
  type: 'adjustment',
  referenceType: 'bench',
  referenceId: externalId,
  postings: [
    { account: { code: 'platform_bank', currency: 'CNY', subkey: `w${w}` }, direction: 'debit', amount: 100n },
    {
      account: { code: 'merchant_pending', currency: 'CNY', merchantId: `mch_bench_w${w}` },
      direction: 'credit',
      amount: 100n,
    },
  ],
});

const SCENARIOS: Scenario[] = [
  {
    name: 'payment entries (3 postings), single connection',
    concurrency: 1,
    entry: (w, i, run) => payment(`mch_bench_${i % MERCHANTS}`, `${run}:p1:${w}:${i}`),
  },
  {
    name: 'payment entries (3 postings), shared platform accounts',
    concurrency: 16,
    entry: (w, i, run) => payment(`mch_bench_${(w * 7919 + i) % MERCHANTS}`, `${run}:p16:${w}:${i}`),
  },
  {
    name: 'payment entries (3 postings), shared platform accounts',
    concurrency: 32,
    entry: (w, i, run) => payment(`mch_bench_${(w * 7919 + i) % MERCHANTS}`, `${run}:p32:${w}:${i}`),
  },
  {
    name: 'transfers (2 postings), no shared account',
    concurrency: 16,
    entry: (w, i, run) => isolated(w, `${run}:iso:${w}:${i}`),
  },
  {
    name: 'transfers (2 postings), no shared account',
    concurrency: 32,
    entry: (w, i, run) => isolated(w, `${run}:iso32:${w}:${i}`),
  },
];

async function runScenario(
  ds: DataSource,
  ledger: LedgerService,
  s: Scenario,
  run: string,
): Promise<LedgerBenchResult> {
  // Warm up: open the accounts so the timed part measures posting, not account creation.
  for (let w = 0; w < s.concurrency; w++)
    await withTransaction(ds, (m) => ledger.post(m, s.entry(w, -1, `${run}:warm`)));
  let postings = 0;
  const deadline = Date.now() + DURATION_MS;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: s.concurrency }, async (_, w) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const input = s.entry(w, i, run);
        await withTransaction(ds, (m) => ledger.post(m, input));
        postings += input.postings.length;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { scenario: s.name, concurrency: s.concurrency, postingsPerSec: Math.round(postings / seconds) };
}

export async function runLedgerBench(databaseUrl: string): Promise<LedgerBenchResult[]> {
  const name = `paygrid_bench_ledger_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const ds = new DataSource(
    dataSourceOptions(url.toString(), {
      poolSize: Math.max(...SCENARIOS.map((s) => s.concurrency)) + 1,
      applicationName: 'paygrid-bench',
    }),
  );
  try {
    await runMigrations(url.toString());
    await ds.initialize();
    const ledger = createStandaloneLedger(ds);
    const run = randomBytes(3).toString('hex');
    const results: LedgerBenchResult[] = [];
    for (const s of SCENARIOS) results.push(await runScenario(ds, ledger, s, run));

    // A benchmark that corrupts the ledger is worthless: check the invariants it was supposed to keep.
    const { drift, unbalancedEntries } = await ledger.verifyBalances();
    const unbalancedCurrencies = (await ledger.trialBalance()).filter((t) => t.net !== 0n);
    if (drift.length || unbalancedEntries.length || unbalancedCurrencies.length)
      throw new Error('ledger invariants broken during the benchmark');
    return results;
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (require.main === module) {
  runLedgerBench(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
    .then((results) => {
      console.log(`ledger bench: ${DURATION_MS} ms per scenario, one transaction per entry`);
      console.table(results);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
