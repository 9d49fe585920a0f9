import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys that carry the merchant (docs/scaling.md "Sharding"). A table
 * distributed by merchant_id (Citus) needs merchant_id in its primary key,
 * in every unique constraint, and in every foreign key to another
 * distributed table, so that each is checked inside one shard.
 *
 * merchant_id goes last in each key: every lookup by id, by (app_id, nonce)
 * or by (event_id, app_id) still has the key's leading columns, so plain
 * PostgreSQL serves them from the same index as before. The rules are about
 * which columns a key has, not their order.
 *
 * Four tables lacked the column: idempotency_keys, request_nonces and
 * webhook_endpoint_states take it from their app, webhook_attempts from its
 * delivery. Older code does not write it, so this migration is not
 * rolling-safe: stop the previous version before it runs.
 *
 * provider_callbacks loses its merchant_id: nothing ever wrote it, because
 * a callback is stored before it is parsed, so before its payment is known.
 * It is the providers' intake log, local to the coordinator.
 *
 * The ledger (ledger_accounts, ledger_entries, ledger_postings and the two
 * settlement references to ledger entries) keeps its keys for now: the
 * platform's accounts and entries have no merchant (see docs/scaling.md).
 */
async function swapPrimaryKey(q: QueryRunner, table: string, columns: string[]): Promise<void> {
  await q.query(
    `ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${columns.join(', ')})`,
  );
}

const NEW_COLUMNS: Array<[string, string]> = [
  ['idempotency_keys', `UPDATE idempotency_keys k SET merchant_id = a.merchant_id FROM apps a WHERE a.id = k.app_id`],
  ['request_nonces', `UPDATE request_nonces n SET merchant_id = a.merchant_id FROM apps a WHERE a.id = n.app_id`],
  [
    'webhook_endpoint_states',
    `UPDATE webhook_endpoint_states s SET merchant_id = a.merchant_id FROM apps a WHERE a.id = s.app_id`,
  ],
  [
    'webhook_attempts',
    `UPDATE webhook_attempts t SET merchant_id = d.merchant_id FROM webhook_deliveries d WHERE d.id = t.delivery_id`,
  ],
];

/** Each table's key before this migration; merchant_id is appended to it. */
const PRIMARY_KEYS: Array<[string, string[]]> = [
  ...[
    'apps',
    'app_keys',
    'card_tokens',
    'checkout_sessions',
    'counter_codes',
    'events',
    'merchant_provider_accounts',
    'payment_transitions',
    'payments',
    'payouts',
    'refunds',
    'settlement_lines',
    'settlements',
    'split_returns',
    'splits',
    'webhook_attempts',
    'webhook_deliveries',
  ].map((t): [string, string[]] => [t, ['id']]),
  ['idempotency_keys', ['app_id', 'idempotency_key']],
  ['request_nonces', ['app_id', 'nonce']],
  ['webhook_endpoint_states', ['app_id']],
];

const UNIQUE_INDEXES: Array<[string, string, string[]]> = [
  ['checkout_sessions', 'checkout_sessions_app_out_trade_no_key', ['app_id', 'out_trade_no']],
  ['events', 'events_aggregate_sequence_key', ['aggregate_id', 'aggregate_sequence']],
  ['payments', 'payments_app_out_trade_no_key', ['app_id', 'out_trade_no']],
  ['payouts', 'payouts_settlement_id_key', ['settlement_id']],
  ['refunds', 'refunds_app_out_refund_no_key', ['app_id', 'out_refund_no']],
  ['settlement_lines', 'settlement_lines_ledger_entry_id_key', ['ledger_entry_id']],
  ['webhook_deliveries', 'webhook_deliveries_event_app_key', ['event_id', 'app_id']],
];

const fk = (table: string, column: string, references: string) => ({
  table,
  column,
  references,
  name: `${table}_${column}_fkey`,
});

const FOREIGN_KEYS = [
  fk('app_keys', 'app_id', 'apps'),
  fk('checkout_sessions', 'app_id', 'apps'),
  fk('checkout_sessions', 'counter_code_id', 'counter_codes'),
  fk('counter_codes', 'app_id', 'apps'),
  fk('payment_transitions', 'payment_id', 'payments'),
  fk('payment_transitions', 'refund_id', 'refunds'),
  fk('payments', 'app_id', 'apps'),
  fk('payouts', 'settlement_id', 'settlements'),
  fk('refunds', 'app_id', 'apps'),
  fk('refunds', 'payment_id', 'payments'),
  fk('settlement_lines', 'settlement_id', 'settlements'),
  fk('split_returns', 'payment_id', 'payments'),
  fk('split_returns', 'split_id', 'splits'),
  fk('splits', 'payment_id', 'payments'),
  fk('webhook_attempts', 'delivery_id', 'webhook_deliveries'),
  fk('webhook_deliveries', 'event_id', 'events'),
];

export class MerchantKeys1766100000000 implements MigrationInterface {
  name = 'MerchantKeys1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE provider_callbacks DROP COLUMN merchant_id`);
    for (const [table, from] of NEW_COLUMNS) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN merchant_id text`);
      await q.query(from);
      await q.query(`ALTER TABLE ${table} ALTER COLUMN merchant_id SET NOT NULL`);
    }
    // Foreign keys go first: each depends on the key it references.
    for (const fk of FOREIGN_KEYS) await q.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${fk.name}`);
    for (const [table, columns] of PRIMARY_KEYS) await swapPrimaryKey(q, table, [...columns, 'merchant_id']);
    for (const [table, name, columns] of UNIQUE_INDEXES) {
      await q.query(`DROP INDEX ${name}`);
      await q.query(`CREATE UNIQUE INDEX ${name} ON ${table} (${[...columns, 'merchant_id'].join(', ')})`);
    }
    for (const fk of FOREIGN_KEYS) {
      await q.query(
        `ALTER TABLE ${fk.table} ADD CONSTRAINT ${fk.name} FOREIGN KEY (${fk.column}, merchant_id) REFERENCES ${fk.references} (id, merchant_id)`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fk of FOREIGN_KEYS) await q.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${fk.name}`);
    for (const [table, name, columns] of UNIQUE_INDEXES) {
      await q.query(`DROP INDEX ${name}`);
      await q.query(`CREATE UNIQUE INDEX ${name} ON ${table} (${columns.join(', ')})`);
    }
    for (const [table, columns] of PRIMARY_KEYS) await swapPrimaryKey(q, table, columns);
    for (const fk of FOREIGN_KEYS) {
      await q.query(
        `ALTER TABLE ${fk.table} ADD CONSTRAINT ${fk.name} FOREIGN KEY (${fk.column}) REFERENCES ${fk.references} (id)`,
      );
    }
    for (const [table] of NEW_COLUMNS) await q.query(`ALTER TABLE ${table} DROP COLUMN merchant_id`);
    await q.query(`ALTER TABLE provider_callbacks ADD COLUMN merchant_id text`);
  }
}
