import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hot platform accounts in shards (docs/ledger.md "Hot accounts"): every
 * captured payment posts to provider_clearing and platform_fee_revenue, and
 * a posting holds its account row's lock until COMMIT, so one row per such
 * account serialises every payment. The chart marks those accounts as
 * sharded; each entry posts to one shard row, chosen by its external id, and
 * the account's balance is the sum of its shards. Existing rows are shard 0.
 */
export class LedgerShards1764700000000 implements MigrationInterface {
  name = 'LedgerShards1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger_accounts ADD COLUMN shard smallint NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_shard_check CHECK (shard >= 0)`);
    await q.query(`DROP INDEX ledger_accounts_identity_key`);
    await q.query(
      `CREATE UNIQUE INDEX ledger_accounts_identity_key ON ledger_accounts (code, currency, merchant_id, subkey, shard) NULLS NOT DISTINCT`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger_accounts_identity_key`);
    await q.query(
      `CREATE UNIQUE INDEX ledger_accounts_identity_key ON ledger_accounts (code, currency, merchant_id, subkey) NULLS NOT DISTINCT`,
    );
    await q.query(`ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_shard_check`);
    await q.query(`ALTER TABLE ledger_accounts DROP COLUMN shard`);
  }
}
