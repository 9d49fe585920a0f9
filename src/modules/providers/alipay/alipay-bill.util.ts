import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import * as iconv from 'iconv-lite';
import { StatementLine } from '../provider.port';
import { yuanToFen } from '../minor-units.util';
import { parseAlipayTimestamp } from './alipay-signature.util';

/**
 * Alipay's trade bill (bill_type=trade), as the short-lived
 * `bill_download_url` serves it: a zip of GBK-encoded CSVs. The detail file
 * (业务明细) opens and closes with `#` comment lines and pads ids and times
 * with tabs; refunds are 业务类型 退款 rows with negative amounts and the
 * out_request_no in 退款批次号/请求号; 服务费（元） is the fee. The summary
 * file (业务明细(汇总)) is skipped. Entry names may be GBK without the zip
 * UTF-8 flag, so the detail file is found by its header, not its name.
 */
const HEADER_START = '支付宝交易号,';

export function alipayDetailCsvFromZip(zip: Buffer): string {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(zip.buffer, zip.byteOffset, zip.byteLength));
  } catch (err) {
    throw new Error(`alipay bill: not a zip file (${(err as Error).message})`);
  }
  for (const data of Object.values(entries)) {
    const text = iconv.decode(Buffer.from(data), 'gbk');
    if (text.split(/\r?\n/).some((l) => l.startsWith(HEADER_START))) return text;
  }
  throw new Error('alipay bill: no 业务明细 file with a 支付宝交易号 header in the zip');
}

type Row = Record<string, string>;

/** Parses the detail CSV by column name; a row it cannot read exactly is an error, never skipped. */
export function parseAlipayDetailCsv(csv: string): StatementLine[] {
  const rows: Row[] = parse(csv, {
    columns: true,
    comment: '#',
    comment_no_infix: true,
    skip_empty_lines: true,
    trim: true,
    bom: true,
  });
  return rows.map((r) => {
    const cell = (name: string) => {
      const v = r[name];
      if (v === undefined) throw new Error(`alipay bill: missing column ${name}`);
      return v.trim();
    };
    const refund = cell('业务类型') === '退款';
    const occurredAt = parseAlipayTimestamp(cell('完成时间'));
    if (!occurredAt) throw new Error(`alipay bill: bad time ${cell('完成时间')}`);
    const abs = (v: string) => yuanToFen(v.replace(/^-/, ''));
    const fee = r['服务费（元）']?.trim();
    return {
      providerOrderId: cell('商户订单号'),
      providerTransactionId: cell('支付宝交易号') || undefined,
      providerRefundId: refund ? cell('退款批次号/请求号') || undefined : undefined,
      kind: refund ? 'refund' : 'payment',
      amount: abs(cell('订单金额（元）')),
      fee: fee ? abs(fee) : undefined,
      currency: 'CNY',
      status: refund ? 'REFUND_SUCCESS' : 'TRADE_SUCCESS',
      occurredAt,
    } satisfies StatementLine;
  });
}

export function parseAlipayBillZip(zip: Buffer): StatementLine[] {
  return parseAlipayDetailCsv(alipayDetailCsvFromZip(zip));
}
