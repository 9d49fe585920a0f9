import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merchant's own identities at a provider (docs/provider-accounts.md): the
 * WeChat Pay sub-merchant (`sub_mchid`, optional `sub_appid`) and the Alipay
 * third-party authorisation (`app_auth_token`, refresh token, both encrypted
 * with the key ring), with the money mode of that channel family. No row
 * means `collected`, the platform's own accounts (today's behaviour).
 */
export class ProviderAccounts1765760000000 implements MigrationInterface {
  name = 'ProviderAccounts1765760000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE merchant_provider_accounts (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchants (id),
        family text NOT NULL CHECK (family IN ('wechat', 'alipay')),
        mode text NOT NULL DEFAULT 'collected' CHECK (mode IN ('direct', 'collected')),
        sub_mchid text,
        sub_appid text,
        auth_app_id text,
        app_auth_token_enc text,
        app_refresh_token_enc text,
        token_expires_at timestamptz,
        refresh_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (family = 'wechat' OR (sub_mchid IS NULL AND sub_appid IS NULL)),
        CHECK (family = 'alipay' OR (app_auth_token_enc IS NULL AND app_refresh_token_enc IS NULL AND auth_app_id IS NULL)),
        CHECK (mode <> 'direct' OR sub_mchid IS NOT NULL OR app_auth_token_enc IS NOT NULL)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX merchant_provider_accounts_merchant_family_key ON merchant_provider_accounts (merchant_id, family)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE merchant_provider_accounts`);
  }
}
