import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Test and live keys: a key is minted in the instance's mode (`sk_test_…` in sandbox, `sk_live_…` in live), and a
 * live instance refuses test keys. Keys issued before modes existed become `live`: refusing them after an upgrade
 * would cut off every live integration, while a sandbox key carried into a live database is already unsupported.
 */
export class AppKeyMode1765810000000 implements MigrationInterface {
  name = 'AppKeyMode1765810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_keys ADD COLUMN mode text NOT NULL DEFAULT 'live'`);
    await q.query(`ALTER TABLE app_keys ALTER COLUMN mode DROP DEFAULT`);
    await q.query(`ALTER TABLE app_keys ADD CONSTRAINT app_keys_mode_check CHECK (mode IN ('test', 'live'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_keys DROP COLUMN mode`);
  }
}
