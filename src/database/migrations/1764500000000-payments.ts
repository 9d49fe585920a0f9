import { MigrationInterface, QueryRunner } from 'typeorm';

/** Payments, refunds, their timeline, raw provider callbacks, the card vault and generated secrets. */
export class Payments1764500000000 implements MigrationInterface {
  name = 'Payments1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payments (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchants (id),
        app_id text NOT NULL REFERENCES apps (id),
        out_trade_no text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('alipay_qr', 'alipay_page', 'wechat_native', 'wechat_jsapi', 'card')),
        amount bigint NOT NULL CHECK (amount > 0),
        currency character(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        status text NOT NULL CHECK (status IN ('pending', 'requires_action', 'authorized', 'succeeded', 'failed', 'closed')),
        subject text NOT NULL,
        description text,
        capture_method text NOT NULL DEFAULT 'automatic' CHECK (capture_method IN ('automatic', 'manual')),
        amount_captured bigint NOT NULL DEFAULT 0,
        amount_refunded bigint NOT NULL DEFAULT 0,
        amount_refund_reserved bigint NOT NULL DEFAULT 0,
        fee_amount bigint NOT NULL DEFAULT 0,
        fee_refunded bigint NOT NULL DEFAULT 0,
        metadata jsonb NOT NULL DEFAULT '{}',
        return_url text,
        payer jsonb,
        card jsonb,
        next_action jsonb,
        provider_transaction_id text,
        provider_state text NOT NULL DEFAULT 'creating' CHECK (provider_state IN ('creating', 'created', 'unknown', 'rejected')),
        failure_code text,
        failure_message text,
        late_success boolean NOT NULL DEFAULT false,
        expires_at timestamptz NOT NULL,
        next_check_at timestamptz,
        check_attempts integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 0,
        succeeded_at timestamptz,
        closed_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        -- I5: refunded <= reserved <= captured <= amount, enforced by the database itself.
        CONSTRAINT payments_money_limits CHECK (
          amount_captured >= 0 AND amount_captured <= amount
          AND amount_refunded >= 0 AND amount_refunded <= amount_refund_reserved
          AND amount_refund_reserved <= amount_captured
          AND fee_amount >= 0 AND fee_refunded >= 0 AND fee_refunded <= fee_amount)
      )`);
    await q.query(`CREATE UNIQUE INDEX payments_app_out_trade_no_key ON payments (app_id, out_trade_no)`);
    await q.query(`CREATE INDEX payments_merchant_id_idx ON payments (merchant_id, id)`);
    await q.query(`CREATE INDEX payments_next_check_idx ON payments (next_check_at) WHERE next_check_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE refunds (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchants (id),
        app_id text NOT NULL REFERENCES apps (id),
        payment_id text NOT NULL REFERENCES payments (id),
        out_refund_no text NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        currency character(3) NOT NULL,
        reason text,
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        kind text NOT NULL DEFAULT 'merchant' CHECK (kind IN ('merchant', 'admin', 'late_success')),
        fee_refunded bigint NOT NULL DEFAULT 0 CHECK (fee_refunded >= 0),
        provider_refund_id text,
        provider_state text NOT NULL DEFAULT 'creating' CHECK (provider_state IN ('creating', 'created', 'unknown')),
        failure_code text,
        failure_message text,
        next_check_at timestamptz,
        check_attempts integer NOT NULL DEFAULT 0,
        succeeded_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX refunds_app_out_refund_no_key ON refunds (app_id, out_refund_no)`);
    await q.query(`CREATE INDEX refunds_payment_id_idx ON refunds (payment_id)`);
    await q.query(`CREATE INDEX refunds_merchant_id_idx ON refunds (merchant_id, id)`);
    await q.query(`CREATE INDEX refunds_next_check_idx ON refunds (next_check_at) WHERE next_check_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE payment_transitions (
        id text PRIMARY KEY,
        merchant_id text NOT NULL,
        payment_id text NOT NULL REFERENCES payments (id),
        refund_id text REFERENCES refunds (id),
        from_status text,
        to_status text NOT NULL,
        cause text NOT NULL,
        actor text,
        detail jsonb,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX payment_transitions_payment_id_idx ON payment_transitions (payment_id, id)`);
    await q.query(
      `CREATE TRIGGER payment_transitions_append_only BEFORE UPDATE OR DELETE ON payment_transitions FOR EACH ROW EXECUTE FUNCTION paygrid_refuse_change()`,
    );

    await q.query(`
      CREATE TABLE provider_callbacks (
        id text PRIMARY KEY,
        provider text NOT NULL,
        notification_id text,
        provider_order_id text,
        merchant_id text,
        verified boolean NOT NULL,
        outcome text NOT NULL,
        detail text,
        raw_body text NOT NULL,
        parsed jsonb,
        received_at timestamptz NOT NULL,
        applied_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX provider_callbacks_parked_idx ON provider_callbacks (provider_order_id) WHERE outcome = 'parked'`,
    );

    await q.query(`
      CREATE TABLE card_tokens (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchants (id),
        fingerprint text NOT NULL,
        pan_enc text NOT NULL,
        holder_name_enc text,
        brand text NOT NULL,
        last4 character(4) NOT NULL,
        exp_month integer NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
        exp_year integer NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX card_tokens_merchant_fingerprint_key ON card_tokens (merchant_id, fingerprint)`);
    await q.query(
      `CREATE TABLE stored_secrets (id text PRIMARY KEY, value_enc text NOT NULL, created_at timestamptz NOT NULL)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stored_secrets`);
    await q.query(`DROP TABLE card_tokens`);
    await q.query(`DROP TABLE provider_callbacks`);
    await q.query(`DROP TABLE payment_transitions`);
    await q.query(`DROP TABLE refunds`);
    await q.query(`DROP TABLE payments`);
  }
}
