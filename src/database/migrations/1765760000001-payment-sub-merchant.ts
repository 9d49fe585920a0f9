import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * WeChat Pay service-provider mode: the sub-merchant a payment was made for,
 * fixed at create (a later change of the merchant's mode does not move an
 * open order), and checked against every callback's sub_mchid.
 */
export class PaymentSubMerchant1765760000001 implements MigrationInterface {
  name = 'PaymentSubMerchant1765760000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments ADD COLUMN sub_mchid text, ADD COLUMN sub_appid text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments DROP COLUMN sub_appid, DROP COLUMN sub_mchid`);
  }
}
