import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Request nonces (replay protection), idempotency keys and the platform's
 * own signing and encryption keys. Nonces and idempotency keys carry no
 * foreign key to apps: they are written on every request and apps are never
 * deleted, so the extra lookup would buy nothing.
 */
export class Auth1764300000000 implements MigrationInterface {
  name = 'Auth1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE request_nonces (
        app_id text NOT NULL,
        nonce text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, nonce)
      )`);
    await q.query(`CREATE INDEX request_nonces_expires_at_idx ON request_nonces (expires_at)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        app_id text NOT NULL,
        idempotency_key text NOT NULL,
        request_hash text NOT NULL,
        request_id text NOT NULL,
        status text NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'completed')),
        response_status integer,
        response_body text,
        locked_until timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, idempotency_key),
        CHECK (status = 'in_progress' OR (response_status IS NOT NULL AND response_body IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at)`);

    await q.query(`
      CREATE TABLE platform_keys (
        id text PRIMARY KEY,
        kty text NOT NULL,
        alg text NOT NULL,
        use text NOT NULL CHECK (use IN ('sig', 'enc')),
        public_jwk jsonb NOT NULL,
        private_key_enc text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz,
        retire_after timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX platform_keys_one_active_per_use ON platform_keys (use) WHERE status = 'active'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE platform_keys`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE request_nonces`);
  }
}
