import { Client } from 'pg';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

/**
 * Citus readiness (issue 17, docs/scaling.md "Sharding"). Every table of the migrated schema is in exactly
 * one list, so a new table fails here until it is classified. For a distributed table the rules Citus
 * enforces are checked: it has the distribution column, every primary key / unique constraint includes it,
 * and every foreign key to another distributed table includes it.
 *
 * KNOWN_GAPS is a ratchet: the schema does not pass every rule yet. Migration 1766100000000-merchant-keys
 * gave every other table keys that carry the merchant; the ledger's keys wait for platform accounts per
 * merchant shard group (docs/scaling.md). The test fails on any violation not listed AND on a listed one
 * that no longer occurs, so the list can only shrink and nothing new slips in.
 */
const DISTRIBUTED: Record<string, string> = {
  apps: 'merchant_id',
  app_keys: 'merchant_id',
  card_tokens: 'merchant_id',
  checkout_sessions: 'merchant_id',
  counter_codes: 'merchant_id',
  events: 'merchant_id',
  idempotency_keys: 'merchant_id',
  ledger_accounts: 'merchant_id',
  ledger_entries: 'merchant_id',
  ledger_postings: 'merchant_id',
  merchant_provider_accounts: 'merchant_id',
  payment_transitions: 'merchant_id',
  payments: 'merchant_id',
  payouts: 'merchant_id',
  refunds: 'merchant_id',
  request_nonces: 'merchant_id',
  settlement_lines: 'merchant_id',
  settlements: 'merchant_id',
  split_receivers: 'merchant_id',
  split_returns: 'merchant_id',
  splits: 'merchant_id',
  webhook_attempts: 'merchant_id',
  webhook_deliveries: 'merchant_id',
  webhook_endpoint_states: 'merchant_id',
};
const REFERENCE = ['merchants', 'platform_keys', 'stored_secrets'];
const COORDINATOR_LOCAL = [
  'migrations',
  'admin_tokens',
  'audit_log',
  'event_dead_letters',
  'event_inbox',
  'event_sequences',
  // The providers' intake log: stored before the callback is parsed, so before its merchant is known.
  'provider_callbacks',
  'rate_limit_buckets',
  'reconciliation_exception_events',
  'reconciliation_items',
  'reconciliation_reports',
];

const KNOWN_GAPS: string[] = [
  'ledger_accounts: ledger_accounts_pkey (id) lacks merchant_id',
  'ledger_entries: ledger_entries_pkey (id) lacks merchant_id',
  'ledger_entries: ledger_entries_reverses_entry_id_fkey -> ledger_entries not by merchant_id',
  'ledger_entries: unique index ledger_entries_external_id_key lacks merchant_id',
  'ledger_entries: unique index ledger_entries_reverses_entry_id_key lacks merchant_id',
  'ledger_postings: ledger_postings_account_id_fkey -> ledger_accounts not by merchant_id',
  'ledger_postings: ledger_postings_entry_id_fkey -> ledger_entries not by merchant_id',
  'ledger_postings: ledger_postings_pkey (id) lacks merchant_id',
  'ledger_postings: no merchant_id',
  'ledger_postings: unique index ledger_postings_account_seq_key lacks merchant_id',
  'settlement_lines: settlement_lines_ledger_entry_id_fkey -> ledger_entries not by merchant_id',
  'settlements: settlements_ledger_entry_id_fkey -> ledger_entries not by merchant_id',
];

describe('sharding readiness (Citus rules over the migrated schema)', () => {
  let db: TestDatabase;
  let c: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    c = await rawClient(db.url);
  });
  afterAll(async () => {
    await c.end();
    await db.drop();
  });

  it('classifies every table exactly once', async () => {
    const { rows } = await c.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const lists = [...Object.keys(DISTRIBUTED), ...REFERENCE, ...COORDINATOR_LOCAL];
    expect(lists.length).toBe(new Set(lists).size);
    expect(rows.map((r) => r.t).sort()).toEqual([...lists].sort());
  });

  it('distributed tables follow the distribution-column rules, apart from the declared gaps', async () => {
    const violations: string[] = [];
    const cols = await c.query<{ t: string; col: string }>(
      `SELECT table_name AS t, column_name AS col FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const has = (t: string, col: string) => cols.rows.some((r) => r.t === t && r.col === col);
    for (const [t, col] of Object.entries(DISTRIBUTED)) {
      if (!has(t, col)) violations.push(`${t}: no ${col}`);
    }
    const cons = await c.query<{
      t: string;
      name: string;
      type: string;
      cols: string[];
      ref: string | null;
      refcols: string[] | null;
    }>(
      `SELECT rel.relname AS t, con.conname AS name, con.contype AS type,
              -- In key order (WITH ORDINALITY): a foreign key's columns pair up with the referenced ones by position.
              ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, pos) JOIN pg_attribute a
                      ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.pos) AS cols,
              frel.relname AS ref,
              CASE WHEN con.confrelid = 0 THEN NULL ELSE
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, pos) JOIN pg_attribute a
                        ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.pos) END AS refcols
         FROM pg_constraint con
         JOIN pg_class rel ON rel.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = rel.relnamespace AND n.nspname = 'public'
         LEFT JOIN pg_class frel ON frel.oid = con.confrelid
        WHERE con.contype IN ('p', 'u', 'f')`,
    );
    const uniqueIdx = await c.query<{ t: string; name: string; def: string; cols: string[] }>(
      `SELECT t.relname AS t, i.relname AS name, pg_get_indexdef(ix.indexrelid) AS def,
              ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) k JOIN pg_attribute a
                      ON a.attrelid = ix.indrelid AND a.attnum = k) AS cols
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
        WHERE ix.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = ix.indexrelid)`,
    );
    for (const k of cons.rows) {
      const col = DISTRIBUTED[k.t];
      if (!col) continue;
      if (k.type !== 'f' && !k.cols.includes(col))
        violations.push(`${k.t}: ${k.name} (${k.cols.join(',')}) lacks ${col}`);
      if (k.type === 'f' && k.ref && DISTRIBUTED[k.ref]) {
        const refCol = DISTRIBUTED[k.ref];
        const i = k.cols.indexOf(col);
        if (i < 0 || k.refcols?.[i] !== refCol) violations.push(`${k.t}: ${k.name} -> ${k.ref} not by ${col}`);
      }
    }
    for (const ix of uniqueIdx.rows) {
      const col = DISTRIBUTED[ix.t];
      if (col && !ix.cols.includes(col)) violations.push(`${ix.t}: unique index ${ix.name} lacks ${col}`);
    }
    expect(violations.sort()).toEqual([...KNOWN_GAPS].sort());
  });
});
