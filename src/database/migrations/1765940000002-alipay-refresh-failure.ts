import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alipay refused to refresh a merchant's app_auth_token (a definite refusal,
 * not a timeout): when and with which code, so every process, the admin API
 * and the metric see it until a refresh succeeds or the merchant authorises again.
 */
export class AlipayRefreshFailure1765940000002 implements MigrationInterface {
  name = 'AlipayRefreshFailure1765940000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE merchant_provider_accounts ADD COLUMN refresh_failed_at timestamptz`);
    await q.query(`ALTER TABLE merchant_provider_accounts ADD COLUMN refresh_failure_code text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE merchant_provider_accounts DROP COLUMN refresh_failure_code`);
    await q.query(`ALTER TABLE merchant_provider_accounts DROP COLUMN refresh_failed_at`);
  }
}
