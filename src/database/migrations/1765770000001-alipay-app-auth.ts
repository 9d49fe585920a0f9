import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alipay third-party application authorisation (docs/provider-accounts.md):
 * the authorising merchant's Alipay user id (the seller of its trades), kept
 * from alipay.open.auth.token.app, and the auth_app_id a payment was made
 * for, fixed at create and checked against every notification's auth_app_id.
 */
export class AlipayAppAuth1765770000001 implements MigrationInterface {
  name = 'AlipayAppAuth1765770000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE merchant_provider_accounts ADD COLUMN alipay_user_id text`);
    await q.query(`ALTER TABLE payments ADD COLUMN auth_app_id text`);
    // Made for a merchant's authorisation means the merchant's money.
    await q.query(
      `ALTER TABLE payments ADD CONSTRAINT payments_auth_app_id_direct_check CHECK (auth_app_id IS NULL OR money_mode = 'direct')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments DROP CONSTRAINT payments_auth_app_id_direct_check, DROP COLUMN auth_app_id`);
    await q.query(`ALTER TABLE merchant_provider_accounts DROP COLUMN alipay_user_id`);
  }
}
