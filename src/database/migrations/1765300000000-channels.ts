import { MigrationInterface, QueryRunner } from 'typeorm';

const BEFORE = ['alipay_qr', 'alipay_page', 'wechat_native', 'wechat_jsapi', 'card'];
/** docs/channels.md: the Stripe card rail and the Alipay / WeChat Pay channels merchants expect. */
const AFTER = [
  ...BEFORE,
  'stripe_card',
  'alipay_wap',
  'alipay_app',
  'alipay_barcode',
  'wechat_h5',
  'wechat_app',
  'wechat_miniprogram',
];

const check = (channels: string[]) =>
  `ALTER TABLE payments ADD CONSTRAINT payments_channel_check CHECK (channel IN (${channels.map((c) => `'${c}'`).join(', ')}))`;

/** The payment channels a payment row may name. */
export class Channels1765300000000 implements MigrationInterface {
  name = 'Channels1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments DROP CONSTRAINT payments_channel_check`);
    await q.query(check(AFTER));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments DROP CONSTRAINT payments_channel_check`);
    await q.query(check(BEFORE));
  }
}
