import { createHash, createVerify, randomBytes, randomUUID } from 'node:crypto';
import { SandboxConfig } from '../sandbox.config';
import { SimulatorBase, SimRoute } from '../shared/simulator-base';
import { CallbackDispatcher, WECHATPAY_RETRY_SCHEDULE_MS } from '../shared/callback-dispatcher';
import { InMemorySimulatorStore, SimulatorStore } from '../shared/simulator-store';
import { SimRequest, SimResponse, header, html, json, payerOutcome } from '../shared/simulator-http';
import { WechatOauthSimulator, sandboxWechatAppSecret } from './wechat-oauth.simulator';
import { renderPayerPage } from '../shared/payer-page.util';
import {
  beijingDay,
  bigOf as fromJsonInteger,
  numOf as toJsonInteger,
  rfc3339Beijing as rfc3339,
  yuan as fenToYuan,
} from '../shared/sim-format.util';
import {
  MAX_SKEW_S,
  encryptResource,
  parseMerchantAuth,
  platformHeaders,
  verifyMerchantRequest,
  verifyPaySign,
} from './wechatpay-platform.protocol';
import { WechatBillEntry, wechatBillBytes } from './wechatpay-bill.builder';
import { IssuedCertificate, issueCertificate } from '../shared/self-signed-cert.util';
import { WechatProfitSharingSimulator } from './wechatpay-profitsharing.simulator';

type Json = Record<string, any>;

interface WechatRefund {
  outRefundNo: string;
  refundId: string;
  amount: bigint;
  status: 'SUCCESS' | 'PROCESSING' | 'ABNORMAL' | 'CLOSED';
  /** ABNORMAL until a merchant applies for it to go to a bank card. */
  abnormal?: boolean;
  createdAt: Date;
  successAt?: Date;
  notifyUrl?: string;
}

export interface WechatOrder {
  outTradeNo: string;
  transactionId: string;
  tradeType: 'NATIVE' | 'JSAPI' | 'MWEB' | 'APP';
  /** The appid the order was made under (official account, mini-program or mobile app). */
  appid?: string;
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
  /** Service-provider mode: the sub-merchant the order was made for (partner endpoints), and its own appid. */
  subMchid?: string;
  subAppid?: string;
  /** Paid with settle_info.profit_sharing: the money stays frozen for /v3/profitsharing. */
  profitSharing?: boolean;
}

type PrepayKind = 'native' | 'jsapi' | 'h5' | 'app';
const SUB_MCHID = /^[0-9]{8,32}$/;
const TRADE_TYPE: Record<PrepayKind, WechatOrder['tradeType']> = {
  native: 'NATIVE',
  jsapi: 'JSAPI',
  h5: 'MWEB',
  app: 'APP',
};

/**
 * WeChat Pay API v3 simulator (public-key mode). Checks the merchant's
 * Authorization with the merchant public key, signs every answer with its
 * platform key (Wechatpay-Serial = PUB_KEY_ID_…), and sends AES-GCM encrypted
 * callbacks. Payer side: /pay/:token (Native code_url) and the JSAPI bridge
 * POST /jsapi/pay with the invoke params (paySign is checked).
 */
export class WechatPaySimulator extends SimulatorBase {
  protected readonly dispatcher: CallbackDispatcher;
  private readonly bills = new Map<string, { day: string; body: Buffer }>();
  /** Platform certificates /v3/certificates lists (certificate mode); empty: public-key mode only. */
  private certificates: IssuedCertificate[] = [];
  /** The certificate that signs answers and callbacks; undefined: the PUB_KEY_ID key signs. */
  private signingCertificate?: IssuedCertificate;
  /** How many times /v3/certificates was downloaded (tests count refreshes). */
  certificateDownloads = 0;

  constructor(
    private readonly config: SandboxConfig,
    readonly orders: SimulatorStore<WechatOrder> = new InMemorySimulatorStore<WechatOrder>(),
  ) {
    // WeChat normally answers a refund PROCESSING and notifies REFUND.SUCCESS later.
    super('/sandbox/wechatpay', config.hangMs ?? 30_000, { asyncRefund: true });
    this.dispatcher = new CallbackDispatcher(
      {
        schedule: WECHATPAY_RETRY_SCHEDULE_MS,
        compression: config.callbackTimeCompression ?? 1,
        isAcknowledged: (s) => s === 200 || s === 204,
      },
      this.controls,
    );
    this.profitSharing = new WechatProfitSharingSimulator({
      orders: this.orders,
      mchid: config.wechatpay.mchid,
      appids: () => this.appids,
      platformPublicKeyId: config.wechatpay.platformPublicKeyId,
      platformPrivateKeyPem: config.wechatpay.platformPrivateKeyPem,
      signed: (status, value) => this.signed(status, value),
      // Like refunds: PROCESSING now, the result shortly after (asyncRefundDelayMs).
      later: (fn) => this.later(this.controls.switches.asyncRefundDelayMs, fn),
    });
  }

  /** /v3/profitsharing/*: receivers, split orders, returns and unfreezes. */
  readonly profitSharing: WechatProfitSharingSimulator;

  private oauthSim?: WechatOauthSimulator;

  private get oauth(): WechatOauthSimulator {
    return (this.oauthSim ??= new WechatOauthSimulator(this.cfg.appid, sandboxWechatAppSecret(this.cfg.apiV3Key)));
  }

  private get cfg() {
    return this.config.wechatpay;
  }

  protected route(req: SimRequest, path: string, query: URLSearchParams): SimRoute | undefined {
    // The official account's web OAuth (open.weixin.qq.com / api.weixin.qq.com in production), for JSAPI openids.
    if (path === '/connect/oauth2/authorize' && req.method === 'GET')
      return { op: 'payer', run: () => this.oauth.authorize(query) };
    if (path === '/sns/oauth2/access_token' && req.method === 'GET')
      return { op: 'payer', run: () => this.oauth.accessToken(query) };
    const m = (re: RegExp) => re.exec(path);
    let g: RegExpExecArray | null;
    if ((g = m(/^\/pay\/([\w-]+)$/))) return { op: 'payer', run: () => this.nativePage(req, g![1]) };
    if ((g = m(/^\/jsapi\/(wx[\w]+)$/)) && req.method === 'GET')
      return { op: 'payer', run: () => this.jsapiPage(g![1]) };
    if (path === '/jsapi/pay' && req.method === 'POST') return { op: 'payer', run: () => this.jsapiPay(req) };
    // H5: the h5_url the payer's mobile browser opens; APP: the OpenSDK's sendReq(PayReq) with the signed params.
    if ((g = m(/^\/h5\/([\w-]+)$/))) return { op: 'payer', run: () => this.nativePage(req, g![1]) };
    if (path === '/app/pay' && req.method === 'POST') return { op: 'payer', run: () => this.appPay(req) };
    const api = (op: SimRoute['op'], fn: (body: Json) => Promise<SimResponse>): SimRoute => ({
      op,
      run: () => this.authenticated(req, fn),
    });
    // Service-provider (服务商) mode: the same orders under sp_mchid/sub_mchid.
    if (req.method === 'POST' && (g = m(/^\/v3\/pay\/partner\/transactions\/(native|jsapi|h5|app)$/)))
      return api('create', (b) => this.partnerPrepay(g![1] as PrepayKind, b));
    if (req.method === 'GET' && (g = m(/^\/v3\/pay\/partner\/transactions\/out-trade-no\/([^/]+)$/)))
      return api('api', () => this.partnerQuery(decodeURIComponent(g![1]), query));
    if (req.method === 'POST' && (g = m(/^\/v3\/pay\/partner\/transactions\/out-trade-no\/([^/]+)\/close$/)))
      return api('api', (b) => this.partnerClose(decodeURIComponent(g![1]), b));
    if (req.method === 'POST' && (g = m(/^\/v3\/pay\/transactions\/(native|jsapi|h5|app)$/)))
      return api('create', (b) => this.prepay(g![1] as PrepayKind, b));
    if (req.method === 'GET' && (g = m(/^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/)))
      return api('api', () => this.query(decodeURIComponent(g![1])));
    if (req.method === 'POST' && (g = m(/^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/)))
      return api('api', () => this.close(decodeURIComponent(g![1])));
    if (req.method === 'POST' && path === '/v3/refund/domestic/refunds') return api('refund', (b) => this.refund(b));
    if (req.method === 'GET' && (g = m(/^\/v3\/refund\/domestic\/refunds\/([^/]+)$/)))
      return api('api', () => this.refundQuery(decodeURIComponent(g![1])));
    if (req.method === 'POST' && (g = m(/^\/v3\/refund\/domestic\/refunds\/([^/]+)\/apply-abnormal-refund$/)))
      return api('refund', (b) => this.applyAbnormal(decodeURIComponent(g![1]), b));
    const ps = this.profitSharing;
    if (req.method === 'POST' && path === '/v3/profitsharing/receivers/add')
      return api('api', (b) => ps.addReceiver(b, header(req, 'wechatpay-serial')));
    if (req.method === 'POST' && path === '/v3/profitsharing/orders') return api('api', (b) => ps.split(b));
    if (req.method === 'POST' && path === '/v3/profitsharing/orders/unfreeze') return api('api', (b) => ps.unfreeze(b));
    if (req.method === 'GET' && (g = m(/^\/v3\/profitsharing\/orders\/([^/]+)$/)))
      return api('api', () => ps.query(decodeURIComponent(g![1]), query));
    if (req.method === 'POST' && path === '/v3/profitsharing/return-orders')
      return api('api', (b) => ps.returnOrder(b));
    if (req.method === 'GET' && path === '/v3/certificates') return api('api', () => this.certificateList());
    if (req.method === 'GET' && path === '/v3/bill/tradebill')
      return api('api', () => this.billUrl(query.get('bill_date') ?? '', query.get('tar_type')));
    if (req.method === 'GET' && path === '/v3/billdownload/file')
      return { op: 'download', run: () => this.authenticated(req, () => this.download(query.get('token') ?? '')) };
    return undefined;
  }

  protected injectedFailure(_req: SimRequest, op: 'create' | 'refund'): Promise<SimResponse> | SimResponse {
    const [status, value] =
      op === 'create'
        ? [400, { code: 'PARAM_ERROR', message: 'sandbox: create refused by switch' }]
        : [403, { code: 'NOT_ENOUGH', message: 'sandbox: refund refused by switch' }];
    // Error answers need not be signed: the official SDKs only verify 2xx.
    return this.controls.switches.unsignedFailures ? json(status, value) : this.signed(status, value);
  }

  /** Every answer carries the Wechatpay-* signature headers over its exact body (empty for 204). */
  private async signed(status: number, value?: unknown): Promise<SimResponse> {
    const body = value === undefined ? '' : JSON.stringify(value);
    const headers = await this.platformSignature(body);
    return {
      status,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), 'request-id': randomUUID(), ...headers },
      body,
    };
  }

  /** Wechatpay-* headers, signed by the current platform certificate, else the public key (PUB_KEY_ID_…). */
  private platformSignature(body: string): Promise<Record<string, string>> {
    const c = this.signingCertificate;
    return c
      ? platformHeaders(body, c.serial, c.privateKeyPem)
      : platformHeaders(body, this.cfg.platformPublicKeyId, this.cfg.platformPrivateKeyPem);
  }

  /**
   * A platform certificate rotation as WeChat runs it: a new certificate is
   * listed next to the old ones (which stay valid: the overlap), and signs
   * from now on when `sign` is true (else later, with signWithCertificate).
   * The first one puts the simulator in certificate mode.
   */
  async rotatePlatformCertificate(opts: { sign?: boolean } = {}): Promise<string> {
    const cert = await issueCertificate({ subject: `CN=Tenpay.com sandbox platform ${this.certificates.length + 1}` });
    this.certificates.push(cert);
    if (opts.sign ?? true) this.signingCertificate = cert;
    return cert.serial;
  }

  /** Signs with a listed certificate (an older one still inside its overlap). */
  signWithCertificate(serial: string): void {
    const c = this.certificates.find((x) => x.serial === serial);
    if (!c) throw new Error(`no platform certificate ${serial}`);
    this.signingCertificate = c;
  }

  /** The end of an overlap: the certificate is no longer listed (nor used to sign). */
  retirePlatformCertificate(serial: string): void {
    this.certificates = this.certificates.filter((c) => c.serial !== serial);
    if (this.signingCertificate?.serial === serial) this.signingCertificate = this.certificates.at(-1);
  }

  /** GET /v3/certificates: every listed certificate, AES-GCM sealed with the APIv3 key (AAD "certificate"). */
  private async certificateList(): Promise<SimResponse> {
    this.certificateDownloads++;
    const data = this.certificates.map((c) => {
      const sealed = encryptResource(c.certificatePem, this.cfg.apiV3Key, 'certificate');
      return {
        serial_no: c.serial,
        effective_time: rfc3339(c.notBefore),
        expire_time: rfc3339(c.notAfter),
        encrypt_certificate: {
          algorithm: 'AEAD_AES_256_GCM',
          associated_data: 'certificate',
          ciphertext: sealed.ciphertext,
          nonce: sealed.nonce,
        },
      };
    });
    return this.signed(200, { data });
  }

  private async authenticated(req: SimRequest, fn: (body: Json) => Promise<SimResponse>): Promise<SimResponse> {
    const auth = parseMerchantAuth(header(req, 'authorization'));
    const body = req.rawBody.toString('utf8');
    const fresh = auth && Math.abs(Date.now() / 1000 - Number(auth.timestamp)) <= MAX_SKEW_S;
    const ok =
      auth &&
      fresh &&
      auth.mchid === this.cfg.mchid &&
      auth.serial_no === this.cfg.merchantSerialNo &&
      verifyMerchantRequest(req.method, req.url, body, auth, this.cfg.merchantPublicKeyPem);
    if (!ok) return this.signed(401, { code: 'SIGN_ERROR', message: 'Authorization check failed' });
    try {
      // Awaited so that a handler's rejection is answered like a synchronous throw.
      return await fn(body ? JSON.parse(body) : {});
    } catch {
      return this.signed(400, { code: 'PARAM_ERROR', message: 'malformed request' });
    }
  }

  private get appids(): string[] {
    return [this.cfg.appid, this.cfg.miniProgramAppid, this.cfg.appAppid].filter((a): a is string => Boolean(a));
  }

  /** Partner prepay: sp_mchid/sp_appid are the platform's, sub_mchid (and optional sub_appid) the merchant's. */
  private partnerPrepay(kind: PrepayKind, b: Json): Promise<SimResponse> {
    if (b.sp_mchid !== this.cfg.mchid || !this.appids.includes(b.sp_appid) || b.mchid !== undefined)
      return this.signed(400, { code: 'PARAM_ERROR', message: 'sp_mchid/sp_appid mismatch' });
    if (!SUB_MCHID.test(b.sub_mchid ?? ''))
      return this.signed(400, { code: 'PARAM_ERROR', message: 'sub_mchid required' });
    const payer = b.payer ? { openid: b.payer.sp_openid ?? b.payer.sub_openid } : undefined;
    const existing = this.orders.get(b.out_trade_no);
    if (existing && existing.subMchid !== b.sub_mchid)
      return this.signed(400, { code: 'INVALID_REQUEST', message: 'out_trade_no belongs to another sub_mchid' });
    return this.prepay(kind, { ...b, mchid: b.sp_mchid, appid: b.sp_appid, payer }, b.sub_mchid, b.sub_appid);
  }

  private partnerOrder(outTradeNo: string, spMchid: unknown, subMchid: unknown): WechatOrder | 'mismatch' | undefined {
    if (spMchid !== this.cfg.mchid) return 'mismatch';
    const o = this.orders.get(outTradeNo);
    if (!o) return undefined;
    return o.subMchid === subMchid ? o : undefined;
  }

  private partnerQuery(outTradeNo: string, q: URLSearchParams): Promise<SimResponse> {
    const o = this.partnerOrder(outTradeNo, q.get('sp_mchid'), q.get('sub_mchid'));
    if (o === 'mismatch') return this.signed(400, { code: 'PARAM_ERROR', message: 'sp_mchid mismatch' });
    return o
      ? this.signed(200, this.transaction(o))
      : this.signed(404, { code: 'ORDER_NOT_EXIST', message: 'order does not exist' });
  }

  private partnerClose(outTradeNo: string, b: Json): Promise<SimResponse> {
    const o = this.partnerOrder(outTradeNo, b.sp_mchid, b.sub_mchid);
    if (o === 'mismatch') return this.signed(400, { code: 'PARAM_ERROR', message: 'sp_mchid mismatch' });
    return o ? this.close(outTradeNo) : this.signed(404, { code: 'ORDER_NOT_EXIST', message: 'order does not exist' });
  }

  private prepay(kind: PrepayKind, b: Json, subMchid?: string, subAppid?: string): Promise<SimResponse> {
    if (b.mchid !== this.cfg.mchid || !this.appids.includes(b.appid))
      return this.signed(400, { code: 'PARAM_ERROR', message: 'mchid/appid mismatch' });
    if (kind === 'h5' && (!b.scene_info?.payer_client_ip || !b.scene_info?.h5_info?.type))
      return this.signed(400, { code: 'PARAM_ERROR', message: 'scene_info.payer_client_ip and h5_info.type required' });
    if (!/^[\w*|-]{6,32}$/.test(b.out_trade_no ?? '') || !b.notify_url || !b.description)
      return this.signed(400, { code: 'PARAM_ERROR', message: 'out_trade_no/notify_url/description' });
    const total = fromJsonInteger(b.amount?.total);
    if (total < 1n) return this.signed(400, { code: 'PARAM_ERROR', message: 'amount.total' });
    if (kind === 'jsapi' && !b.payer?.openid)
      return this.signed(400, { code: 'PARAM_ERROR', message: 'payer.openid required' });
    let o = this.orders.get(b.out_trade_no);
    if (o) {
      if (o.state === 'SUCCESS' || o.state === 'REFUND')
        return this.signed(400, { code: 'ORDERPAID', message: 'order already paid' });
      if (o.state === 'CLOSED') return this.signed(400, { code: 'ORDER_CLOSED', message: 'order closed' });
      if (o.total !== total || o.tradeType !== TRADE_TYPE[kind])
        return this.signed(400, { code: 'INVALID_REQUEST', message: 'out_trade_no reused with different parameters' });
    } else {
      o = {
        outTradeNo: b.out_trade_no,
        transactionId: `42000${Date.now()}${randomBytes(3).toString('hex')}`,
        tradeType: TRADE_TYPE[kind],
        appid: b.appid,
        description: b.description,
        total,
        currency: b.amount?.currency ?? 'CNY',
        state: 'NOTPAY',
        notifyUrl: b.notify_url,
        openid: b.payer?.openid,
        payToken: randomUUID(),
        prepayId: kind === 'jsapi' || kind === 'app' ? `wx${randomBytes(14).toString('hex')}` : undefined,
        createdAt: new Date(),
        refunds: [],
        ...(subMchid ? { subMchid, ...(subAppid ? { subAppid } : {}) } : {}),
        ...(b.settle_info?.profit_sharing === true ? { profitSharing: true } : {}),
      };
      this.orders.put(o.outTradeNo, o);
    }
    if (kind === 'jsapi' || kind === 'app') return this.signed(200, { prepay_id: o.prepayId });
    if (kind === 'h5')
      return this.signed(200, { h5_url: `${this.config.publicBaseUrl}${this.mount}/h5/${o.payToken}` });
    return this.signed(200, { code_url: `${this.config.publicBaseUrl}${this.mount}/pay/${o.payToken}` });
  }

  private transaction(o: WechatOrder): Json {
    return {
      ...this.merchantFields(o),
      out_trade_no: o.outTradeNo,
      trade_type: o.tradeType,
      trade_state: o.state,
      trade_state_desc: o.state,
      bank_type: 'OTHERS',
      attach: '',
      payer: o.subMchid ? { sp_openid: o.openid ?? 'sandbox-openid' } : { openid: o.openid ?? 'sandbox-openid' },
      amount: {
        total: toJsonInteger(o.total),
        payer_total: toJsonInteger(o.total),
        currency: o.currency,
        payer_currency: o.currency,
      },
      ...(o.state === 'SUCCESS' || o.state === 'REFUND'
        ? { transaction_id: o.transactionId, success_time: rfc3339(o.successAt!) }
        : {}),
    };
  }

  /** Who the order is for, with the real field names: mchid/appid, or sp_mchid/sp_appid/sub_mchid[/sub_appid]. */
  private merchantFields(o: WechatOrder): Json {
    if (!o.subMchid) return { appid: o.appid ?? this.cfg.appid, mchid: this.cfg.mchid };
    return {
      sp_appid: o.appid ?? this.cfg.appid,
      sp_mchid: this.cfg.mchid,
      sub_mchid: o.subMchid,
      ...(o.subAppid ? { sub_appid: o.subAppid } : {}),
    };
  }

  private query(outTradeNo: string): Promise<SimResponse> {
    const o = this.orders.get(outTradeNo);
    return o
      ? this.signed(200, this.transaction(o))
      : this.signed(404, { code: 'ORDER_NOT_EXIST', message: 'order does not exist' });
  }

  private close(outTradeNo: string): Promise<SimResponse> {
    const o = this.orders.get(outTradeNo);
    if (!o) return this.signed(404, { code: 'ORDER_NOT_EXIST', message: 'order does not exist' });
    if (o.state === 'SUCCESS' || o.state === 'REFUND')
      return this.signed(400, { code: 'ORDERPAID', message: 'order already paid' });
    o.state = 'CLOSED';
    return this.signed(204);
  }

  private refundView(o: WechatOrder, r: WechatRefund): Json {
    const t = toJsonInteger(o.total);
    const rf = toJsonInteger(r.amount);
    return {
      refund_id: r.refundId,
      out_refund_no: r.outRefundNo,
      transaction_id: o.transactionId,
      out_trade_no: o.outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      status: r.status,
      create_time: rfc3339(r.createdAt),
      ...(r.successAt ? { success_time: rfc3339(r.successAt) } : {}),
      amount: {
        total: t,
        refund: rf,
        payer_total: t,
        payer_refund: rf,
        settlement_total: t,
        settlement_refund: rf,
        discount_refund: 0,
        currency: o.currency,
      },
    };
  }

  private refund(b: Json): Promise<SimResponse> {
    const o = b.out_trade_no
      ? this.orders.get(b.out_trade_no)
      : this.orders.values().find((x) => x.transactionId === b.transaction_id);
    if (!o) return this.signed(404, { code: 'RESOURCE_NOT_EXISTS', message: 'order does not exist' });
    // A partner order is refunded with its sub_mchid; an ordinary one without.
    if ((b.sub_mchid ?? undefined) !== o.subMchid)
      return this.signed(404, { code: 'RESOURCE_NOT_EXISTS', message: 'order does not exist for this sub_mchid' });
    const amount = fromJsonInteger(b.amount?.refund);
    if (fromJsonInteger(b.amount?.total) !== o.total)
      return this.signed(400, { code: 'PARAM_ERROR', message: 'amount.total differs from the order' });
    const prior = o.refunds.find((r) => r.outRefundNo === b.out_refund_no);
    if (prior)
      return prior.amount === amount
        ? this.signed(200, this.refundView(o, prior))
        : this.signed(400, { code: 'INVALID_REQUEST', message: 'out_refund_no reused with a different amount' });
    if (o.state !== 'SUCCESS' && o.state !== 'REFUND')
      return this.signed(400, { code: 'INVALID_REQUEST', message: 'order not paid' });
    const used = o.refunds.reduce((s, r) => s + r.amount, 0n);
    if (amount < 1n || used + amount > o.total)
      return this.signed(400, { code: 'INVALID_REQUEST', message: 'refund exceeds the amount left' });
    const abnormal = this.controls.consume('abnormalNextRefund');
    const async = abnormal || this.controls.switches.asyncRefund;
    const r: WechatRefund = {
      outRefundNo: b.out_refund_no,
      refundId: `50300${Date.now()}${randomBytes(3).toString('hex')}`,
      amount,
      status: async ? 'PROCESSING' : 'SUCCESS',
      createdAt: new Date(),
      notifyUrl: b.notify_url,
      abnormal,
    };
    if (!async) r.successAt = new Date();
    o.refunds.push(r);
    o.state = 'REFUND';
    if (async) this.completeLater(o, r);
    return this.signed(200, this.refundView(o, r));
  }

  /** A PROCESSING refund ends SUCCESS, or ABNORMAL when the payer's account cannot take the money. */
  private completeLater(o: WechatOrder, r: WechatRefund): void {
    this.later(this.controls.switches.asyncRefundDelayMs, () => {
      if (r.abnormal) {
        r.status = 'ABNORMAL';
        return this.notifyRefund(o, r, 'REFUND.ABNORMAL', '退款异常');
      }
      r.status = 'SUCCESS';
      r.successAt = new Date();
      this.notifyRefund(o, r, 'REFUND.SUCCESS', '退款成功');
    });
  }

  private notifyRefund(o: WechatOrder, r: WechatRefund, eventType: string, summary: string): void {
    if (!r.notifyUrl) return;
    const v = this.refundView(o, r);
    this.notify(r.notifyUrl, eventType, summary, 'refund', {
      ...(o.subMchid ? { sp_mchid: this.cfg.mchid, sub_mchid: o.subMchid } : { mchid: this.cfg.mchid }),
      out_trade_no: v.out_trade_no,
      transaction_id: v.transaction_id,
      out_refund_no: v.out_refund_no,
      refund_id: v.refund_id,
      refund_status: r.status,
      ...(r.successAt ? { success_time: rfc3339(r.successAt) } : {}),
      user_received_account: v.user_received_account,
      amount: {
        total: v.amount.total,
        refund: v.amount.refund,
        payer_total: v.amount.payer_total,
        payer_refund: v.amount.payer_refund,
      },
    });
  }

  /**
   * POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund: the
   * merchant sends an ABNORMAL refund to a bank card (type USER_BANK_CARD
   * needs bank_type, bank_account, real_name; MERCHANT_BANK_CARD refunds to
   * the merchant's own card). The refund is PROCESSING again, then SUCCESS.
   */
  private applyAbnormal(refundId: string, b: Json): Promise<SimResponse> {
    const o = this.orders.values().find((x) => x.refunds.some((r) => r.refundId === refundId));
    const r = o?.refunds.find((x) => x.refundId === refundId);
    if (!o || !r || (b.out_refund_no !== undefined && b.out_refund_no !== r.outRefundNo))
      return this.signed(404, { code: 'RESOURCE_NOT_EXISTS', message: 'refund does not exist' });
    // As on the refund itself: a partner order's refund is named with its sub_mchid; an ordinary one without.
    if ((b.sub_mchid ?? undefined) !== o.subMchid)
      return this.signed(404, { code: 'RESOURCE_NOT_EXISTS', message: 'refund does not exist for this sub_mchid' });
    if (b.type !== 'USER_BANK_CARD' && b.type !== 'MERCHANT_BANK_CARD')
      return this.signed(400, { code: 'PARAM_ERROR', message: 'type must be USER_BANK_CARD or MERCHANT_BANK_CARD' });
    if (b.type === 'USER_BANK_CARD' && (!b.bank_type || !b.bank_account || !b.real_name))
      return this.signed(400, { code: 'PARAM_ERROR', message: 'bank_type, bank_account and real_name are required' });
    if (r.status !== 'ABNORMAL')
      return this.signed(400, { code: 'INVALID_REQUEST', message: `refund is ${r.status}, not ABNORMAL` });
    r.status = 'PROCESSING';
    r.abnormal = false;
    this.completeLater(o, r);
    return this.signed(200, this.refundView(o, r));
  }

  private refundQuery(outRefundNo: string): Promise<SimResponse> {
    for (const o of this.orders.values()) {
      const r = o.refunds.find((x) => x.outRefundNo === outRefundNo);
      if (r) return this.signed(200, this.refundView(o, r));
    }
    return this.signed(404, { code: 'RESOURCE_NOT_EXISTS', message: 'refund does not exist' });
  }

  /** Rows of a UTC+8 calendar day, with WeChat's 0.6% fee (手续费). */
  billEntries(day: string): WechatBillEntry[] {
    const inDay = (d?: Date) => !!d && beijingDay(d) === day;
    const fee = (fen: bigint) => (fen * 6n + 500n) / 1000n;
    const rows: WechatBillEntry[] = [];
    for (const o of this.orders.values()) {
      const base = {
        appid: this.cfg.appid,
        mchid: this.cfg.mchid,
        transactionId: o.transactionId,
        outTradeNo: o.outTradeNo,
        tradeType: o.tradeType,
        paymentAmount: o.total,
        description: o.description,
      };
      if (inDay(o.successAt)) rows.push({ ...base, at: o.successAt!, kind: 'payment', fee: fee(o.total) });
      for (const r of o.refunds)
        if (r.status === 'SUCCESS' && inDay(r.successAt))
          rows.push({
            ...base,
            at: r.successAt!,
            kind: 'refund',
            refundId: r.refundId,
            outRefundNo: r.outRefundNo,
            refundAmount: r.amount,
            fee: fee(r.amount),
          });
    }
    return rows;
  }

  /** A day's bill exists from T+1 (北京时间); before that WeChat answers NO_STATEMENT_EXIST. */
  private billUrl(day: string, tarType: string | null): Promise<SimResponse> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || (tarType !== null && tarType !== 'GZIP'))
      return this.signed(400, { code: 'PARAM_ERROR', message: 'bill_date yyyy-MM-dd, tar_type GZIP or absent' });
    const today = beijingDay(new Date());
    if (day > today || (day === today && !this.controls.switches.billsSameDay))
      return this.signed(400, { code: 'NO_STATEMENT_EXIST', message: '账单文件不存在' });
    const token = randomUUID();
    const body = wechatBillBytes(this.billEntries(day), tarType === 'GZIP');
    this.bills.set(token, { day, body });
    return this.signed(200, {
      hash_type: 'SHA1',
      // Over the bytes as downloaded (the gzip file when tar_type=GZIP).
      hash_value: createHash('sha1').update(body).digest('hex'),
      download_url: `${this.config.publicBaseUrl}${this.mount}/v3/billdownload/file?token=${token}`,
    });
  }

  private async download(token: string): Promise<SimResponse> {
    const bill = this.bills.get(token);
    // The real download is not signed either; its hash came in the signed tradebill answer.
    return bill
      ? { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: bill.body }
      : this.signed(404, { code: 'RESOURCE_NOT_EXISTS', message: 'no such bill' });
  }

  private nativePage(req: SimRequest, token: string): SimResponse {
    const o = this.orders.values().find((x) => x.payToken === token);
    if (!o) return json(404, { error: 'unknown code_url' });
    if (req.method === 'GET')
      return html(
        renderPayerPage(
          'WeChat Pay (sandbox)',
          [
            ['Order', o.outTradeNo],
            ['Description', o.description],
            ['Amount (CNY)', fenToYuan(o.total)],
            ['State', o.state],
          ],
          '',
          `${this.config.publicBaseUrl}${this.mount}/pay/${token}`,
        ),
      );
    return this.pay(o, payerOutcome(req));
  }

  private jsapiPage(prepayId: string): SimResponse {
    const o = this.orders.values().find((x) => x.prepayId === prepayId);
    if (!o) return json(404, { error: 'unknown prepay_id' });
    return html(
      renderPayerPage(
        'WeChat JSAPI (sandbox)',
        [
          ['Order', o.outTradeNo],
          ['Amount (CNY)', fenToYuan(o.total)],
        ],
        'POST the invoke params plus "outcome" to /sandbox/wechatpay/jsapi/pay',
      ),
    );
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
    if (
      !o ||
      p.appId !== (o.appid ?? this.cfg.appid) ||
      p.signType !== 'RSA' ||
      !verifyPaySign(p as any, this.cfg.merchantPublicKeyPem)
    ) {
      return json(400, { err_msg: 'get_brand_wcpay_request:fail', error: 'paySign or prepay_id invalid' });
    }
    return this.pay(o, p.outcome === 'success' || p.outcome === 'fail' ? p.outcome : undefined);
  }

  /**
   * The WeChat app's side of an APP payment (OpenSDK PayReq): the signature
   * over `appid\ntimestamp\nnoncestr\nprepayid\n` (bare prepay_id) is checked
   * with the merchant's public key, here with node:crypto directly.
   */
  private appPay(req: SimRequest): SimResponse {
    let p: Json;
    try {
      p = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return json(400, { error: 'body must be JSON' });
    }
    const o = this.orders.values().find((x) => x.prepayId === p.prepayid && x.tradeType === 'APP');
    const message = `${p.appid}\n${p.timestamp}\n${p.noncestr}\n${p.prepayid}\n`;
    const signed =
      typeof p.sign === 'string' &&
      createVerify('RSA-SHA256').update(message, 'utf8').verify(this.cfg.merchantPublicKeyPem, p.sign, 'base64');
    if (!o || p.appid !== o.appid || p.partnerid !== this.cfg.mchid || p.package !== 'Sign=WXPay' || !signed)
      return json(400, { errCode: -1, errStr: 'sign or prepayid invalid' });
    return this.pay(o, p.outcome === 'success' || p.outcome === 'fail' ? p.outcome : undefined);
  }

  private pay(o: WechatOrder, outcome: 'success' | 'fail' | undefined): SimResponse {
    if (!outcome) return json(400, { error: 'body must be {"outcome":"success"} or {"outcome":"fail"}' });
    if (o.state !== 'NOTPAY') return json(409, { error: `order is ${o.state}`, trade_state: o.state });
    if (outcome === 'success') {
      o.state = 'SUCCESS';
      o.successAt = new Date();
      this.notify(o.notifyUrl, 'TRANSACTION.SUCCESS', '支付成功', 'transaction', {
        ...this.transaction(o),
        transaction_id: o.transactionId,
        success_time: rfc3339(o.successAt),
      });
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
      const sealed = encryptResource(plaintext, this.cfg.apiV3Key, originalType);
      const body = JSON.stringify({
        id,
        create_time: rfc3339(new Date()),
        resource_type: 'encrypt-resource',
        event_type: eventType,
        summary,
        resource: {
          original_type: originalType,
          algorithm: 'AEAD_AES_256_GCM',
          ciphertext: sealed.ciphertext,
          associated_data: originalType,
          nonce: sealed.nonce,
        },
      });
      return {
        headers: {
          'content-type': 'application/json',
          ...(await this.platformSignature(body)),
        },
        body,
      };
    });
  }
}
