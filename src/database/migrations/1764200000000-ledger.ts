import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The double-entry ledger (docs/ledger.md). The invariants live here, in
 * PostgreSQL, so that no code path can break them:
 * - amounts are bigint minor units > 0;
 * - inserting a posting moves its account's cached balance in the same
 *   statement, under the account's row lock (no read-modify-write), and a
 *   CHECK keeps non-negative accounts >= 0 even under concurrent postings;
 * - balances change only through postings (guard trigger);
 * - entries and postings are append-only (corrections are linked reversals);
 * - every entry has two or more postings and balances per currency, checked
 *   at commit by deferred constraint triggers.
 */
export class Ledger1764200000000 implements MigrationInterface {
  name = 'Ledger1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_accounts (
        id text PRIMARY KEY,
        code text NOT NULL,
        type text NOT NULL,
        currency character(3) NOT NULL,
        merchant_id text,
        subkey text,
        non_negative boolean NOT NULL,
        balance bigint NOT NULL DEFAULT 0,
        debits_posted bigint NOT NULL DEFAULT 0,
        credits_posted bigint NOT NULL DEFAULT 0,
        posting_count bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ledger_accounts_type_check CHECK (type IN ('asset', 'liability', 'revenue', 'expense')),
        CONSTRAINT ledger_accounts_non_negative CHECK (NOT non_negative OR balance >= 0),
        CONSTRAINT ledger_accounts_totals_check CHECK (
          debits_posted >= 0 AND credits_posted >= 0 AND posting_count >= 0 AND
          balance = CASE WHEN type IN ('asset', 'expense') THEN debits_posted - credits_posted ELSE credits_posted - debits_posted END)
      )`);
    // NULLS NOT DISTINCT: a platform account (no merchant, no subkey) exists once per currency.
    await q.query(
      `CREATE UNIQUE INDEX ledger_accounts_identity_key ON ledger_accounts (code, currency, merchant_id, subkey) NULLS NOT DISTINCT`,
    );
    await q.query(`CREATE INDEX ledger_accounts_merchant_id_idx ON ledger_accounts (merchant_id)`);

    await q.query(`
      CREATE TABLE ledger_entries (
        id text PRIMARY KEY,
        external_id text NOT NULL,
        type text NOT NULL,
        reference_type text NOT NULL,
        reference_id text NOT NULL,
        merchant_id text,
        description text,
        reverses_entry_id text CONSTRAINT ledger_entries_reverses_entry_id_fkey REFERENCES ledger_entries (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ledger_entries_not_self_reversal CHECK (reverses_entry_id IS NULL OR reverses_entry_id <> id)
      )`);
    await q.query(`CREATE UNIQUE INDEX ledger_entries_external_id_key ON ledger_entries (external_id)`);
    await q.query(`CREATE UNIQUE INDEX ledger_entries_reverses_entry_id_key ON ledger_entries (reverses_entry_id)`);
    await q.query(`CREATE INDEX ledger_entries_reference_idx ON ledger_entries (reference_type, reference_id)`);
    await q.query(`CREATE INDEX ledger_entries_merchant_id_idx ON ledger_entries (merchant_id)`);

    await q.query(`
      CREATE TABLE ledger_postings (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        entry_id text NOT NULL CONSTRAINT ledger_postings_entry_id_fkey REFERENCES ledger_entries (id),
        account_id text NOT NULL CONSTRAINT ledger_postings_account_id_fkey REFERENCES ledger_accounts (id),
        currency character(3) NOT NULL,
        direction text NOT NULL,
        amount bigint NOT NULL,
        balance_after bigint NOT NULL,
        account_seq bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ledger_postings_direction_check CHECK (direction IN ('debit', 'credit')),
        CONSTRAINT ledger_postings_amount_check CHECK (amount > 0)
      )`);
    await q.query(`CREATE UNIQUE INDEX ledger_postings_account_seq_key ON ledger_postings (account_id, account_seq)`);
    await q.query(`CREATE INDEX ledger_postings_entry_id_idx ON ledger_postings (entry_id)`);

    // The balance moves in the INSERT itself: UPDATE … SET balance = balance + delta takes the row lock
    // and re-reads the latest committed row, so concurrent postings queue instead of losing updates.
    await q.query(`
      CREATE FUNCTION ledger_apply_posting() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        account_currency character(3);
      BEGIN
        IF NEW.amount IS NULL OR NEW.amount <= 0 OR NEW.direction IS NULL OR NEW.direction NOT IN ('debit', 'credit') THEN
          RAISE EXCEPTION 'a posting needs a direction and an amount > 0'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_postings_amount_check';
        END IF;
        UPDATE ledger_accounts SET
          balance = balance + CASE WHEN (NEW.direction = 'debit') = (type IN ('asset', 'expense')) THEN NEW.amount ELSE -NEW.amount END,
          debits_posted = debits_posted + CASE WHEN NEW.direction = 'debit' THEN NEW.amount ELSE 0 END,
          credits_posted = credits_posted + CASE WHEN NEW.direction = 'credit' THEN NEW.amount ELSE 0 END,
          posting_count = posting_count + 1
        WHERE id = NEW.account_id
        RETURNING balance, posting_count, currency INTO NEW.balance_after, NEW.account_seq, account_currency;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'ledger account % does not exist', NEW.account_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_postings_account_id_fkey';
        END IF;
        IF NEW.currency IS NULL THEN
          NEW.currency := account_currency;
        ELSIF NEW.currency <> account_currency THEN
          RAISE EXCEPTION 'posting currency % differs from account % currency %', NEW.currency, NEW.account_id, account_currency
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_postings_currency_check';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(
      `CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting()`,
    );

    // Depth 1 is a direct UPDATE; the posting trigger's UPDATE runs at depth 2.
    await q.query(`
      CREATE FUNCTION ledger_accounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF pg_trigger_depth() < 2 THEN
          RAISE EXCEPTION 'ledger accounts change only by inserting postings' USING ERRCODE = 'P0001';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(
      `CREATE TRIGGER ledger_accounts_guard BEFORE UPDATE ON ledger_accounts FOR EACH ROW EXECUTE FUNCTION ledger_accounts_guard()`,
    );
    await q.query(
      `CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts FOR EACH ROW EXECUTE FUNCTION paygrid_refuse_change()`,
    );

    for (const table of ['ledger_entries', 'ledger_postings']) {
      await q.query(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION paygrid_refuse_change()`,
      );
    }
    for (const table of ['ledger_accounts', 'ledger_entries', 'ledger_postings']) {
      await q.query(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION paygrid_refuse_change()`,
      );
    }

    // sum(bigint) is numeric in PostgreSQL, so the check itself cannot overflow.
    await q.query(`
      CREATE FUNCTION ledger_assert_entry_balanced(p_entry_id text) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        postings bigint;
        unbalanced bigint;
      BEGIN
        SELECT coalesce(sum(n), 0), count(*) FILTER (WHERE net <> 0) INTO postings, unbalanced
        FROM (
          SELECT count(*) AS n, sum(CASE WHEN direction = 'debit' THEN amount ELSE -amount END) AS net
          FROM ledger_postings WHERE entry_id = p_entry_id GROUP BY currency
        ) per_currency;
        IF postings < 2 THEN
          RAISE EXCEPTION 'journal entry % has % posting(s); at least two are required', p_entry_id, postings
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_balanced';
        END IF;
        IF unbalanced > 0 THEN
          RAISE EXCEPTION 'journal entry % does not balance in % currency(ies)', p_entry_id, unbalanced
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_balanced';
        END IF;
      END $$`);
    await q.query(`
      CREATE FUNCTION ledger_check_posting_entry() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM ledger_assert_entry_balanced(NEW.entry_id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION ledger_check_entry() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM ledger_assert_entry_balanced(NEW.id);
        RETURN NULL;
      END $$`);
    // Deferred to commit: the entry and its postings are inserted by separate statements.
    await q.query(`
      CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_posting_entry()`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger_postings`);
    await q.query(`DROP TABLE ledger_entries`);
    await q.query(`DROP TABLE ledger_accounts`);
    await q.query(`DROP FUNCTION ledger_check_entry()`);
    await q.query(`DROP FUNCTION ledger_check_posting_entry()`);
    await q.query(`DROP FUNCTION ledger_assert_entry_balanced(text)`);
    await q.query(`DROP FUNCTION ledger_accounts_guard()`);
    await q.query(`DROP FUNCTION ledger_apply_posting()`);
  }
}
