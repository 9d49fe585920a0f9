import { randomBytes } from 'node:crypto';
import { beijingTime as alipayTimestamp, fenOf as yuanToFen, yuan as fenToYuan } from '../shared/sim-format.util';

/**
 * Alipay's merchant profit sharing (商家分账) in the simulator, with the real
 * methods and field names (opendocs "商家分账" guide; alipay-sdk-java-all
 * AlipayTradeOrderSettleModel, RoyaltyEntity, RoyaltyDetail, SettleExtendParams):
 * - alipay.trade.royalty.relation.bind adds receivers to the seller's 分账关系集;
 * - a trade paid with extend_params.royalty_freeze=true keeps its money frozen;
 * - alipay.trade.order.settle moves frozen money to bound receivers (sync by
 *   default, royalty_mode=async answers first and settles later), and
 *   extend_params.royalty_finish=true unfreezes what is left (with or without
 *   royalty_parameters);
 * - alipay.trade.order.settle.query reads a settle's royalty_detail_list,
 *   alipay.trade.order.onsettle.query what is still frozen;
 * - alipay.trade.refund with refund_royalty_parameters (and refund_amount 0)
 *   takes royalty back from a receiver (退分账).
 * The simulator's own rules, written where a real account's contract decides:
 * only a frozen trade is split, splits never exceed the unsplit frozen
 * amount, and at most `maxRoyaltyPercent` of the total (Alipay's default 30%).
 */

type Node = Record<string, unknown>;
type Biz = Record<string, unknown>;

export type RoyaltyAccountType = 'userId' | 'loginName' | 'openId';
const ACCOUNT_TYPES: readonly string[] = ['userId', 'loginName', 'openId'];

/** A receiver in a seller's 分账关系集 (RoyaltyEntity). */
export interface RoyaltyEntity {
  type: RoyaltyAccountType;
  account: string;
  name: string;
  memo?: string;
}

export interface RoyaltyTransfer {
  detailId: string;
  transInType: RoyaltyAccountType;
  transIn: string;
  amount: bigint;
  desc?: string;
  state: 'SUCCESS' | 'PROCESSING' | 'FAIL';
  at: Date;
}

export interface AlipaySettle {
  outRequestNo: string;
  settleNo: string;
  tradeNo: string;
  transfers: RoyaltyTransfer[];
  finish: boolean;
  /** The request's content, to tell an idempotent repeat from a discordant one. */
  fingerprint: string;
  at: Date;
}

/** Royalty taken back from a receiver by a refund (operation transfer_refund). */
export interface RoyaltyReturn {
  outRequestNo: string;
  transOutType: RoyaltyAccountType;
  transOut: string;
  amount: bigint;
  at: Date;
}

/** The royalty state of one trade. */
export interface TradeRoyalty {
  settles: AlipaySettle[];
  returns: RoyaltyReturn[];
  /** royalty_finish done: the remainder is unfrozen, no more splits. */
  finished: boolean;
}

/** What the royalty module needs of a trade (the simulator's AlipayTrade). */
export interface RoyaltyTrade {
  outTradeNo: string;
  tradeNo: string;
  total: bigint;
  status: string;
  royaltyFreeze?: boolean;
  royalty?: TradeRoyalty;
}

const OK = { code: '10000', msg: 'Success' };
const refusal = (code: '40002' | '40004', subCode: string, subMsg: string): Node => ({
  code,
  msg: code === '40004' ? 'Business Failed' : 'Invalid Arguments',
  sub_code: subCode,
  sub_msg: subMsg,
});
const invalid = (what: string) => refusal('40004', 'ACQ.INVALID_PARAMETER', `参数有误 ${what}`);
const digits = (n: number) =>
  BigInt('0x' + randomBytes(16).toString('hex'))
    .toString()
    .padStart(n, '0')
    .slice(-n);

/** Alipay writes amounts as strings or numbers (Number(9) in the docs): both are read exactly. */
function amountOf(v: unknown): bigint | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return yuanToFen(String(v));
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const flag = (v: unknown): boolean => v === true || v === 'true';

export class AlipayRoyalty {
  /** 分账关系集 per seller ('' the platform's own app, else the authorising merchant's auth_app_id). */
  private readonly relations = new Map<string, Map<string, RoyaltyEntity>>();
  /** Bind requests by seller and out_request_no (a repeat is the same bind). */
  private readonly binds = new Map<string, string>();
  /** At most this share of a trade's total may be split (Alipay's default is 30%, raised on application). */
  maxRoyaltyPercent = 30;
  /** How long an async (or held) settle stays PROCESSING before it completes. */
  settleDelayMs = 50;
  /** The next N sync settles answer ACQ.TRADE_SETTLE_ERROR (outcome unknown) while they complete in the background. */
  holdNextSettles = 0;

  constructor(private readonly later: (ms: number, fn: () => void) => void) {}

  /** Receivers of a seller (tests check that a refused bind adds nobody). */
  receivers(sellerKey = ''): RoyaltyEntity[] {
    return [...(this.relations.get(sellerKey)?.values() ?? [])];
  }

  /** alipay.trade.royalty.relation.bind: receiver_list (1..20 RoyaltyEntity) into the seller's relation set. */
  bind(b: Biz, sellerKey: string): Node {
    const reqNo = str(b.out_request_no);
    const list = b.receiver_list;
    if (!reqNo || !/^\w{1,32}$/.test(reqNo)) return invalid('out_request_no');
    if (!Array.isArray(list) || list.length === 0)
      return refusal('40004', 'ACQ.RECEIVER_LIST_EMPTY', '分账收款方列表为空');
    if (list.length > 20) return invalid('receiver_list 最多20个');
    const entities: RoyaltyEntity[] = [];
    for (const raw of list as Biz[]) {
      const type = str(raw?.type);
      const account = str(raw?.account);
      const name = str(raw?.name);
      if (!type || !ACCOUNT_TYPES.includes(type))
        return refusal('40004', 'ACQ.INVALID_RECEIVER_TYPE', '分账收款方类型参数非法');
      if (!account || (type === 'userId' && !/^2088\d{12}$/.test(account))) return invalid('account');
      if (!name) return invalid('name 新增分账关系时必填');
      // Sandbox convention: an account ending in 0000 does not exist at Alipay.
      if (account.endsWith('0000')) return refusal('40004', 'ACQ.USER_NOT_EXIST', '分账接收方不存在');
      entities.push({ type: type as RoyaltyAccountType, account, name, memo: str(raw.memo) });
    }
    const fingerprint = JSON.stringify(entities.map((e) => [e.type, e.account, e.name]));
    const key = `${sellerKey}|${reqNo}`;
    const prior = this.binds.get(key);
    if (prior !== undefined && prior !== fingerprint)
      return refusal('40004', 'ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
    this.binds.set(key, fingerprint);
    const set = this.relations.get(sellerKey) ?? new Map<string, RoyaltyEntity>();
    for (const e of entities) set.set(e.account, e);
    this.relations.set(sellerKey, set);
    return { ...OK, result_code: 'SUCCESS' };
  }

  /** alipay.trade.order.settle: split frozen money to bound receivers, and/or finish (unfreeze the rest). */
  settle(b: Biz, trade: RoyaltyTrade | undefined, sellerKey: string, refunded: bigint): Node {
    const reqNo = str(b.out_request_no);
    if (!reqNo || !/^\w{1,64}$/.test(reqNo)) return invalid('out_request_no');
    if (!str(b.trade_no)) return invalid('trade_no');
    if (!trade) return refusal('40004', 'ACQ.TRADE_NOT_EXIST', '交易不存在');
    const finish = flag((b.extend_params as Biz | undefined)?.royalty_finish);
    const params = b.royalty_parameters === undefined ? [] : b.royalty_parameters;
    if (!Array.isArray(params)) return invalid('royalty_parameters');
    if (params.length === 0 && !finish) return invalid('royalty_parameters 或 royalty_finish');
    const transfers: Omit<RoyaltyTransfer, 'detailId' | 'state' | 'at'>[] = [];
    for (const raw of params as Biz[]) {
      const type = str(raw?.royalty_type) ?? 'transfer';
      const transInType = str(raw?.trans_in_type) ?? 'userId';
      const transIn = str(raw?.trans_in);
      const amount = amountOf(raw?.amount);
      if (type !== 'transfer') return invalid('royalty_type 仅支持 transfer');
      if (!ACCOUNT_TYPES.includes(transInType)) return invalid('trans_in_type');
      if (!transIn) return invalid('trans_in');
      if (amount === undefined || amount < 1n) return invalid('amount');
      transfers.push({ transInType: transInType as RoyaltyAccountType, transIn, amount, desc: str(raw.desc) });
    }
    const fingerprint = JSON.stringify([transfers.map((t) => [t.transInType, t.transIn, String(t.amount)]), finish]);
    // Made only when a settle is taken: a refusal leaves the trade as it was.
    const r = trade.royalty ?? { settles: [], returns: [], finished: false };
    const prior = r.settles.find((s) => s.outRequestNo === reqNo);
    if (prior) {
      if (prior.fingerprint !== fingerprint) return refusal('40004', 'ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
      // The same request again: its result, once it has one (the docs' retry rule).
      if (prior.transfers.some((t) => t.state === 'PROCESSING') && b.royalty_mode !== 'async')
        return refusal('40004', 'ACQ.TRADE_SETTLE_ERROR', '分账处理中，请使用相同的参数再次调用');
      return { ...OK, trade_no: trade.tradeNo, settle_no: prior.settleNo };
    }
    if (trade.status !== 'TRADE_SUCCESS' && trade.status !== 'TRADE_FINISHED')
      return refusal('40004', 'ACQ.TRADE_STATUS_ERROR', `交易状态不合法 ${trade.status}`);
    if (!trade.royaltyFreeze)
      return refusal('40004', 'ACQ.ILLEGAL_SETTLE_STATE', '结算单状态不允许分账：交易未冻结 (royalty_freeze)');
    if (r.finished) return refusal('40004', 'ACQ.ILLEGAL_SETTLE_STATE', '结算单状态不允许分账：分账已完结');
    const bound = this.relations.get(sellerKey);
    for (const t of transfers) {
      const e = bound?.get(t.transIn);
      if (!e || e.type !== t.transInType)
        return refusal('40004', 'ACQ.ROYALTY_RECEIVER_INVALID', '收入方不在分账关系内');
    }
    const asked = transfers.reduce((s, t) => s + t.amount, 0n);
    const split = this.splitTotal(trade);
    if (asked > this.unsplit(trade, refunded) || (split + asked) * 100n > trade.total * BigInt(this.maxRoyaltyPercent))
      return refusal('40004', 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR', '分账金额超过最大可分账金额');

    const async = b.royalty_mode === 'async';
    const held = !async && this.holdNextSettles > 0;
    if (held) this.holdNextSettles--;
    const now = new Date();
    const settle: AlipaySettle = {
      outRequestNo: reqNo,
      settleNo: `${alipayTimestamp(now).slice(0, 10).replace(/-/g, '')}${digits(24)}`,
      tradeNo: trade.tradeNo,
      transfers: transfers.map((t) => ({
        ...t,
        detailId: digits(32),
        state: async || held ? 'PROCESSING' : 'SUCCESS',
        at: now,
      })),
      finish,
      fingerprint,
      at: now,
    };
    r.settles.push(settle);
    trade.royalty = r;
    if (!async && !held) {
      if (finish) r.finished = true;
      return { ...OK, trade_no: trade.tradeNo, settle_no: settle.settleNo };
    }
    this.later(this.settleDelayMs, () => {
      for (const t of settle.transfers) {
        t.state = 'SUCCESS';
        t.at = new Date();
      }
      if (finish) r.finished = true;
    });
    // Async: accepted (the result comes by query); held sync: the outcome is unknown to the caller.
    return held
      ? refusal('40004', 'ACQ.TRADE_SETTLE_ERROR', '分账处理中，请使用相同的参数再次调用')
      : { ...OK, trade_no: trade.tradeNo, settle_no: settle.settleNo };
  }

  /** alipay.trade.order.settle.query: by settle_no, or by out_request_no with trade_no. */
  settleQuery(b: Biz, trades: RoyaltyTrade[]): Node {
    const settleNo = str(b.settle_no);
    const reqNo = str(b.out_request_no);
    const tradeNo = str(b.trade_no);
    if (!settleNo && !(reqNo && tradeNo)) return invalid('settle_no 或 out_request_no 与 trade_no');
    for (const t of trades) {
      const s = t.royalty?.settles.find((x) =>
        settleNo ? x.settleNo === settleNo : x.outRequestNo === reqNo && t.tradeNo === tradeNo,
      );
      if (!s) continue;
      const returns = (t.royalty?.returns ?? []).map((x) => ({
        operation_type: 'transfer_refund',
        execute_dt: alipayTimestamp(x.at),
        trans_out: x.transOut,
        trans_out_type: x.transOutType,
        amount: fenToYuan(x.amount),
        state: 'SUCCESS',
      }));
      return {
        ...OK,
        out_request_no: s.outRequestNo,
        operation_dt: alipayTimestamp(s.at),
        royalty_detail_list: [
          ...s.transfers.map((x) => ({
            operation_type: 'transfer',
            execute_dt: alipayTimestamp(x.at),
            trans_in: x.transIn,
            trans_in_type: x.transInType,
            amount: fenToYuan(x.amount),
            state: x.state,
            detail_id: x.detailId,
          })),
          ...returns,
        ],
      };
    }
    return refusal('40004', 'ACQ.TRADE_NOT_EXIST', '分账请求不存在');
  }

  /** alipay.trade.order.onsettle.query: what of the trade is still frozen (unsettled_amount). */
  onsettleQuery(trade: RoyaltyTrade | undefined, refunded: bigint): Node {
    if (!trade) return refusal('40004', 'ACQ.TRADE_NOT_EXIST', '交易不存在');
    return { ...OK, unsettled_amount: fenToYuan(this.unsplit(trade, refunded)) };
  }

  /**
   * The royalty part of alipay.trade.refund (refund_royalty_parameters), checked
   * without changing anything: the refusal, or the returns to apply.
   */
  checkReturn(b: Biz, trade: RoyaltyTrade): { refused: Node } | { returns: Omit<RoyaltyReturn, 'at'>[] } {
    const list = b.refund_royalty_parameters;
    const reqNo = str(b.out_request_no) ?? trade.outTradeNo;
    if (!Array.isArray(list) || list.length === 0) return { refused: invalid('refund_royalty_parameters') };
    const returns: Omit<RoyaltyReturn, 'at'>[] = [];
    for (const raw of list as Biz[]) {
      const type = str(raw?.royalty_type) ?? 'transfer';
      const transOutType = str(raw?.trans_out_type) ?? 'userId';
      const transOut = str(raw?.trans_out);
      const amount = amountOf(raw?.amount);
      if (type !== 'transfer' || !ACCOUNT_TYPES.includes(transOutType) || !transOut)
        return { refused: invalid('refund_royalty_parameters') };
      if (amount === undefined || amount < 1n) return { refused: invalid('refund_royalty_parameters.amount') };
      returns.push({ outRequestNo: reqNo, transOutType: transOutType as RoyaltyAccountType, transOut, amount });
    }
    for (const account of new Set(returns.map((x) => x.transOut))) {
      const asked = returns.filter((x) => x.transOut === account).reduce((s, x) => s + x.amount, 0n);
      if (asked > this.returnable(trade, account))
        return { refused: refusal('40004', 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR', '退分账金额超限') };
    }
    return { returns };
  }

  applyReturns(trade: RoyaltyTrade, returns: Omit<RoyaltyReturn, 'at'>[]): void {
    const r = (trade.royalty ??= { settles: [], returns: [], finished: false });
    const at = new Date();
    for (const x of returns) r.returns.push({ ...x, at });
  }

  /** The refund query's refund_royaltys for one out_request_no (undefined: no royalty was returned by it). */
  refundRoyaltys(trade: RoyaltyTrade, outRequestNo: string): Node[] | undefined {
    const mine = (trade.royalty?.returns ?? []).filter((x) => x.outRequestNo === outRequestNo);
    if (mine.length === 0) return undefined;
    return mine.map((x) => ({
      refund_amount: fenToYuan(x.amount),
      royalty_type: 'transfer',
      result_code: 'SUCCESS',
      trans_out: x.transOut,
      trans_out_type: x.transOutType,
    }));
  }

  hasReturn(trade: RoyaltyTrade, outRequestNo: string): boolean {
    return (trade.royalty?.returns ?? []).some((x) => x.outRequestNo === outRequestNo);
  }

  /** Money split away (succeeded or still processing; a failed transfer took nothing). */
  splitTotal(trade: RoyaltyTrade): bigint {
    let sum = 0n;
    for (const s of trade.royalty?.settles ?? []) for (const t of s.transfers) if (t.state !== 'FAIL') sum += t.amount;
    return sum;
  }

  /** Frozen and not yet split: nothing once finished, or for a trade never frozen. Returned royalty goes to the seller's balance. */
  unsplit(trade: RoyaltyTrade, refunded: bigint): bigint {
    if (!trade.royaltyFreeze || trade.royalty?.finished) return 0n;
    const left = trade.total - refunded - this.splitTotal(trade);
    return left > 0n ? left : 0n;
  }

  /** What a receiver got from this trade (settled) less what was taken back. */
  private returnable(trade: RoyaltyTrade, account: string): bigint {
    let got = 0n;
    for (const s of trade.royalty?.settles ?? [])
      for (const t of s.transfers) if (t.transIn === account && t.state === 'SUCCESS') got += t.amount;
    for (const x of trade.royalty?.returns ?? []) if (x.transOut === account) got -= x.amount;
    return got;
  }
}
