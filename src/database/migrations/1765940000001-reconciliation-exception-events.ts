import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reconciliation exceptions already announced (internal event
 * reconciliation.exception): one row per provider, bill day, reference and
 * category, so a re-run of the same day, which writes a new report with the
 * same exceptions, announces none of them again.
 */
export class ReconciliationExceptionEvents1765940000001 implements MigrationInterface {
  name = 'ReconciliationExceptionEvents1765940000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reconciliation_exception_events (
        id text PRIMARY KEY,
        provider text NOT NULL,
        business_day date NOT NULL,
        reference_type text NOT NULL CHECK (reference_type IN ('payment', 'refund')),
        reference_id text NOT NULL,
        category text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX reconciliation_exception_events_key
         ON reconciliation_exception_events (provider, business_day, reference_type, reference_id, category)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reconciliation_exception_events`);
  }
}
