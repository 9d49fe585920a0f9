import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Profit sharing (docs/api.md "Splits", docs/ledger.md "Splits"). A payment
 * made with profit_sharing keeps its money frozen at the provider; splits
 * send parts of it to receivers and a release gives the rest to the merchant.
 *
 * The limit lives on the payment row: amount_split (every split pending or
 * succeeded, never lowered by a return: returned money goes back to the
 * merchant's available balance at the provider, not into the frozen pot) is
 * taken with a conditional UPDATE, and a CHECK holds the invariant the
 * refunds share: what is out (split and not returned) plus what refunds
 * reserved, plus in collected mode the platform's fee, never exceeds what
 * was captured. Only rows with splits are held to it.
 */
export class Splits1765900000000 implements MigrationInterface {
  name = 'Splits1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments
      ADD COLUMN profit_sharing boolean NOT NULL DEFAULT false,
      ADD COLUMN split_state text,
      ADD COLUMN amount_split bigint NOT NULL DEFAULT 0,
      ADD COLUMN amount_split_returned bigint NOT NULL DEFAULT 0,
      ADD CONSTRAINT payments_split_state_check CHECK (split_state IN ('open', 'releasing', 'released')),
      ADD CONSTRAINT payments_splits_within_captured CHECK (
        amount_split = 0 OR (
          amount_split_returned >= 0 AND amount_split_returned <= amount_split AND
          amount_split - amount_split_returned + amount_refund_reserved
            + CASE WHEN money_mode = 'collected' THEN fee_amount - fee_refunded ELSE 0 END <= amount_captured))`);
    await q.query(`CREATE TABLE splits (
      id text PRIMARY KEY,
      merchant_id text NOT NULL,
      app_id text NOT NULL,
      payment_id text NOT NULL REFERENCES payments(id),
      kind text NOT NULL CHECK (kind IN ('split', 'release')),
      amount bigint NOT NULL CHECK (amount >= 0),
      amount_returned bigint NOT NULL DEFAULT 0,
      amount_return_reserved bigint NOT NULL DEFAULT 0,
      currency char(3) NOT NULL,
      receivers jsonb NOT NULL DEFAULT '[]',
      finish boolean NOT NULL DEFAULT false,
      status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      provider_split_id text,
      provider_state text NOT NULL DEFAULT 'creating',
      failure_code text,
      failure_message text,
      next_check_at timestamptz,
      check_attempts integer NOT NULL DEFAULT 0,
      succeeded_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT splits_returns_within_amount CHECK (
        amount_returned >= 0 AND amount_return_reserved >= amount_returned AND amount_return_reserved <= amount))`);
    await q.query(`CREATE INDEX splits_payment_id_idx ON splits (payment_id, id)`);
    await q.query(`CREATE INDEX splits_merchant_id_idx ON splits (merchant_id, id)`);
    await q.query(`CREATE INDEX splits_next_check_idx ON splits (next_check_at) WHERE next_check_at IS NOT NULL`);
    await q.query(`CREATE TABLE split_returns (
      id text PRIMARY KEY,
      merchant_id text NOT NULL,
      split_id text NOT NULL REFERENCES splits(id),
      payment_id text NOT NULL REFERENCES payments(id),
      receiver_account text NOT NULL,
      amount bigint NOT NULL CHECK (amount > 0),
      currency char(3) NOT NULL,
      description text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      provider_return_id text,
      failure_code text,
      failure_message text,
      next_check_at timestamptz,
      check_attempts integer NOT NULL DEFAULT 0,
      succeeded_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX split_returns_split_id_idx ON split_returns (split_id, id)`);
    await q.query(
      `CREATE INDEX split_returns_next_check_idx ON split_returns (next_check_at) WHERE next_check_at IS NOT NULL`,
    );
    // Receivers registered at a provider (WeChat receivers/add, Alipay royalty.relation.bind): once per merchant.
    await q.query(`CREATE TABLE split_receivers (
      merchant_id text NOT NULL,
      provider text NOT NULL,
      type text NOT NULL,
      account text NOT NULL,
      bound_at timestamptz NOT NULL,
      PRIMARY KEY (merchant_id, provider, type, account))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE split_receivers`);
    await q.query(`DROP TABLE split_returns`);
    await q.query(`DROP TABLE splits`);
    await q.query(`ALTER TABLE payments
      DROP CONSTRAINT payments_splits_within_captured,
      DROP CONSTRAINT payments_split_state_check,
      DROP COLUMN amount_split_returned,
      DROP COLUMN amount_split,
      DROP COLUMN split_state,
      DROP COLUMN profit_sharing`);
  }
}
