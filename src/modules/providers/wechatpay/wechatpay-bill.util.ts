import { StatementLine } from '../provider.port';
import { fenToYuan, yuanToFen } from '../minor-units.util';
import { alipayTimestamp, parseAlipayTimestamp } from '../alipay/alipay-signature.util';

/**
 * WeChat Pay trade bill (GET /v3/bill/tradebill -> download_url), as the real
 * file is laid out: a header row, one row per transaction with every field
 * prefixed by a backtick, then a totals header and row. Amounts are yuan with
 * two decimals; times are Beijing time ("yyyy-MM-dd HH:mm:ss", the same
 * layout as Alipay's timestamp, hence the shared helper). A refund row has
 * 交易状态 REFUND and carries 商户退款单号 / 退款金额.
 */
export const WECHAT_BILL_COLUMNS = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识',
  '交易类型', '交易状态', '付款银行', '货币种类', '应结订单金额', '代金券金额', '微信退款单号',
  '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态', '商品名称', '商户数据包',
  '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
] as const;

export interface WechatBillRow {
  at: Date;
  appid: string;
  mchid: string;
  transactionId: string;
  outTradeNo: string;
  tradeType: string;
  kind: 'payment' | 'refund';
  paymentAmount: bigint;
  refundId?: string;
  outRefundNo?: string;
  refundAmount?: bigint;
  description: string;
}

export function formatWechatBill(rows: WechatBillRow[]): string {
  const lines = [WECHAT_BILL_COLUMNS.join(',')];
  let paid = 0n;
  let refunded = 0n;
  for (const r of rows) {
    const refund = r.kind === 'refund';
    if (refund) refunded += r.refundAmount ?? 0n;
    else paid += r.paymentAmount;
    const values: Record<(typeof WECHAT_BILL_COLUMNS)[number], string> = {
      交易时间: alipayTimestamp(r.at), 公众账号ID: r.appid, 商户号: r.mchid, 特约商户号: '0', 设备号: '',
      微信订单号: r.transactionId, 商户订单号: r.outTradeNo, 用户标识: 'sandbox-openid', 交易类型: r.tradeType,
      交易状态: refund ? 'REFUND' : 'SUCCESS', 付款银行: 'OTHERS', 货币种类: 'CNY',
      应结订单金额: refund ? '0.00' : fenToYuan(r.paymentAmount), 代金券金额: '0.00',
      微信退款单号: r.refundId ?? '0', 商户退款单号: r.outRefundNo ?? '0',
      退款金额: fenToYuan(r.refundAmount ?? 0n), 充值券退款金额: '0.00', 退款类型: refund ? 'ORIGINAL' : '',
      退款状态: refund ? 'SUCCESS' : '', 商品名称: r.description, 商户数据包: '', 手续费: '0.00', 费率: '0.60%',
      订单金额: fenToYuan(r.paymentAmount), 申请退款金额: fenToYuan(r.refundAmount ?? 0n), 费率备注: '',
    };
    lines.push(WECHAT_BILL_COLUMNS.map((c) => '`' + values[c].replace(/,/g, ' ')).join(','));
  }
  lines.push('总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额');
  lines.push(['`' + rows.length, fenToYuan(paid), fenToYuan(refunded), '0.00', '0.00', fenToYuan(paid), fenToYuan(refunded)].map((v, i) => (i === 0 ? v : '`' + v)).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function parseWechatBill(text: string): StatementLine[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0].split(',');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`wechat bill: missing column ${name}`);
    return i;
  };
  const out: StatementLine[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith('总交易单数')) break;
    const c = line.split(',').map((v) => v.replace(/^`/, '').trim());
    const refund = c[col('交易状态')] === 'REFUND';
    const occurredAt = parseAlipayTimestamp(c[col('交易时间')]);
    if (!occurredAt) throw new Error(`wechat bill: bad time ${c[col('交易时间')]}`);
    out.push({
      providerOrderId: c[col('商户订单号')],
      providerTransactionId: c[col('微信订单号')] || undefined,
      providerRefundId: refund ? c[col('商户退款单号')] : undefined,
      kind: refund ? 'refund' : 'payment',
      amount: yuanToFen(refund ? c[col('退款金额')] : c[col('应结订单金额')]),
      currency: c[col('货币种类')] || 'CNY',
      status: refund ? c[col('退款状态')] : c[col('交易状态')],
      occurredAt,
    });
  }
  return out;
}
