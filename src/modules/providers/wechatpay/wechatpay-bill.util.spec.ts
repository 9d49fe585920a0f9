import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parseWechatBill, wechatBillHashMatches } from './wechatpay-bill.util';

/** A real-format WeChat Pay trade bill written here from the documented columns: BOM, backticks, totals. */
const COLUMNS =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,' +
  '应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,' +
  '手续费,费率,订单金额,申请退款金额,费率备注';
const row = (cells: string[]) => cells.map((c) => '`' + c).join(',');
const TEXT =
  '\uFEFF' +
  [
    COLUMNS,
    row([
      '2026-12-01 10:00:00',
      'wx1',
      '1900000001',
      '0',
      '',
      '4200000001',
      'pay_w',
      'oUser',
      'NATIVE',
      'SUCCESS',
      'OTHERS',
      'CNY',
      '12.34',
      '0.00',
      '0',
      '0',
      '0.00',
      '0.00',
      '',
      '',
      '咖啡',
      '',
      '0.07',
      '0.60%',
      '12.34',
      '0.00',
      '',
    ]),
    row([
      '2026-12-01 11:00:00',
      'wx1',
      '1900000001',
      '0',
      '',
      '4200000001',
      'pay_w',
      'oUser',
      'NATIVE',
      'REFUND',
      'OTHERS',
      'CNY',
      '0.00',
      '0.00',
      '5030000001',
      're_w',
      '2.00',
      '0.00',
      'ORIGINAL',
      'SUCCESS',
      '咖啡',
      '',
      '-0.01',
      '0.60%',
      '12.34',
      '2.00',
      '',
    ]),
    '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
    row(['2', '12.34', '2.00', '0.00', '0.06', '12.34', '2.00']),
  ].join('\r\n') +
  '\r\n';

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

describe('WeChat Pay trade bill', () => {
  const raw = Buffer.from(TEXT, 'utf8');

  it('checks SHA1 over the raw bytes, BOM included; a hash of the decoded text fails', () => {
    expect(raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(wechatBillHashMatches(raw, 'SHA1', sha1(raw))).toBe(true);
    expect(wechatBillHashMatches(raw, 'SHA1', sha1(Buffer.from(TEXT.slice(1), 'utf8')))).toBe(false);
    expect(wechatBillHashMatches(raw, 'MD5', sha1(raw))).toBe(false);
    expect(wechatBillHashMatches(raw, 'SHA1', 'nothex')).toBe(false);
  });

  it('parses the BOM-prefixed file and its gzip form the same, stopping at the totals', () => {
    const expected = [
      expect.objectContaining({ kind: 'payment', providerOrderId: 'pay_w', amount: 1234n, fee: 7n, status: 'SUCCESS' }),
      expect.objectContaining({ kind: 'refund', providerRefundId: 're_w', amount: 200n, fee: 1n, status: 'SUCCESS' }),
    ];
    expect(parseWechatBill(raw)).toEqual(expected);
    const gz = gzipSync(raw);
    expect(wechatBillHashMatches(gz, 'SHA1', sha1(gz))).toBe(true);
    expect(parseWechatBill(gz, true)).toEqual(expected);
    expect(parseWechatBill(raw)[0].occurredAt).toEqual(new Date('2026-12-01T02:00:00Z'));
  });
});
