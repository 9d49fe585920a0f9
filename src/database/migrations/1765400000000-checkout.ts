import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hosted cashier (docs/cashier.md): checkout sessions, each paid by at most
 * one succeeded payment of its own, and static counter codes from which a
 * payer starts a session by entering the amount.
 */
export class Checkout1765400000000 implements MigrationInterface {
  name = 'Checkout1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE counter_codes (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchants (id),
        app_id text NOT NULL REFERENCES apps (id),
        currency char(3) NOT NULL,
        subject text NOT NULL,
        channels jsonb NOT NULL,
        return_url text,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX counter_codes_merchant_id_idx ON counter_codes (merchant_id, id)`);
    await q.query(`
      CREATE TABLE checkout_sessions (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchants (id),
        app_id text NOT NULL REFERENCES apps (id),
        out_trade_no text NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        subject text NOT NULL,
        channels jsonb NOT NULL,
        return_url text,
        status text NOT NULL CHECK (status IN ('open', 'complete', 'expired')),
        payment_id text,
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0 AND attempts <= 20),
        counter_code_id text REFERENCES counter_codes (id),
        expires_at timestamptz NOT NULL,
        completed_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CHECK ((status = 'complete') = (completed_at IS NOT NULL)),
        CHECK (status <> 'complete' OR payment_id IS NOT NULL)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX checkout_sessions_app_out_trade_no_key ON checkout_sessions (app_id, out_trade_no)`,
    );
    await q.query(`CREATE INDEX checkout_sessions_merchant_id_idx ON checkout_sessions (merchant_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE checkout_sessions`);
    await q.query(`DROP TABLE counter_codes`);
  }
}
