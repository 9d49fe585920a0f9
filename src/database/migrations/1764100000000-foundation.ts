import { MigrationInterface, QueryRunner } from 'typeorm';

/** Admin tokens, the append-only audit log, merchants, apps and app keys. */
export class Foundation1764100000000 implements MigrationInterface {
  name = 'Foundation1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION paygrid_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'P0001';
      END $$`);

    await q.query(`
      CREATE TABLE admin_tokens (
        id text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'viewer')),
        token_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX admin_tokens_token_hash_key ON admin_tokens (token_hash)`);

    await q.query(`
      CREATE TABLE audit_log (
        id text PRIMARY KEY,
        actor text NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        before jsonb,
        after jsonb,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION paygrid_refuse_change()`);
    await q.query(
      `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log EXECUTE FUNCTION paygrid_refuse_change()`,
    );

    await q.query(`
      CREATE TABLE merchants (
        id text PRIMARY KEY,
        name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        settlement_currency character(3) NOT NULL DEFAULT 'CNY',
        timezone text NOT NULL DEFAULT 'Asia/Shanghai',
        fee_bps integer NOT NULL DEFAULT 0 CHECK (fee_bps BETWEEN 0 AND 10000),
        settlement_delay_days integer NOT NULL DEFAULT 1 CHECK (settlement_delay_days BETWEEN 0 AND 30),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE apps (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchants (id),
        name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        channels text[] NOT NULL DEFAULT '{}',
        webhook_url text,
        webhook_secret_enc text,
        previous_webhook_secret_enc text,
        previous_webhook_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX apps_merchant_id_idx ON apps (merchant_id)`);

    await q.query(`
      CREATE TABLE app_keys (
        id text PRIMARY KEY,
        app_id text NOT NULL REFERENCES apps (id),
        merchant_id text NOT NULL REFERENCES merchants (id),
        type text NOT NULL CHECK (type IN ('hmac', 'rsa')),
        secret_enc text,
        public_key_pem text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CHECK ((type = 'hmac' AND secret_enc IS NOT NULL) OR (type = 'rsa' AND public_key_pem IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX app_keys_app_id_idx ON app_keys (app_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE app_keys`);
    await q.query(`DROP TABLE apps`);
    await q.query(`DROP TABLE merchants`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP TABLE admin_tokens`);
    await q.query(`DROP FUNCTION paygrid_refuse_change()`);
  }
}
