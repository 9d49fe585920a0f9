import { SplitOutcome, SplitReceiver } from '../provider.port';
import { fenToYuan } from '../minor-units.util';

/**
 * Alipay 分账 (royalty) field mapping, kept apart from the adapter's calls.
 * Field names as in alipay-sdk-java-all (RoyaltyEntity, OpenApiRoyaltyDetailInfoPojo,
 * RoyaltyDetail) and the opendocs 商家分账 guide; see docs/providers.md.
 */

type Node = Record<string, unknown>;

export type AlipayAccountType = 'userId' | 'loginName' | 'openId';

/**
 * How Alipay names the receiver's account: a 2088… user id is `userId`
 * whatever the receiver is; a person may also be named by login (email or
 * phone: `loginName`) or by the app's openId (the 2024 OpenID migration).
 */
export function alipayAccountType(r: SplitReceiver): AlipayAccountType {
  if (/^2088\d{12}$/.test(r.account)) return 'userId';
  if (r.type === 'merchant') return 'userId';
  return /@|^\+?\d{6,15}$/.test(r.account) ? 'loginName' : 'openId';
}

/** One RoyaltyEntity of alipay.trade.royalty.relation.bind's receiver_list. */
export const royaltyEntity = (r: SplitReceiver) => ({
  type: alipayAccountType(r),
  account: r.account,
  name: r.name,
  memo: r.relation,
});

/** One royalty_parameters item of alipay.trade.order.settle (an ordinary transfer). */
export const royaltyTransfer = (r: SplitReceiver, amount: bigint, desc: string) => ({
  royalty_type: 'transfer',
  trans_in_type: alipayAccountType(r),
  trans_in: r.account,
  amount: fenToYuan(amount),
  desc,
});

/** One refund_royalty_parameters item of alipay.trade.refund: royalty back from the receiver (退分账). */
export const royaltyReturn = (r: SplitReceiver, amount: bigint, desc: string) => ({
  royalty_type: 'transfer',
  trans_out_type: alipayAccountType(r),
  trans_out: r.account,
  amount: fenToYuan(amount),
  desc,
});

/**
 * Sub-codes of a settle that mean "may or may not have happened: repeat the
 * same request" (the settle docs: ACQ.SYSTEM_ERROR, ACQ.TRADE_SETTLE_ERROR).
 */
export const SETTLE_RETRY_SUB_CODES = new Set(['ACQ.TRADE_SETTLE_ERROR']);

/**
 * The split's state from alipay.trade.order.settle.query: its `transfer`
 * details (a release-only settle has none and is done once accepted). Sync
 * settles succeed or fail as a whole, so one FAIL fails the split.
 */
export function settleQueryOutcome(node: Node): SplitOutcome {
  const details = (Array.isArray(node.royalty_detail_list) ? (node.royalty_detail_list as Node[]) : []).filter(
    (d) => d.operation_type === 'transfer',
  );
  const failed = details.find((d) => d.state === 'FAIL');
  if (failed) {
    return {
      status: 'failed',
      retryable: false,
      providerCode: typeof failed.error_code === 'string' ? failed.error_code : 'FAIL',
      providerMessage: typeof failed.error_desc === 'string' ? failed.error_desc : undefined,
      raw: node,
    };
  }
  if (details.some((d) => d.state !== 'SUCCESS')) return { status: 'pending', providerCode: 'PROCESSING', raw: node };
  return { status: 'succeeded', providerCode: 'SUCCESS', raw: node };
}

/**
 * A royalty return from the refund query's refund_royaltys: every item
 * SUCCESS is done; none yet, or another result, is still being processed.
 */
export function refundRoyaltyOutcome(node: Node): SplitOutcome {
  const items = Array.isArray(node.refund_royaltys) ? (node.refund_royaltys as Node[]) : [];
  if (items.length > 0 && items.every((i) => i.result_code === 'SUCCESS'))
    return { status: 'succeeded', providerCode: 'SUCCESS', raw: node };
  return { status: 'pending', providerCode: str(items[0]?.result_code) ?? 'PROCESSING', raw: node };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
