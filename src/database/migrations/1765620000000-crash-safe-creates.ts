import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * docs/reliability.md "A crash between the INSERT and the provider call": a
 * payment remembers the Idempotency-Key that created it, so a retry of that
 * request completes it instead of answering duplicate_out_trade_no; an
 * in-progress key names the process holding it (its liveness session, see
 * process-sentinel.ts), so a key whose process is gone is free at once.
 */
export class CrashSafeCreates1765620000000 implements MigrationInterface {
  name = 'CrashSafeCreates1765620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments ADD COLUMN create_idempotency_key text NULL`);
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN holder text NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN holder`);
    await q.query(`ALTER TABLE payments DROP COLUMN create_idempotency_key`);
  }
}
