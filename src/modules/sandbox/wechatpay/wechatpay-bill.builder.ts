import { gzipSync } from 'node:zlib';
import { beijingTime, yuan } from '../shared/sim-format.util';

/**
 * WeChat Pay's trade bill (GET /v3/bill/tradebill, bill_type ALL) as the
 * download serves it: UTF-8 with a BOM, a header row, one row per payment or
 * refund with every cell prefixed by a backtick, then the totals header
 * (starting at 总交易单数) and its row. Amounts are yuan; times 北京时间.
 * With tar_type=GZIP the same bytes come gzip-compressed, and the SHA1 in
 * the tradebill answer covers the bytes as downloaded.
 */
export const WECHAT_TRADE_BILL_COLUMNS = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '特约商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '应结订单金额',
  '代金券金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '充值券退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '订单金额',
  '申请退款金额',
  '费率备注',
] as const;

export interface WechatBillEntry {
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
  /** This row's fee in minor units (positive; a refund gives its part back). */
  fee: bigint;
  description: string;
}

const BOM = '\uFEFF';

export function wechatBillText(rows: WechatBillEntry[]): string {
  const lines = [WECHAT_TRADE_BILL_COLUMNS.join(',')];
  let paid = 0n;
  let refunded = 0n;
  let fees = 0n;
  for (const r of rows) {
    const refund = r.kind === 'refund';
    if (refund) refunded += r.refundAmount ?? 0n;
    else paid += r.paymentAmount;
    fees += refund ? -r.fee : r.fee;
    const v: Record<(typeof WECHAT_TRADE_BILL_COLUMNS)[number], string> = {
      交易时间: beijingTime(r.at),
      公众账号ID: r.appid,
      商户号: r.mchid,
      特约商户号: '0',
      设备号: '',
      微信订单号: r.transactionId,
      商户订单号: r.outTradeNo,
      用户标识: 'sandbox-openid',
      交易类型: r.tradeType,
      交易状态: refund ? 'REFUND' : 'SUCCESS',
      付款银行: 'OTHERS',
      货币种类: 'CNY',
      应结订单金额: refund ? '0.00' : yuan(r.paymentAmount),
      代金券金额: '0.00',
      微信退款单号: r.refundId ?? '0',
      商户退款单号: r.outRefundNo ?? '0',
      退款金额: yuan(r.refundAmount ?? 0n),
      充值券退款金额: '0.00',
      退款类型: refund ? 'ORIGINAL' : '',
      退款状态: refund ? 'SUCCESS' : '',
      商品名称: r.description.replace(/[,`\r\n]/g, ' '),
      商户数据包: '',
      手续费: yuan(refund ? -r.fee : r.fee),
      费率: '0.60%',
      订单金额: yuan(r.paymentAmount),
      申请退款金额: yuan(r.refundAmount ?? 0n),
      费率备注: '',
    };
    lines.push(WECHAT_TRADE_BILL_COLUMNS.map((c) => '`' + v[c]).join(','));
  }
  lines.push('总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额');
  lines.push(
    [String(rows.length), yuan(paid), yuan(refunded), '0.00', yuan(fees), yuan(paid), yuan(refunded)]
      .map((x) => '`' + x)
      .join(','),
  );
  return BOM + lines.join('\r\n') + '\r\n';
}

/** The bytes the download link serves. */
export function wechatBillBytes(rows: WechatBillEntry[], gzip: boolean): Buffer {
  const raw = Buffer.from(wechatBillText(rows), 'utf8');
  return gzip ? gzipSync(raw) : raw;
}
