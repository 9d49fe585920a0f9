import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Provider accounts join the configuration cache (docs/hot-path.md): every
 * change to a merchant's provider account NOTIFYs `paygrid_config` at COMMIT
 * with the trigger function of ConfigCache1764900000000, so every process
 * drops the merchant's cached accounts, whoever made the change.
 */
export class ProviderAccountsConfigCache1765920000000 implements MigrationInterface {
  name = 'ProviderAccountsConfigCache1765920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TRIGGER merchant_provider_accounts_config_changed AFTER INSERT OR UPDATE OR DELETE ON merchant_provider_accounts
         FOR EACH ROW EXECUTE FUNCTION paygrid_config_changed('merchant_id')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER merchant_provider_accounts_config_changed ON merchant_provider_accounts`);
  }
}
