import { constants, privateDecrypt, randomBytes } from 'node:crypto';
import type { SimResponse } from '../shared/simulator-http';
import { bigOf as fromJsonInteger, numOf as toJsonInteger, rfc3339Beijing as rfc3339 } from '../shared/sim-format.util';

type Json = Record<string, any>;

/** What profit sharing reads of a simulator order (structurally WechatOrder; named here to keep the import one-way). */
export interface WechatOrder {
  transactionId: string;
  subMchid?: string;
  profitSharing?: boolean;
  state: string;
  total: bigint;
  refunds: Array<{ amount: bigint; status: string }>;
}

interface SplitLine {
  type: 'MERCHANT_ID' | 'PERSONAL_OPENID';
  account: string;
  amount: bigint;
  description: string;
  result: 'PENDING' | 'SUCCESS' | 'CLOSED';
  failReason?: string;
  detailId: string;
  returned: bigint;
}

/** A profit-sharing order (分账单) or an unfreeze, as WeChat keeps them. */
export interface WechatSplitOrder {
  outOrderNo: string;
  orderId: string;
  transactionId: string;
  subMchid?: string;
  state: 'PROCESSING' | 'FINISHED';
  lines: SplitLine[];
  unfreeze: boolean;
  createdAt: Date;
}

interface WechatReturnOrder {
  outReturnNo: string;
  returnId: string;
  outOrderNo: string;
  orderId: string;
  returnMchid: string;
  amount: bigint;
  description: string;
  result: 'PROCESSING' | 'SUCCESS' | 'FAILED';
  subMchid?: string;
  createdAt: Date;
  finishedAt?: Date;
}

export interface ProfitSharingSimDeps {
  orders: { get(id: string): WechatOrder | undefined; values(): WechatOrder[] };
  mchid: string;
  appids: () => string[];
  platformPublicKeyId: string;
  platformPrivateKeyPem: string;
  signed: (status: number, value?: unknown) => Promise<SimResponse>;
  later: (fn: () => void) => void;
}

const RELATIONS = new Set([
  'STORE',
  'STAFF',
  'STORE_OWNER',
  'PARTNER',
  'HEADQUARTER',
  'BRAND',
  'DISTRIBUTOR',
  'USER',
  'SUPPLIER',
  'CUSTOM',
  'SERVICE_PROVIDER',
]);

/**
 * WeChat Pay profit sharing (/v3/profitsharing/*), checked as the gateway
 * checks it: the order must have been paid with settle_info.profit_sharing,
 * a receiver must be added first (per merchant, or per sub_mchid in
 * service-provider mode), the splits never exceed the frozen money left, a
 * MERCHANT_ID's name arrives sealed with the platform key, out_order_no /
 * out_return_no make repeats the same request, and results come back
 * PROCESSING and finish shortly after (found by query).
 */
export class WechatProfitSharingSimulator {
  /** Receivers added, by `${sub_mchid ?? ''}|${type}|${account}`. */
  readonly receivers = new Map<string, { name?: string; relation: string }>();
  readonly splitOrders = new Map<string, WechatSplitOrder>();
  readonly returnOrders = new Map<string, WechatReturnOrder>();
  /** Requests served, by endpoint (tests check what was called). */
  readonly calls: string[] = [];

  constructor(private readonly d: ProfitSharingSimDeps) {}

  private err(status: number, code: string, message: string): Promise<SimResponse> {
    return this.d.signed(status, { code, message });
  }

  /** Identity of the request: the platform's appid, and sub_mchid for a partner order. */
  private identityProblem(b: Json, needsAppid: boolean): string | undefined {
    if (needsAppid && !this.d.appids().includes(b.appid)) return 'appid mismatch';
    if (b.sub_mchid !== undefined && !/^[0-9]{8,32}$/.test(String(b.sub_mchid))) return 'sub_mchid invalid';
    return undefined;
  }

  addReceiver(b: Json, serial: string | undefined): Promise<SimResponse> {
    this.calls.push('receivers/add');
    const problem = this.identityProblem(b, true);
    if (problem) return this.err(400, 'PARAM_ERROR', problem);
    if (b.type !== 'MERCHANT_ID' && b.type !== 'PERSONAL_OPENID')
      return this.err(400, 'PARAM_ERROR', 'type must be MERCHANT_ID or PERSONAL_OPENID');
    if (typeof b.account !== 'string' || b.account === '') return this.err(400, 'PARAM_ERROR', 'account required');
    if (!RELATIONS.has(b.relation_type)) return this.err(400, 'PARAM_ERROR', 'relation_type invalid');
    if (b.type === 'MERCHANT_ID' && !b.name) return this.err(400, 'PARAM_ERROR', 'name required for MERCHANT_ID');
    if (b.type === 'MERCHANT_ID' && b.account === this.d.mchid && !b.sub_mchid)
      return this.err(400, 'INVALID_REQUEST', '分账接收方不能是分账方自己');
    let name: string | undefined;
    if (b.name) {
      if (serial !== this.d.platformPublicKeyId)
        return this.err(400, 'PARAM_ERROR', 'Wechatpay-Serial must name the key the name is sealed with');
      try {
        name = privateDecrypt(
          { key: this.d.platformPrivateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
          Buffer.from(String(b.name), 'base64'),
        ).toString('utf8');
      } catch {
        return this.err(400, 'PARAM_ERROR', 'name is not sealed with the platform public key');
      }
    }
    this.receivers.set(`${b.sub_mchid ?? ''}|${b.type}|${b.account}`, { name, relation: b.relation_type });
    return this.d.signed(200, {
      ...(b.sub_mchid ? { sub_mchid: b.sub_mchid } : {}),
      type: b.type,
      account: b.account,
      relation_type: b.relation_type,
    });
  }

  private orderFor(transactionId: unknown, subMchid: unknown): WechatOrder | undefined {
    const o = this.d.orders.values().find((x) => x.transactionId === transactionId);
    return o && (o.subMchid ?? undefined) === (subMchid ?? undefined) ? o : undefined;
  }

  /** Frozen money not split yet (refunds come out of it too); 0 once unfrozen. */
  private unsplit(o: WechatOrder): bigint {
    const orders = [...this.splitOrders.values()].filter((s) => s.transactionId === o.transactionId);
    if (orders.some((s) => s.unfreeze)) return 0n;
    const split = orders.flatMap((s) => s.lines).reduce((t, l) => t + (l.result === 'CLOSED' ? 0n : l.amount), 0n);
    const refunded = o.refunds.reduce((t, r) => t + (r.status === 'CLOSED' ? 0n : r.amount), 0n);
    return o.total - split - refunded;
  }

  split(b: Json): Promise<SimResponse> {
    this.calls.push('orders');
    const problem = this.identityProblem(b, true);
    if (problem) return this.err(400, 'PARAM_ERROR', problem);
    if (!/^[\w*|@-]{1,64}$/.test(b.out_order_no ?? '')) return this.err(400, 'PARAM_ERROR', 'out_order_no invalid');
    const prior = this.splitOrders.get(b.out_order_no);
    if (prior) return this.d.signed(200, this.view(prior));
    const o = this.orderFor(b.transaction_id, b.sub_mchid);
    if (!o) return this.err(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (!o.profitSharing)
      return this.err(400, 'INVALID_REQUEST', '订单不需要分账 (settle_info.profit_sharing was not set)');
    if (o.state !== 'SUCCESS' && o.state !== 'REFUND') return this.err(400, 'INVALID_REQUEST', '订单未支付');
    const receivers: Json[] = Array.isArray(b.receivers) ? b.receivers : [];
    if (receivers.length === 0 || receivers.length > 50)
      return this.err(400, 'PARAM_ERROR', 'receivers: 1 to 50 receivers');
    let sum = 0n;
    for (const r of receivers) {
      if (!this.receivers.has(`${b.sub_mchid ?? ''}|${r.type}|${r.account}`))
        return this.err(400, 'INVALID_REQUEST', `分账接收方未添加: ${r.account}`);
      const amount = fromJsonInteger(r.amount);
      if (amount < 1n || !r.description) return this.err(400, 'PARAM_ERROR', 'amount and description required');
      sum += amount;
    }
    if (typeof b.unfreeze_unsplit !== 'boolean') return this.err(400, 'PARAM_ERROR', 'unfreeze_unsplit required');
    if (sum > this.unsplit(o)) return this.err(403, 'NOT_ENOUGH', '分账金额超出可分金额');
    const order: WechatSplitOrder = {
      outOrderNo: b.out_order_no,
      orderId: `3008${Date.now()}${randomBytes(4).toString('hex')}`,
      transactionId: o.transactionId,
      subMchid: o.subMchid,
      state: 'PROCESSING',
      unfreeze: false,
      createdAt: new Date(),
      lines: receivers.map((r) => ({
        type: r.type,
        account: r.account,
        amount: fromJsonInteger(r.amount),
        description: r.description,
        result: 'PENDING' as const,
        detailId: `3600${Date.now()}${randomBytes(4).toString('hex')}`,
        returned: 0n,
      })),
    };
    this.splitOrders.set(order.outOrderNo, order);
    this.d.later(() => {
      order.state = 'FINISHED';
      for (const l of order.lines) l.result = 'SUCCESS';
      if (b.unfreeze_unsplit) this.freeRest(order, o);
    });
    return this.d.signed(200, this.view(order));
  }

  /** unfreeze_unsplit / orders/unfreeze: the rest goes to the 分账方 itself, shown as one more receiver line. */
  private freeRest(order: WechatSplitOrder, o: WechatOrder): void {
    const rest = this.unsplit(o);
    order.unfreeze = true;
    order.lines.push({
      type: 'MERCHANT_ID',
      account: o.subMchid ?? this.d.mchid,
      amount: rest,
      description: '解冻给分账方',
      result: 'SUCCESS',
      detailId: `3600${Date.now()}${randomBytes(4).toString('hex')}`,
      returned: 0n,
    });
  }

  query(outOrderNo: string, q: URLSearchParams): Promise<SimResponse> {
    this.calls.push('orders/query');
    const s = this.splitOrders.get(outOrderNo);
    if (!s || s.transactionId !== q.get('transaction_id') || (s.subMchid ?? null) !== q.get('sub_mchid'))
      return this.err(404, 'RESOURCE_NOT_EXISTS', '记录不存在');
    return this.d.signed(200, this.view(s));
  }

  unfreeze(b: Json): Promise<SimResponse> {
    this.calls.push('orders/unfreeze');
    const problem = this.identityProblem(b, false);
    if (problem) return this.err(400, 'PARAM_ERROR', problem);
    const prior = this.splitOrders.get(b.out_order_no);
    if (prior) return this.d.signed(200, this.view(prior));
    const o = this.orderFor(b.transaction_id, b.sub_mchid);
    if (!o) return this.err(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (!o.profitSharing) return this.err(400, 'INVALID_REQUEST', '订单不需要分账');
    if (!b.description) return this.err(400, 'PARAM_ERROR', 'description required');
    if ([...this.splitOrders.values()].some((s) => s.transactionId === o.transactionId && s.unfreeze))
      return this.err(400, 'INVALID_REQUEST', '订单已解冻');
    const order: WechatSplitOrder = {
      outOrderNo: b.out_order_no,
      orderId: `3008${Date.now()}${randomBytes(4).toString('hex')}`,
      transactionId: o.transactionId,
      subMchid: o.subMchid,
      state: 'PROCESSING',
      unfreeze: false,
      createdAt: new Date(),
      lines: [],
    };
    this.splitOrders.set(order.outOrderNo, order);
    this.d.later(() => {
      this.freeRest(order, o);
      order.state = 'FINISHED';
    });
    return this.d.signed(200, this.view(order));
  }

  returnOrder(b: Json): Promise<SimResponse> {
    this.calls.push('return-orders');
    const problem = this.identityProblem(b, false);
    if (problem) return this.err(400, 'PARAM_ERROR', problem);
    const prior = this.returnOrders.get(b.out_return_no);
    if (prior) return this.d.signed(200, this.returnView(prior));
    const s = [...this.splitOrders.values()].find(
      (x) => (x.outOrderNo === b.out_order_no || x.orderId === b.order_id) && !x.unfreeze,
    );
    if (!s || (s.subMchid ?? undefined) !== (b.sub_mchid ?? undefined))
      return this.err(404, 'RESOURCE_NOT_EXISTS', '分账单不存在');
    const line = s.lines.find((l) => l.type === 'MERCHANT_ID' && l.account === b.return_mchid);
    if (!line || line.result !== 'SUCCESS')
      return this.err(400, 'INVALID_REQUEST', 'return_mchid received nothing from this order');
    const amount = fromJsonInteger(b.amount);
    if (amount < 1n || !b.description) return this.err(400, 'PARAM_ERROR', 'amount and description required');
    if (line.returned + amount > line.amount) return this.err(403, 'NOT_ENOUGH', '回退金额超出可回退金额');
    line.returned += amount;
    const r: WechatReturnOrder = {
      outReturnNo: b.out_return_no,
      returnId: `3008${Date.now()}${randomBytes(4).toString('hex')}`,
      outOrderNo: s.outOrderNo,
      orderId: s.orderId,
      returnMchid: b.return_mchid,
      amount,
      description: b.description,
      result: 'PROCESSING',
      subMchid: s.subMchid,
      createdAt: new Date(),
    };
    this.returnOrders.set(r.outReturnNo, r);
    this.d.later(() => {
      r.result = 'SUCCESS';
      r.finishedAt = new Date();
    });
    return this.d.signed(200, this.returnView(r));
  }

  private view(s: WechatSplitOrder): Json {
    return {
      ...(s.subMchid ? { sub_mchid: s.subMchid } : {}),
      transaction_id: s.transactionId,
      out_order_no: s.outOrderNo,
      order_id: s.orderId,
      state: s.state,
      receivers: s.lines.map((l) => ({
        amount: toJsonInteger(l.amount),
        description: l.description,
        type: l.type,
        account: l.account,
        result: l.result,
        fail_reason: l.failReason ?? '',
        detail_id: l.detailId,
        create_time: rfc3339(s.createdAt),
        finish_time: rfc3339(s.createdAt),
      })),
    };
  }

  private returnView(r: WechatReturnOrder): Json {
    return {
      ...(r.subMchid ? { sub_mchid: r.subMchid } : {}),
      order_id: r.orderId,
      out_order_no: r.outOrderNo,
      out_return_no: r.outReturnNo,
      return_id: r.returnId,
      return_mchid: r.returnMchid,
      amount: toJsonInteger(r.amount),
      description: r.description,
      result: r.result,
      create_time: rfc3339(r.createdAt),
      ...(r.finishedAt ? { finish_time: rfc3339(r.finishedAt) } : {}),
    };
  }
}
