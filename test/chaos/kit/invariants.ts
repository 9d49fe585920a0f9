import type { Client } from 'pg';

type Db = Pick<Client, 'query'>;

const n = async (db: Db, sql: string, params: unknown[] = []): Promise<number> =>
  Number((await db.query(`SELECT count(*)::int AS n FROM (${sql}) q`, params)).rows[0].n);

/** Tables whose rows are what a request changes; a refused request must leave every one as it was. */
const STATE_TABLES = [
  'admin_tokens',
  'app_keys',
  'apps',
  'audit_log',
  'card_tokens',
  'checkout_sessions',
  'counter_codes',
  'event_dead_letters',
  'events',
  'ledger_accounts',
  'ledger_entries',
  'ledger_postings',
  'merchant_provider_accounts',
  'merchants',
  'payment_transitions',
  'payments',
  'payouts',
  'platform_keys',
  'refunds',
  'settlements',
  'settlement_lines',
  'reconciliation_reports',
  'webhook_deliveries',
];
/** Small tables whose rows an update could change in place: hashed as a whole, not just counted. */
const HASHED_TABLES = ['merchants', 'apps', 'app_keys', 'admin_tokens', 'merchant_provider_accounts'];

/** A fingerprint of the stored state: row counts of every state table, and a hash of the small ones' rows. */
export async function stateFingerprint(db: Db): Promise<Record<string, string>> {
  const parts = [
    ...STATE_TABLES.map((t) => `(SELECT count(*)::text FROM ${t}) AS "${t}"`),
    ...HASHED_TABLES.map(
      (t) => `(SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM ${t} x) AS "${t}#"`,
    ),
  ];
  return (await db.query(`SELECT ${parts.join(', ')}`)).rows[0];
}

export function fingerprintDiff(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before)
    .filter((k) => before[k] !== after[k])
    .map((k) => `${k}: ${before[k]} → ${after[k]}`);
}

/** The figures every scenario must end with at zero (the "Done when" of issue 16). */
export interface Invariants {
  /** Sum of debits minus credits per currency that is not zero. */
  unbalancedCurrencies: number;
  /** Business objects with more than one original (unreversed) ledger entry of the same type. */
  duplicatedPostings: number;
  paymentsCreating: number;
  keysInProgress: number;
  unpublishedEvents: number;
}

export async function invariants(db: Db): Promise<Invariants> {
  return {
    unbalancedCurrencies: await n(
      db,
      `SELECT currency FROM ledger_postings GROUP BY currency
        HAVING sum(CASE WHEN direction = 'debit' THEN amount ELSE -amount END) <> 0`,
    ),
    duplicatedPostings: await n(
      db,
      `SELECT 1 FROM ledger_entries e
        WHERE e.reverses_entry_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_entry_id = e.id)
        GROUP BY e.reference_type, e.reference_id, e.type HAVING count(*) > 1`,
    ),
    paymentsCreating: await n(db, `SELECT 1 FROM payments WHERE provider_state = 'creating'`),
    keysInProgress: await n(db, `SELECT 1 FROM idempotency_keys WHERE status = 'in_progress'`),
    unpublishedEvents: await n(db, `SELECT 1 FROM events WHERE published_at IS NULL`),
  };
}

export const ALL_ZERO: Invariants = {
  unbalancedCurrencies: 0,
  duplicatedPostings: 0,
  paymentsCreating: 0,
  keysInProgress: 0,
  unpublishedEvents: 0,
};
