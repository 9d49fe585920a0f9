import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The checkout sweeper (checkout-expiry.worker.ts) expires open sessions
 * whose clock ran out and emits checkout_session.expired: it looks for them
 * by expires_at among the open ones only, so the index holds only those.
 */
export class CheckoutSessionSweep1765940000000 implements MigrationInterface {
  name = 'CheckoutSessionSweep1765940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX checkout_sessions_open_expires_at_idx ON checkout_sessions (expires_at) WHERE status = 'open'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX checkout_sessions_open_expires_at_idx`);
  }
}
