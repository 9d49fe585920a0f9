import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A refund an operator must look at while it stays pending: WeChat Pay's
 * ABNORMAL (the payer's account could not take the money; the refund waits
 * for apply-abnormal-refund or a decision by hand). The partial index keeps
 * the admin filter cheap: almost no refund is ever flagged.
 */
export class RefundAttention1765780000000 implements MigrationInterface {
  name = 'RefundAttention1765780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refunds ADD COLUMN attention text, ADD COLUMN attention_since timestamptz`);
    await q.query(`CREATE INDEX refunds_attention_idx ON refunds (attention, id) WHERE attention IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX refunds_attention_idx`);
    await q.query(`ALTER TABLE refunds DROP COLUMN attention_since, DROP COLUMN attention`);
  }
}
