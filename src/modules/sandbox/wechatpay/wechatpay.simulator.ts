import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SandboxConfig } from '../sandbox.config';
import { SimulatorBase, SimRoute } from '../shared/simulator-base';
import { CallbackDispatcher, WECHATPAY_RETRY_SCHEDULE_MS } from '../shared/callback-dispatcher';
import { InMemorySimulatorStore, SimulatorStore } from '../shared/simulator-store';
import { SimRequest, SimResponse, header, html, json, payerOutcome } from '../shared/simulator-http';
import { renderPayerPage } from '../shared/payer-page.util';
import {
  MAX_CLOCK_SKEW_SECONDS,
  encryptResource,
  parseAuthorization,
  requestMessage,
  rsaSha256Verify,
  signWechatpayMessageAsync,
  verifyJsapiParams,
} from '../../providers/wechatpay/wechatpay-signature.util';
import { alipayTimestamp } from '../../providers/alipay/alipay-signature.util';
import { fenToYuan, fromJsonInteger, toJsonInteger } from '../../providers/minor-units.util';
import { WechatBillRow, formatWechatBill } from '../../providers/wechatpay/wechatpay-bill.util';

type Json = Record<string, any>;

interface WechatRefund {
  outRefundNo: string;
  refundId: string;
  amount: bigint;
  status: 'SUCCESS' | 'PROCESSING';
  createdAt: Date;
  successAt?: Date;
  notifyUrl?: string;
}

export interface WechatOrder {
  outTradeNo: string;
  transactionId: string;
  tradeType: 'NATIVE' | 'JSAPI';
  description: string;
  total: bigint;
  currency: string;
  state: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
  notifyUrl: string;
  openid?: string;
  payToken: string;
  prepayId?: string;
  createdAt: Date;
  successAt?: Date;
  refunds: WechatRefund[];
}

const rfc3339 = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');

/**
 * WeChat Pay API v3 simulator (public-key mode). Checks the merchant's
 * Authorization with the merchant public key, signs every answer with its
 * platform key (Wechatpay-Serial = PUB_KEY_ID_…), and sends AES-GCM encrypted
 * callbacks. Payer side: /pay/:token (Native code_url) and the JSAPI bridge
 * POST /jsapi/pay with the invoke params (paySign is checked).
 */
export class WechatPaySimulator extends SimulatorBase {
  protected readonly dispatcher: CallbackDispatcher;
  private readonly bills = new Map<string, { day: string; body: string }>();

  constructor(
    private readonly config: SandboxConfig,
    readonly orders: SimulatorStore<WechatOrder> = new InMemorySimulatorStore<WechatOrder>(),
  ) {
    super('/sandbox/wechatpay', config.hangMs ?? 30_000);
    this.dispatcher = new CallbackDispatcher(
      { schedule: WECHATPAY_RETRY_SCHEDULE_MS, compression: config.callbackTimeCompression ?? 1, isAcknowledged: (s) => s === 200 || s === 204 },
      this.controls,
    );
  }

  private get cfg() {
    return this.config.wechatpay;
  }

  protected route(req: SimRequest, path: string, query: URLSearchParams): SimRoute | undefined {
    const m = (re: RegExp) => re.exec(path);
    let g: RegExpExecArray | null;
    if ((g = m(/^\/pay\/([\w-]+)$/))) return { op: 'payer', run: () => this.nativePage(req, g![1]) };
    if ((g = m(/^\/jsapi\/(wx[\w]+)$/)) && req.method === 'GET') return { op: 'payer', run: () => this.jsapiPage(g![1]) };
    if (path === '/jsapi/pay' && req.method === 'POST') return { op: 'payer', run: () => this.jsapiPay(req) };
    const api = (op: SimRoute['op'], fn: (body: Json) => Promise<SimResponse>): SimRoute => ({ op, run: () => this.authenticated(req, fn) });
    if (req.method === 'POST' && (g = m(/^\/v3\/pay\/transactions\/(native|jsapi)$/))) return api('create', (b) => this.prepay(g![1] as 'native' | 'jsapi', b));
    if (req.method === 'GET' && (g = m(/^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/))) return api('api', () => this.query(decodeURIComponent(g![1])));
    if (req.method === 'POST' && (g = m(/^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/))) return api('api', () => this.close(decodeURIComponent(g![1])));
    if (req.method === 'POST' && path === '/v3/refund/domestic/refunds') return api('refund', (b) => this.refund(b));
    if (req.method === 'GET' && (g = m(/^\/v3\/refund\/domestic\/refunds\/([^/]+)$/))) return api('api', () => this.refundQuery(decodeURIComponent(g![1])));
    if (req.method === 'GET' && path === '/v3/bill/tradebill') return api('api', () => this.billUrl(query.get('bill_date') ?? ''));
    if (req.method === 'GET' && path === '/v3/billdownload/file') return { op: 'download', run: () => this.authenticated(req, () => this.download(query.get('token') ?? '')) };
    return undefined;
  }

  protected injectedFailure(_req: SimRequest, op: 'create' | 'refund'): Promise<SimResponse> {
    return op === 'create'
      ? this.signed(403, { code: 'NO_AUTH', message: 'sandbox: create refused by switch' })
      : this.signed(403, { code: 'NOT_ENOUGH', message: 'sandbox: refund refused by switch' });
  }

  /** Every answer carries the Wechatpay-* signature headers over its exact body (empty for 204). */
  private async signed(status: number, value?: unknown): Promise<SimResponse> {
    const body = value === undefined ? '' : JSON.stringify(value);
    const headers = await signWechatpayMessageAsync(body, this.cfg.platformPublicKeyId, this.cfg.platformPrivateKeyPem);
    return { status, headers: { ...(body ? { 'content-type': 'application/json' } : {}), 'request-id': randomUUID(), ...headers }, body };
  }

  private async authenticated(req: SimRequest, fn: (body: Json) => Promise<SimResponse>): Promise<SimResponse> {
    const auth = parseAuthorization(header(req, 'authorization'));
    const body = req.rawBody.toString('utf8');
    const fresh = auth && Math.abs(Date.now() / 1000 - Number(auth.timestamp)) <= MAX_CLOCK_SKEW_SECONDS;
    const ok =
      auth && fresh && auth.mchid === this.cfg.mchid && auth.serial_no === this.cfg.merchantSerialNo &&
      rsaSha256Verify(requestMessage(req.method, req.url, auth.timestamp, auth.nonce_str, body), auth.signature, this.cfg.merchantPublicKeyPem);
    if (!ok) return this.signed(401, { code: 'SIGN_ERROR', message: 'Authorization check failed' });
    try {
      // Awaited so that a handler's rejection is answered like a synchronous throw.
      return await fn(body ? JSON.parse(body) : {});
    } catch {
      return this.signed(400, { code: 'PARAM_ERROR', message: 'malformed request' });
    }
  }

  private prepay(kind: 'native' | 'jsapi', b: Json): Promise<SimResponse> {
    if (b.mchid !== this.cfg.mchid || b.appid !== this.cfg.appid) return this.signed(400, { code: 'PARAM_ERROR', message: 'mchid/appid mismatch' });
    if (!/^[\w*|-]{6,32}$/.test(b.out_trade_no ?? '') || !b.notify_url || !b.description) return this.signed(400, { code: 'PARAM_ERROR', message: 'out_trade_no/notify_url/description' });
    const total = fromJsonInteger(b.amount?.total);
    if (total < 1n) return this.signed(400, { code: 'PARAM_ERROR', message: 'amount.total' });
    if (kind === 'jsapi' && !b.payer?.openid) return this.signed(400, { code: 'PARAM_ERROR', message: 'payer.openid required' });
    let o = this.orders.get(b.out_trade_no);
    if (o) {
      if (o.state === 'SUCCESS' || o.state === 'REFUND') return this.signed(400, { code: 'ORDERPAID', message: 'order already paid' });
      if (o.state === 'CLOSED') return this.signed(400, { code: 'ORDER_CLOSED', message: 'order closed' });
      if (o.total !== total || o.tradeType !== kind.toUpperCase()) return this.signed(400, { code: 'INVALID_REQUEST', message: 'out_trade_no reused with different parameters' });
    } else {
      o = {
        outTradeNo: b.out_trade_no, transactionId: `42000${Date.now()}${randomBytes(3).toString('hex')}`, tradeType: kind === 'jsapi' ? 'JSAPI' : 'NATIVE',
        description: b.description, total, currency: b.amount?.currency ?? 'CNY', state: 'NOTPAY', notifyUrl: b.notify_url,
        openid: b.payer?.openid, payToken: randomUUID(), prepayId: kind === 'jsapi' ? `wx${randomBytes(14).toString('hex')}` : undefined,
        createdAt: new Date(), refunds: [],
      };
      this.orders.put(o.outTradeNo, o);
    }
    return kind === 'jsapi' ? this.signed(200, { prepay_id: o.prepayId }) : this.signed(200, { code_url: `${this.config.publicBaseUrl}${this.mount}/pay/${o.payToken}` });
  }

  private transaction(o: WechatOrder): Json {
    return {
      appid: this.cfg.appid, mchid: this.cfg.mchid, out_trade_no: o.outTradeNo, trade_type: o.tradeType, trade_state: o.state,
      trade_state_desc: o.state, bank_type: 'OTHERS', attach: '', payer: { openid: o.openid ?? 'sandbox-openid' },
      amount: { total: toJsonInteger(o.total), payer_total: toJsonInteger(o.total), currency: o.currency, payer_currency: o.currency },
      ...(o.state === 'SUCCESS' || o.state === 'REFUND' ? { transaction_id: o.transactionId, success_time: rfc3339(o.successAt!) } : {}),
    };
  }

  private query(outTradeNo: string): Promise<SimResponse> {
    const o = this.orders.get(outTradeNo);
    return o ? this.signed(200, this.transaction(o)) : this.signed(404, { code: 'ORDER_NOT_EXIST', message: 'order does not exist' });
  }

  private close(outTradeNo: string): Promise<SimResponse> {
    const o = this.orders.get(outTradeNo);
    if (!o) return this.signed(404, { code: 'ORDER_NOT_EXIST', message: 'order does not exist' });
    if (o.state === 'SUCCESS' || o.state === 'REFUND') return this.signed(400, { code: 'ORDERPAID', message: 'order already paid' });
    o.state = 'CLOSED';
    return this.signed(204);
  }

  private refundView(o: WechatOrder, r: WechatRefund): Json {
    const t = toJsonInteger(o.total);
    const rf = toJsonInteger(r.amount);
    return {
      refund_id: r.refundId, out_refund_no: r.outRefundNo, transaction_id: o.transactionId, out_trade_no: o.outTradeNo, channel: 'ORIGINAL',
      user_received_account: '支付用户零钱', status: r.status, create_time: rfc3339(r.createdAt), ...(r.successAt ? { success_time: rfc3339(r.successAt) } : {}),
      amount: { total: t, refund: rf, payer_total: t, payer_refund: rf, settlement_total: t, settlement_refund: rf, discount_refund: 0, currency: o.currency },
    };
  }

  private refund(b: Json): Promise<SimResponse> {
    const o = b.out_trade_no ? this.orders.get(b.out_trade_no) : this.orders.values().find((x) => x.transactionId === b.transaction_id);
    if (!o) return this.signed(404, { code: 'RESOURCE_NOT_EXISTS', message: 'order does not exist' });
    const amount = fromJsonInteger(b.amount?.refund);
    if (fromJsonInteger(b.amount?.total) !== o.total) return this.signed(400, { code: 'PARAM_ERROR', message: 'amount.total differs from the order' });
    const prior = o.refunds.find((r) => r.outRefundNo === b.out_refund_no);
    if (prior) return prior.amount === amount ? this.signed(200, this.refundView(o, prior)) : this.signed(400, { code: 'INVALID_REQUEST', message: 'out_refund_no reused with a different amount' });
    if (o.state !== 'SUCCESS' && o.state !== 'REFUND') return this.signed(400, { code: 'INVALID_REQUEST', message: 'order not paid' });
    const used = o.refunds.reduce((s, r) => s + r.amount, 0n);
    if (amount < 1n || used + amount > o.total) return this.signed(400, { code: 'INVALID_REQUEST', message: 'refund exceeds the amount left' });
    const async = this.controls.switches.asyncRefund;
    const r: WechatRefund = { outRefundNo: b.out_refund_no, refundId: `50300${Date.now()}${randomBytes(3).toString('hex')}`, amount, status: async ? 'PROCESSING' : 'SUCCESS', createdAt: new Date(), notifyUrl: b.notify_url };
    if (!async) r.successAt = new Date();
    o.refunds.push(r);
    o.state = 'REFUND';
    if (async) {
      this.later(this.controls.switches.asyncRefundDelayMs, () => {
        r.status = 'SUCCESS';
        r.successAt = new Date();
        if (r.notifyUrl) this.notify(r.notifyUrl, 'REFUND.SUCCESS', '退款成功', 'refund', { mchid: this.cfg.mchid, ...this.refundView(o, r), refund_status: 'SUCCESS' });
      });
    }
    return this.signed(200, this.refundView(o, r));
  }

  private refundQuery(outRefundNo: string): Promise<SimResponse> {
    for (const o of this.orders.values()) {
      const r = o.refunds.find((x) => x.outRefundNo === outRefundNo);
      if (r) return this.signed(200, this.refundView(o, r));
    }
    return this.signed(404, { code: 'RESOURCE_NOT_EXISTS', message: 'refund does not exist' });
  }

  /** Transactions of a UTC+8 calendar day. */
  statementText(day: string): string {
    const inDay = (d?: Date) => !!d && alipayTimestamp(d).slice(0, 10) === day;
    const rows: WechatBillRow[] = [];
    for (const o of this.orders.values()) {
      const base = { appid: this.cfg.appid, mchid: this.cfg.mchid, transactionId: o.transactionId, outTradeNo: o.outTradeNo, tradeType: o.tradeType, paymentAmount: o.total, description: o.description };
      if (inDay(o.successAt)) rows.push({ ...base, at: o.successAt!, kind: 'payment' });
      for (const r of o.refunds) if (r.status === 'SUCCESS' && inDay(r.successAt)) rows.push({ ...base, at: r.successAt!, kind: 'refund', refundId: r.refundId, outRefundNo: r.outRefundNo, refundAmount: r.amount });
    }
    return formatWechatBill(rows);
  }

  private billUrl(day: string): Promise<SimResponse> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return this.signed(400, { code: 'PARAM_ERROR', message: 'bill_date' });
    const token = randomUUID();
    const body = this.statementText(day);
    this.bills.set(token, { day, body });
    return this.signed(200, { hash_type: 'SHA1', hash_value: createHash('sha1').update(body, 'utf8').digest('hex'), download_url: `${this.config.publicBaseUrl}${this.mount}/v3/billdownload/file?token=${token}` });
  }

  private async download(token: string): Promise<SimResponse> {
    const bill = this.bills.get(token);
    // The real download is not signed either; its hash came in the signed tradebill answer.
    return bill ? { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: bill.body } : this.signed(404, { code: 'RESOURCE_NOT_EXISTS', message: 'no such bill' });
  }

  private nativePage(req: SimRequest, token: string): SimResponse {
    const o = this.orders.values().find((x) => x.payToken === token);
    if (!o) return json(404, { error: 'unknown code_url' });
    if (req.method === 'GET') return html(renderPayerPage('WeChat Pay (sandbox)', [['Order', o.outTradeNo], ['Description', o.description], ['Amount (CNY)', fenToYuan(o.total)], ['State', o.state]]));
    return this.pay(o, payerOutcome(req));
  }

  private jsapiPage(prepayId: string): SimResponse {
    const o = this.orders.values().find((x) => x.prepayId === prepayId);
    if (!o) return json(404, { error: 'unknown prepay_id' });
    return html(renderPayerPage('WeChat JSAPI (sandbox)', [['Order', o.outTradeNo], ['Amount (CNY)', fenToYuan(o.total)]], 'POST the invoke params plus "outcome" to /sandbox/wechatpay/jsapi/pay'));
  }

  /** The WeChat client's side of getBrandWCPayRequest: checks paySign with the merchant key. */
  private jsapiPay(req: SimRequest): SimResponse {
    let p: Json;
    try {
      p = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return json(400, { error: 'body must be JSON' });
    }
    const prepayId = /^prepay_id=(.+)$/.exec(p.package ?? '')?.[1];
    const o = this.orders.values().find((x) => x.prepayId === prepayId);
    if (!o || p.appId !== this.cfg.appid || p.signType !== 'RSA' || !verifyJsapiParams(p as any, this.cfg.merchantPublicKeyPem)) {
      return json(400, { err_msg: 'get_brand_wcpay_request:fail', error: 'paySign or prepay_id invalid' });
    }
    return this.pay(o, p.outcome === 'success' || p.outcome === 'fail' ? p.outcome : undefined);
  }

  private pay(o: WechatOrder, outcome: 'success' | 'fail' | undefined): SimResponse {
    if (!outcome) return json(400, { error: 'body must be {"outcome":"success"} or {"outcome":"fail"}' });
    if (o.state !== 'NOTPAY') return json(409, { error: `order is ${o.state}`, trade_state: o.state });
    if (outcome === 'success') {
      o.state = 'SUCCESS';
      o.successAt = new Date();
      this.notify(o.notifyUrl, 'TRANSACTION.SUCCESS', '支付成功', 'transaction', { ...this.transaction(o), transaction_id: o.transactionId, success_time: rfc3339(o.successAt) });
    } else {
      // WeChat Pay v3 notifies successful payments only; a given-up payment is simply closed, found by query.
      o.state = 'CLOSED';
    }
    return json(200, { trade_state: o.state, out_trade_no: o.outTradeNo });
  }

  private notify(url: string, eventType: string, summary: string, originalType: string, resource: Json): void {
    const id = `EV-${randomUUID()}`;
    const plaintext = JSON.stringify(resource);
    this.dispatcher.send(id, url, async () => {
      const nonce = randomBytes(6).toString('hex');
      const body = JSON.stringify({
        id, create_time: rfc3339(new Date()), resource_type: 'encrypt-resource', event_type: eventType, summary,
        resource: { original_type: originalType, algorithm: 'AEAD_AES_256_GCM', ciphertext: encryptResource(plaintext, this.cfg.apiV3Key, nonce, originalType), associated_data: originalType, nonce },
      });
      return { headers: { 'content-type': 'application/json', ...(await signWechatpayMessageAsync(body, this.cfg.platformPublicKeyId, this.cfg.platformPrivateKeyPem)) }, body };
    });
  }
}
