import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a payment's money went, fixed at create like its sub_mchid:
 * `direct` (service-provider mode, the provider settles to the merchant) or
 * `collected` (the platform's provider account). The ledger posts the two
 * differently (docs/ledger.md "Direct mode"), and a refund follows the
 * payment's mode even if the merchant's mode changed since. Payments made
 * for a WeChat sub-merchant before this column existed were direct.
 */
export class PaymentMoneyMode1765770000000 implements MigrationInterface {
  name = 'PaymentMoneyMode1765770000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE payments ADD COLUMN money_mode text NOT NULL DEFAULT 'collected',
         ADD CONSTRAINT payments_money_mode_check CHECK (money_mode IN ('direct', 'collected'))`,
    );
    await q.query(`UPDATE payments SET money_mode = 'direct' WHERE sub_mchid IS NOT NULL`);
    // A sub-merchant order is the merchant's money by construction: never posted as collected.
    await q.query(
      `ALTER TABLE payments ADD CONSTRAINT payments_sub_mchid_direct_check CHECK (sub_mchid IS NULL OR money_mode = 'direct')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE payments DROP CONSTRAINT payments_sub_mchid_direct_check, DROP CONSTRAINT payments_money_mode_check, DROP COLUMN money_mode`,
    );
  }
}
