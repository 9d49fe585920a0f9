import { zipSync } from 'fflate';
import * as iconv from 'iconv-lite';
import { beijingTime, yuan } from '../shared/sim-format.util';

/**
 * Alipay's trade bill as `alipay.data.dataservice.bill.downloadurl.query`
 * serves it (bill_type=trade): a zip holding two GBK-encoded CSV files, the
 * detail file `<pid>_<yyyyMMdd>_业务明细.csv` and the summary
 * `…_业务明细(汇总).csv`. The detail file opens and closes with `#` comment
 * lines; its 25 columns are the documented ones; ids and times carry a
 * trailing tab (so spreadsheets keep them as text); refunds are rows of
 * 业务类型 退款 with negative amounts and the out_request_no in
 * 退款批次号/请求号; 服务费 is the fee (negative on a payment, given back on
 * a refund).
 */
export const ALIPAY_TRADE_BILL_COLUMNS = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '门店编号',
  '门店名称',
  '操作员',
  '终端号',
  '对方账户',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
  '券名称',
  '商家红包消费金额（元）',
  '卡消费金额（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '分润（元）',
  '备注',
] as const;

export interface AlipayBillEntry {
  tradeNo: string;
  outTradeNo: string;
  kind: 'payment' | 'refund';
  subject: string;
  createdAt: Date;
  completedAt: Date;
  /** Positive minor units; refunds are written negative. */
  amount: bigint;
  /** The service fee of this row, positive minor units. */
  fee: bigint;
  outRequestNo?: string;
  buyer?: string;
}

const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const tab = (v: string) => `${v}\t`;

export function alipayDetailCsv(pid: string, day: string, rows: AlipayBillEntry[]): string {
  const [y, m, d] = day.split('-');
  const lines = [
    '#支付宝业务明细查询',
    `#账号：[${pid}]`,
    `#起始日期：[${y}年${m}月${d}日 00:00:00]   终止日期：[${y}年${m}月${d}日 23:59:59]`,
    '#-----------------------------------------业务明细列表----------------------------------------',
    ALIPAY_TRADE_BILL_COLUMNS.join(','),
  ];
  let paid = 0n;
  let refunded = 0n;
  for (const r of rows) {
    const refund = r.kind === 'refund';
    const amount = refund ? -r.amount : r.amount;
    if (refund) refunded += r.amount;
    else paid += r.amount;
    const values: Record<(typeof ALIPAY_TRADE_BILL_COLUMNS)[number], string> = {
      支付宝交易号: tab(r.tradeNo),
      商户订单号: tab(r.outTradeNo),
      业务类型: refund ? '退款' : '交易',
      商品名称: r.subject,
      创建时间: tab(beijingTime(r.createdAt)),
      完成时间: tab(beijingTime(r.completedAt)),
      门店编号: '',
      门店名称: '',
      操作员: '',
      终端号: '',
      对方账户: r.buyer ?? 'san***@sandbox.com',
      '订单金额（元）': yuan(amount),
      '商家实收（元）': yuan(amount),
      '支付宝红包（元）': '0.00',
      '集分宝（元）': '0.00',
      '支付宝优惠（元）': '0.00',
      '商家优惠（元）': '0.00',
      '券核销金额（元）': '0.00',
      券名称: '',
      '商家红包消费金额（元）': '0.00',
      '卡消费金额（元）': '0.00',
      '退款批次号/请求号': refund && r.outRequestNo ? tab(r.outRequestNo) : '',
      '服务费（元）': yuan(refund ? r.fee : -r.fee),
      '分润（元）': '0.00',
      备注: '',
    };
    lines.push(ALIPAY_TRADE_BILL_COLUMNS.map((c) => cell(values[c])).join(','));
  }
  lines.push('#-----------------------------------------业务明细列表结束------------------------------------');
  lines.push(`#交易合计：${rows.length - countRefunds(rows)}笔，商家实收共${yuan(paid)}元`);
  lines.push(`#退款合计：${countRefunds(rows)}笔，商家实收共${yuan(-refunded)}元`);
  lines.push(`#导出时间：[${beijingTime()}]`);
  return lines.join('\r\n') + '\r\n';
}

const countRefunds = (rows: AlipayBillEntry[]) => rows.filter((r) => r.kind === 'refund').length;

function summaryCsv(pid: string, day: string, rows: AlipayBillEntry[]): string {
  const sum = (k: AlipayBillEntry['kind']) => rows.filter((r) => r.kind === k).reduce((s, r) => s + r.amount, 0n);
  const fees = rows.reduce((s, r) => s + (r.kind === 'refund' ? r.fee : -r.fee), 0n);
  return (
    [
      '#支付宝业务汇总查询',
      `#账号：[${pid}]`,
      '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,服务费（元）,实收净额（元）',
      `合计,,${rows.length - countRefunds(rows)},${countRefunds(rows)},${yuan(sum('payment') - sum('refund'))},` +
        `${yuan(sum('payment') - sum('refund'))},${yuan(fees)},${yuan(sum('payment') - sum('refund') + fees)}`,
      `#导出时间：[${beijingTime()}]`,
    ].join('\r\n') + '\r\n'
  );
}

/** The zip the download URL serves. */
export function alipayBillZip(pid: string, day: string, rows: AlipayBillEntry[]): Buffer {
  const stem = `${pid}_${day.replace(/-/g, '')}`;
  return Buffer.from(
    zipSync({
      [`${stem}_业务明细.csv`]: iconv.encode(alipayDetailCsv(pid, day, rows), 'gbk'),
      [`${stem}_业务明细(汇总).csv`]: iconv.encode(summaryCsv(pid, day, rows), 'gbk'),
    }),
  );
}
