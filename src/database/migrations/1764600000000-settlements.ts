import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settlements, payouts and reconciliation (docs/settlement.md), plus the
 * business time of ledger entries that settlement days are cut on.
 * The guards live here: one settlement per merchant, currency and day; a
 * ledger entry settled at most once; one payout per settlement; amounts that
 * must add up are tied by CHECKs.
 */
export class Settlements1764600000000 implements MigrationInterface {
  name = 'Settlements1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger_entries ADD COLUMN occurred_at timestamptz NOT NULL DEFAULT now()`);
    // Entries are append-only; the backfill is the one sanctioned change, made while the guard is off in this migration's transaction.
    await q.query(`ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only`);
    await q.query(`UPDATE ledger_entries SET occurred_at = created_at`);
    await q.query(`ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only`);
    await q.query(`CREATE INDEX ledger_entries_merchant_occurred_at_idx ON ledger_entries (merchant_id, occurred_at)`);

    await q.query(`
      CREATE TABLE settlements (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchants (id),
        currency character(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        business_day date NOT NULL,
        timezone text NOT NULL,
        cutoff_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'completed' CHECK (status IN ('completed')),
        line_count integer NOT NULL,
        payments_amount bigint NOT NULL,
        refunds_amount bigint NOT NULL,
        adjustments_amount bigint NOT NULL,
        fee_amount bigint NOT NULL,
        net_amount bigint NOT NULL,
        pending_amount bigint NOT NULL,
        carried_in bigint NOT NULL,
        transferred_amount bigint NOT NULL CHECK (transferred_amount >= 0),
        carried_forward bigint NOT NULL,
        ledger_entry_id text REFERENCES ledger_entries (id),
        actor text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT settlements_net_adds_up CHECK (net_amount = payments_amount - refunds_amount + adjustments_amount - fee_amount),
        CONSTRAINT settlements_carry_adds_up CHECK (carried_forward = pending_amount + carried_in - transferred_amount)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX settlements_merchant_currency_day_key ON settlements (merchant_id, currency, business_day)`,
    );
    await q.query(`CREATE INDEX settlements_merchant_id_idx ON settlements (merchant_id, id)`);

    await q.query(`
      CREATE TABLE settlement_lines (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        settlement_id text NOT NULL REFERENCES settlements (id),
        merchant_id text NOT NULL,
        ledger_entry_id text NOT NULL REFERENCES ledger_entries (id),
        kind text NOT NULL CHECK (kind IN ('payment', 'refund', 'adjustment')),
        entry_type text NOT NULL,
        reference_type text NOT NULL,
        reference_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        gross_amount bigint NOT NULL,
        fee_amount bigint NOT NULL,
        net_amount bigint NOT NULL,
        pending_amount bigint NOT NULL,
        CONSTRAINT settlement_lines_net_adds_up CHECK (net_amount = gross_amount - fee_amount)
      )`);
    // An entry is settled at most once: the guard that makes "not yet settled" exact under concurrency.
    await q.query(`CREATE UNIQUE INDEX settlement_lines_ledger_entry_id_key ON settlement_lines (ledger_entry_id)`);
    await q.query(`CREATE INDEX settlement_lines_settlement_id_idx ON settlement_lines (settlement_id, id)`);

    await q.query(`
      CREATE TABLE payouts (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchants (id),
        currency character(3) NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        status text NOT NULL CHECK (status IN ('awaiting_approval', 'in_transit', 'paid', 'failed')),
        settlement_id text REFERENCES settlements (id),
        event_id text,
        provider_state text NOT NULL DEFAULT 'creating' CHECK (provider_state IN ('creating', 'created', 'unknown')),
        bank_reference text,
        failure_code text,
        failure_message text,
        approval_required boolean NOT NULL DEFAULT false,
        approved_by text,
        approved_at timestamptz,
        next_check_at timestamptz,
        check_attempts integer NOT NULL DEFAULT 0,
        paid_at timestamptz,
        failed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX payouts_settlement_id_key ON payouts (settlement_id)`);
    await q.query(`CREATE INDEX payouts_merchant_id_idx ON payouts (merchant_id, id)`);
    await q.query(`CREATE INDEX payouts_next_check_idx ON payouts (next_check_at) WHERE next_check_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE reconciliation_reports (
        id text PRIMARY KEY,
        provider text NOT NULL,
        business_day date NOT NULL,
        statement_lines integer NOT NULL,
        ledger_items integer NOT NULL,
        matched integer NOT NULL,
        missing_here integer NOT NULL,
        missing_at_provider integer NOT NULL,
        amount_mismatch integer NOT NULL,
        status_mismatch integer NOT NULL,
        resolved integer NOT NULL,
        open_exceptions integer NOT NULL,
        actor text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX reconciliation_reports_provider_day_idx ON reconciliation_reports (provider, business_day)`,
    );

    await q.query(`
      CREATE TABLE reconciliation_items (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        report_id text NOT NULL REFERENCES reconciliation_reports (id),
        provider text NOT NULL,
        business_day date NOT NULL,
        category text NOT NULL CHECK (category IN ('matched', 'missing_here', 'missing_at_provider', 'amount_mismatch', 'status_mismatch')),
        resolution text NOT NULL CHECK (resolution IN ('none', 'resolved', 'open')),
        reference_type text NOT NULL,
        reference_id text NOT NULL,
        currency character(3),
        statement_amount bigint,
        ledger_amount bigint,
        evidence jsonb NOT NULL,
        resolved_by text,
        resolved_at timestamptz,
        resolution_note text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX reconciliation_items_report_id_idx ON reconciliation_items (report_id, id)`);
    await q.query(`CREATE INDEX reconciliation_items_resolution_idx ON reconciliation_items (resolution, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reconciliation_items`);
    await q.query(`DROP TABLE reconciliation_reports`);
    await q.query(`DROP TABLE payouts`);
    await q.query(`DROP TABLE settlement_lines`);
    await q.query(`DROP TABLE settlements`);
    await q.query(`DROP INDEX ledger_entries_merchant_occurred_at_idx`);
    await q.query(`ALTER TABLE ledger_entries DROP COLUMN occurred_at`);
  }
}
