import { StatementLine } from '../provider.port';
import { fenToYuan, yuanToFen } from '../minor-units.util';
import { alipayTimestamp, parseAlipayTimestamp } from './alipay-signature.util';

/**
 * The sandbox trade bill, modelled on Alipay's "业务明细" CSV (UTF-8 here;
 * the real file is GBK inside a zip, see the adapter's note). Layout:
 *   #-prefixed preamble lines, one header row, one row per transaction,
 *   #-prefixed totals. 业务类型 is 交易 (payment) or 退款 (refund); refund
 *   amounts are negative yuan; 退款批次号/请求号 carries the out_request_no.
 *   Times are Beijing time, the bill day is a UTC+8 calendar day.
 */
export const ALIPAY_BILL_COLUMNS = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '订单金额（元）',
  '商家实收（元）',
  '退款批次号/请求号',
  '备注',
] as const;

export interface AlipayBillRow {
  tradeNo: string;
  outTradeNo: string;
  kind: 'payment' | 'refund';
  subject: string;
  createdAt: Date;
  completedAt: Date;
  amount: bigint;
  outRequestNo?: string;
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function formatAlipayBill(account: string, day: string, rows: AlipayBillRow[]): string {
  const [y, m, d] = day.split('-');
  const lines = [
    '#支付宝业务明细查询',
    `#账号：[${account}]`,
    `#起始日期：[${y}年${m}月${d}日 00:00:00]   终止日期：[${y}年${m}月${d}日 23:59:59]`,
    '#-----------------------------------------业务明细列表----------------------------------------',
    ALIPAY_BILL_COLUMNS.join(','),
  ];
  for (const r of rows) {
    const signed = r.kind === 'refund' ? -r.amount : r.amount;
    lines.push(
      [
        r.tradeNo,
        r.outTradeNo,
        r.kind === 'refund' ? '退款' : '交易',
        r.subject,
        alipayTimestamp(r.createdAt),
        alipayTimestamp(r.completedAt),
        fenToYuan(signed),
        fenToYuan(signed),
        r.outRequestNo ?? '',
        '',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  const pays = rows.filter((r) => r.kind === 'payment').length;
  lines.push('#-----------------------------------------业务明细列表结束------------------------------------');
  lines.push(`#交易合计：${pays}笔，退款合计：${rows.length - pays}笔`);
  lines.push(`#导出时间：[${alipayTimestamp(new Date())}]`);
  return lines.join('\r\n') + '\r\n';
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((v) => v.trim());
}

/** Parses the bill by column name; rows it cannot read exactly are an error, not silently skipped. */
export function parseAlipayBill(csv: string): StatementLine[] {
  const rows = csv.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (rows.length === 0) return [];
  const header = splitCsvLine(rows[0]);
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`alipay bill: missing column ${name}`);
    return i;
  };
  const [iTrade, iOut, iType, iDone, iAmount, iReq] = [
    col('支付宝交易号'),
    col('商户订单号'),
    col('业务类型'),
    col('完成时间'),
    col('订单金额（元）'),
    col('退款批次号/请求号'),
  ];
  return rows.slice(1).map((line) => {
    const c = splitCsvLine(line);
    const refund = c[iType] === '退款';
    const amountText = c[iAmount].replace(/^-/, '');
    const occurredAt = parseAlipayTimestamp(c[iDone]);
    if (!occurredAt) throw new Error(`alipay bill: bad time ${c[iDone]}`);
    return {
      providerOrderId: c[iOut],
      providerTransactionId: c[iTrade] || undefined,
      providerRefundId: refund ? c[iReq] || undefined : undefined,
      kind: refund ? 'refund' : 'payment',
      amount: yuanToFen(amountText),
      currency: 'CNY',
      status: refund ? 'REFUND_SUCCESS' : 'TRADE_SUCCESS',
      occurredAt,
    } satisfies StatementLine;
  });
}
