import { parse } from 'csv-parse/sync';
import { createHash, timingSafeEqual } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { StatementLine } from '../provider.port';
import { yuanToFen } from '../minor-units.util';
import { parseAlipayTimestamp as parseBeijingTime } from '../alipay/alipay-signature.util';

/**
 * WeChat Pay's trade bill (GET /v3/bill/tradebill → download_url): UTF-8,
 * possibly with a BOM, possibly gzip (tar_type=GZIP); every data cell starts
 * with a backtick; the totals section starts at 总交易单数. The SHA1 of the
 * tradebill answer covers the bytes exactly as downloaded, so it is checked
 * before anything is decoded. Times are 北京时间 (the same layout as Alipay's).
 */

/** SHA1 over the raw downloaded bytes, compared in constant time. */
export function wechatBillHashMatches(bytes: Buffer, hashType: unknown, hashValue: unknown): boolean {
  if (
    String(hashType).toUpperCase() !== 'SHA1' ||
    typeof hashValue !== 'string' ||
    !/^[0-9a-fA-F]{40}$/.test(hashValue)
  )
    return false;
  return timingSafeEqual(createHash('sha1').update(bytes).digest(), Buffer.from(hashValue, 'hex'));
}

type Row = Record<string, string>;

export function parseWechatBill(bytes: Buffer, gzip = false): StatementLine[] {
  const text = (gzip ? gunzipSync(bytes) : bytes).toString('utf8');
  const lines = text.split(/\r?\n/);
  const totals = lines.findIndex((l) => l.startsWith('总交易单数'));
  const detail = (totals >= 0 ? lines.slice(0, totals) : lines).join('\n');
  const rows: Row[] = parse(detail, { columns: true, bom: true, skip_empty_lines: true });
  return rows.map((r) => {
    const cell = (name: string) => {
      const v = r[name];
      if (v === undefined) throw new Error(`wechat bill: missing column ${name}`);
      return v.replace(/^`/, '').trim();
    };
    const refund = cell('交易状态') === 'REFUND';
    const occurredAt = parseBeijingTime(cell('交易时间'));
    if (!occurredAt) throw new Error(`wechat bill: bad time ${cell('交易时间')}`);
    const fee = cell('手续费').replace(/^-/, '');
    return {
      providerOrderId: cell('商户订单号'),
      providerTransactionId: cell('微信订单号') || undefined,
      providerRefundId: refund ? cell('商户退款单号') : undefined,
      kind: refund ? 'refund' : 'payment',
      amount: yuanToFen(refund ? cell('退款金额') : cell('应结订单金额')),
      fee: fee ? yuanToFen(fee) : undefined,
      currency: cell('货币种类') || 'CNY',
      status: refund ? cell('退款状态') : cell('交易状态'),
      occurredAt,
    } satisfies StatementLine;
  });
}
