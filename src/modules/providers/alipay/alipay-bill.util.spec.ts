import { strToU8, zipSync } from 'fflate';
import * as iconv from 'iconv-lite';
import { alipayDetailCsvFromZip, parseAlipayBillZip } from './alipay-bill.util';

/**
 * A real-format Alipay trade bill, written here line by line from the
 * documented 25 columns (not with the sandbox's builder): a zip of two GBK
 * CSVs, `#` comment lines, tab-padded ids and times, a refund as a negative row.
 */
const HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,' +
  '订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,' +
  '商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';

const DETAIL = [
  '#支付宝业务明细查询',
  '#账号：[20881234567890120156]',
  '#起始日期：[2026年12月01日 00:00:00]   终止日期：[2026年12月02日 00:00:00]',
  '#-----------------------------------------业务明细列表----------------------------------------',
  HEADER,
  '2026120122001400001111111111\t,pay_a\t,交易,咖啡 #1,2026-12-01 09:00:00\t,2026-12-01 09:00:05\t,,,,,' +
    'buyer@example.com,100.00,100.00,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,,-0.60,0.00,',
  '2026120122001400001111111111\t,pay_a\t,退款,咖啡 #1,2026-12-01 09:00:00\t,2026-12-01 23:59:59\t,,,,,' +
    'buyer@example.com,-25.50,-25.50,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,re_a1\t,0.15,0.00,',
  '#-----------------------------------------业务明细列表结束------------------------------------',
  '#交易合计：1笔，商家实收共100.00元',
  '#退款合计：1笔，商家实收共-25.50元',
  '#导出时间：[2026年12月02日 10:11:12]',
].join('\r\n');

const SUMMARY = ['#支付宝业务汇总查询', '门店编号,门店名称,交易订单总笔数', '合计,,1'].join('\r\n');

function billZip(): Buffer {
  return Buffer.from(
    zipSync({
      '20881234567890120156_20261201_业务明细(汇总).csv': iconv.encode(SUMMARY, 'gbk'),
      '20881234567890120156_20261201_业务明细.csv': iconv.encode(DETAIL, 'gbk'),
    }),
  );
}

describe('Alipay trade bill (zip of GBK CSVs)', () => {
  it('unzips, decodes GBK, skips comments and the summary, trims tabs, reads refunds as negative rows', () => {
    expect(parseAlipayBillZip(billZip())).toEqual([
      {
        providerOrderId: 'pay_a',
        providerTransactionId: '2026120122001400001111111111',
        providerRefundId: undefined,
        kind: 'payment',
        amount: 10000n,
        fee: 60n,
        currency: 'CNY',
        status: 'TRADE_SUCCESS',
        occurredAt: new Date('2026-12-01T01:00:05Z'),
      },
      {
        providerOrderId: 'pay_a',
        providerTransactionId: '2026120122001400001111111111',
        providerRefundId: 're_a1',
        kind: 'refund',
        amount: 2550n,
        fee: 15n,
        currency: 'CNY',
        status: 'REFUND_SUCCESS',
        occurredAt: new Date('2026-12-01T15:59:59Z'),
      },
    ]);
  });

  it('the bytes are GBK, not UTF-8: reading them as UTF-8 text would lose the header', () => {
    const detail = alipayDetailCsvFromZip(billZip());
    expect(detail).toContain('支付宝交易号');
    expect(iconv.encode(DETAIL, 'gbk').toString('utf8')).not.toContain('支付宝交易号');
  });

  it('refuses a body that is not a zip, a zip without the detail file, and a row with a bad amount', () => {
    expect(() => parseAlipayBillZip(Buffer.from(DETAIL, 'utf8'))).toThrow(/not a zip/);
    expect(() => parseAlipayBillZip(Buffer.from(zipSync({ 'x.csv': strToU8('a,b\r\n1,2') })))).toThrow(/no 业务明细/);
    const bad = DETAIL.replace('100.00,100.00', '1e2,1e2');
    expect(() => parseAlipayBillZip(Buffer.from(zipSync({ 'd.csv': iconv.encode(bad, 'gbk') })))).toThrow(
      /yuan amount/,
    );
  });
});
