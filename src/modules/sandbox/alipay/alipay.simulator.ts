import { randomBytes, randomUUID } from 'node:crypto';
import { SandboxConfig } from '../sandbox.config';
import { SimulatorBase, SimRoute } from '../shared/simulator-base';
import { CallbackDispatcher, ALIPAY_RETRY_SCHEDULE_MS } from '../shared/callback-dispatcher';
import { InMemorySimulatorStore, SimulatorStore } from '../shared/simulator-store';
import { SimRequest, SimResponse, header, html, json, payerOutcome } from '../shared/simulator-http';
import { renderPayerPage } from '../shared/payer-page.util';
import {
  beijingDay,
  beijingTime as alipayTimestamp,
  fenOf as yuanToFen,
  yuan as fenToYuan,
} from '../shared/sim-format.util';
import {
  GatewayParams as AlipayParams,
  formParams as parseFormBody,
  signedAnswer,
  signedNotification,
  signedReturn,
  verifyAppRequest as verifyAlipayRequest,
} from './alipay-gateway.protocol';
import { AlipayBillEntry, alipayBillZip } from './alipay-bill.builder';
import { AlipayCertificateFiles, AlipaySandboxCertificates } from './alipay-sandbox-certificates';
import { AlipayRoyalty, TradeRoyalty } from './alipay-royalty';

type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

interface AlipayRefund {
  outRequestNo: string;
  amount: bigint;
  status: 'REFUND_SUCCESS' | 'REFUND_PROCESSING';
  at: Date;
}

export interface AlipayTrade {
  outTradeNo: string;
  tradeNo: string;
  total: bigint;
  subject: string;
  status: TradeStatus;
  /** Precreate/page trades exist for the merchant only once the buyer scans or opens the cashier. */
  visible: boolean;
  notifyUrl?: string;
  returnUrl?: string;
  qrToken?: string;
  /** Face to face: the payer's payment code the merchant scanned. */
  authCode?: string;
  createdAt: Date;
  paidAt?: Date;
  refunds: AlipayRefund[];
  /** Third-party authorisation: the merchant (auth_app_id, its user id as seller) the trade was made for. */
  authAppId?: string;
  sellerId?: string;
  /** Paid with extend_params.royalty_freeze=true: the money stays frozen for splits (分账). */
  royaltyFreeze?: boolean;
  royalty?: TradeRoyalty;
}

/** A merchant that authorised the platform's app (第三方应用授权), as alipay.open.auth.token.app names it. */
export interface AlipayAuthorisation {
  authAppId: string;
  userId: string;
}

interface IssuedToken extends AlipayAuthorisation {
  expiresAt: number;
}

/** Alipay's lifetimes: the token a year, the refresh token a little longer. */
export const APP_AUTH_EXPIRES_IN_S = 31_536_000;
export const APP_AUTH_RE_EXPIRES_IN_S = 32_140_800;

const OK = { code: '10000', msg: 'Success' };
/** Shaped like Alipay's: yyyyMM + BB + 32 hex characters. */
const newAuthToken = () => `${alipayTimestamp().slice(0, 7).replace('-', '')}BB${randomBytes(16).toString('hex')}`;
const tokenRefused = (subCode: string, subMsg: string) => ({
  code: '20001',
  msg: 'Insufficient Token Permissions',
  sub_code: subCode,
  sub_msg: subMsg,
});
const BILL_URL_TTL_MS = 30_000;
/** extend_params.royalty_freeze: "true" as Alipay documents it (a JSON true is read the same). */
const royaltyFreeze = (b: Record<string, unknown>): boolean => {
  const v = (b.extend_params as Record<string, unknown> | undefined)?.royalty_freeze;
  return v === 'true' || v === true;
};
/** Alipay's standard 0.6% service fee, rounded half up to the fen. */
const serviceFee = (fen: bigint): bigint => (fen * 6n + 500n) / 1000n;
const biz = (code: string, subCode: string, subMsg: string) => ({
  code,
  msg: code === '40004' ? 'Business Failed' : 'Invalid Arguments',
  sub_code: subCode,
  sub_msg: subMsg,
});

/**
 * Alipay gateway.do simulator. Verifies requests with the app's public key,
 * signs every answer and notification with its own Alipay key; the buyer's
 * side is the QR page (/qr/:token) and the cashier (GET gateway.do?method=alipay.trade.page.pay…).
 */
export class AlipaySimulator extends SimulatorBase {
  protected readonly dispatcher: CallbackDispatcher;
  private readonly bills = new Map<string, { day: string; expiresAt: number; authAppId?: string }>();
  /** app_auth_code → the merchant it authorises (single use). */
  private readonly authCodes = new Map<string, AlipayAuthorisation>();
  /** Live app_auth_tokens and app_refresh_tokens. A refresh retires both of the pair it replaces. */
  readonly appAuthTokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, IssuedToken & { token: string }>();
  /** The app_auth_token each gateway call carried, in order (tests check who acted). */
  readonly tokenLog: Array<{ method: string; appAuthToken?: string }> = [];
  /** Certificate mode (公钥证书); undefined: public-key mode. */
  private certificates?: AlipaySandboxCertificates;
  /** Profit sharing (分账): relation sets, settles, returns. */
  readonly royalty = new AlipayRoyalty((ms, fn) => this.later(ms, fn));

  constructor(
    private readonly config: SandboxConfig,
    readonly trades: SimulatorStore<AlipayTrade> = new InMemorySimulatorStore<AlipayTrade>(),
  ) {
    super('/sandbox/alipay', config.hangMs ?? 30_000);
    this.dispatcher = new CallbackDispatcher(
      {
        schedule: ALIPAY_RETRY_SCHEDULE_MS,
        compression: config.callbackTimeCompression ?? 1,
        isAcknowledged: (s, b) => s === 200 && b.trim() === 'success',
      },
      this.controls,
    );
  }

  /**
   * Puts the app in public-key-certificate mode, as switching it on the open
   * platform does: from now on requests must carry the app's app_cert_sn and
   * the root bundle's alipay_root_cert_sn, and answers and notifications are
   * signed with Alipay's certificate key, answers naming it in alipay_cert_sn.
   * Returns the three files the merchant downloads.
   */
  async enableCertificateMode(): Promise<AlipayCertificateFiles> {
    this.certificates ??= await AlipaySandboxCertificates.create(
      this.config.alipay.appId,
      this.config.alipay.appPublicKeyPem,
    );
    return this.certificates.files();
  }

  /** Certificate mode: Alipay renews its certificate (the new one signs unless `sign` is false). Returns its SN. */
  async renewAlipayCertificate(opts: { sign?: boolean } = {}): Promise<string> {
    if (!this.certificates) throw new Error('not in certificate mode');
    return this.certificates.renewAlipayCertificate(opts);
  }

  /** Certificate mode: sign with an earlier certificate, or (tests) name another SN in alipay_cert_sn. */
  signWithAlipayCertificate(sn: string): void {
    if (!this.certificates) throw new Error('not in certificate mode');
    this.certificates.signWith(sn);
  }

  /** Certificate mode: the SN answers name; undefined in public-key mode. */
  get alipayCertSn(): string | undefined {
    return this.certificates?.signingSn;
  }

  /** Answers name this SN instead of the signing certificate's (tests: a wrong alipay_cert_sn). */
  misnameCertSn?: string;

  /** Tests: certificate downloads hand out a forgery of the certificate asked for (same SN, no chain to the root). */
  forgeCertificateDownloads = false;

  /** Tests: the forgery downloads hand out when forgeCertificateDownloads is on (PEM). */
  forgedCertificate(sn: string): Promise<string> {
    if (!this.certificates) throw new Error('not in certificate mode');
    return this.certificates.forgery(sn);
  }

  /** The SNs asked for through alipay.open.app.alipaycert.download, in order. */
  readonly certificateDownloads: string[] = [];

  /** alipay.open.app.alipaycert.download: Alipay's certificate of that SN, base64 of its PEM (with the intermediate). */
  private async certDownload(b: Record<string, string>): Promise<Record<string, unknown>> {
    const sn = b.alipay_cert_sn ?? '';
    this.certificateDownloads.push(sn);
    const pem = this.certificates?.download(sn);
    if (!this.certificates || !pem)
      return biz('40004', 'isv.alipay-cert-not-exist', 'no Alipay certificate of that SN');
    const content = this.forgeCertificateDownloads ? await this.certificates.forgery(sn) : pem;
    return { ...OK, alipay_cert_content: Buffer.from(content, 'utf8').toString('base64') };
  }

  private get signingKeyPem(): string {
    return this.certificates?.signingKeyPem ?? this.config.alipay.alipayPrivateKeyPem;
  }

  /** Certificate mode: a request must name the app's certificate and the current root bundle. */
  private certificateRefusal(p: AlipayParams): Record<string, unknown> | undefined {
    const c = this.certificates;
    if (!c) return undefined;
    if (p.app_cert_sn !== c.appCertSn)
      return biz('40002', 'isv.invalid-app-cert-sn', 'app_cert_sn does not match the app certificate');
    if (p.alipay_root_cert_sn !== c.rootCertSn)
      return biz('40002', 'isv.invalid-alipay-root-cert-sn', 'alipay_root_cert_sn does not match the root bundle');
    return undefined;
  }

  private get gatewayUrl(): string {
    return `${this.config.publicBaseUrl}${this.mount}/gateway.do`;
  }

  protected route(req: SimRequest, path: string, query: URLSearchParams): SimRoute | undefined {
    const qr = /^\/qr\/([\w-]+)$/.exec(path);
    if (qr) return { op: 'payer', run: () => this.qrPage(req, qr[1]) };
    const bill = /^\/bills\/([\w-]+)$/.exec(path);
    if (bill && req.method === 'GET') return { op: 'download', run: () => this.download(bill[1]) };
    // The Alipay app: the order string an APP payment hands to the SDK, and the payer confirming a scanned code.
    if (path === '/app/pay' && req.method === 'POST') return { op: 'payer', run: () => this.appPay(req) };
    const code = /^\/barcode\/(\d+)$/.exec(path);
    if (code) return { op: 'payer', run: () => this.barcodeConfirm(req, code[1]) };
    // The merchant's side of 第三方应用授权: it agrees, Alipay redirects to the platform with app_auth_code.
    if (path === '/oauth2/appToAppAuth.htm' && req.method === 'GET')
      return { op: 'payer', run: async () => this.appToAppAuth(query) };
    if (path !== '/gateway.do') return undefined;
    const params = this.params(req, query);
    if (params.method === 'alipay.trade.page.pay' || params.method === 'alipay.trade.wap.pay')
      return { op: 'payer', run: () => this.cashier(req, params) };
    if (req.method !== 'POST') return undefined;
    const op =
      params.method === 'alipay.trade.precreate' || params.method === 'alipay.trade.pay'
        ? 'create'
        : params.method === 'alipay.trade.refund'
          ? 'refund'
          : 'api';
    return { op, run: () => this.api(params) };
  }

  protected injectedFailure(req: SimRequest, op: 'create' | 'refund', query: URLSearchParams): Promise<SimResponse> {
    const method = this.params(req, query).method ?? 'alipay.trade.precreate';
    const node =
      op === 'create'
        ? biz('40004', 'ACQ.ACCESS_FORBIDDEN', 'sandbox: create refused by switch')
        : biz('40004', 'ACQ.SELLER_BALANCE_NOT_ENOUGH', 'sandbox: refund refused by switch');
    // The gateway's unsigned form: an error_response without `sign` (the Java SDK accepts failures unsigned).
    return this.controls.switches.unsignedFailures
      ? this.answer(method, node, { asError: true, unsigned: true })
      : this.answer(method, node);
  }

  /** Common params may travel in the query or the form body (the SDK splits them). */
  private params(req: SimRequest, query: URLSearchParams): AlipayParams {
    const out: AlipayParams = Object.fromEntries(query);
    if ((header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded'))
      Object.assign(out, parseFormBody(req.rawBody));
    return out;
  }

  private async answer(
    method: string,
    node: Record<string, unknown>,
    opts: { asError?: boolean; unsigned?: boolean } = {},
  ): Promise<SimResponse> {
    // Escaped slashes, as Alipay writes them: the adapter must verify with the \/ retry.
    const certSn = this.misnameCertSn ?? this.certificates?.signingSn;
    const body = await signedAnswer(method, node, this.signingKeyPem, {
      ...opts,
      extra: certSn && !opts.unsigned ? { alipay_cert_sn: certSn } : undefined,
    });
    return { status: 200, headers: { 'content-type': 'application/json;charset=utf-8' }, body };
  }

  /**
   * A merchant authorising the platform's app: a new app_auth_code for it,
   * appended to redirect_uri with app_id, as Alipay does. `auth_app_id` and
   * `user_id` in the query pick the sandbox merchant (random otherwise).
   */
  private appToAppAuth(query: URLSearchParams): SimResponse {
    const redirect = query.get('redirect_uri');
    if (query.get('app_id') !== this.config.alipay.appId || !redirect || !/^https?:\/\//.test(redirect))
      return json(400, { error: 'app_id of the platform and an http(s) redirect_uri are required' });
    const code = this.issueAuthCode({
      authAppId: query.get('auth_app_id') ?? undefined,
      userId: query.get('user_id') ?? undefined,
    });
    const url = new URL(redirect);
    url.searchParams.set('app_id', this.config.alipay.appId);
    url.searchParams.set('app_auth_code', code);
    const state = query.get('state');
    if (state) url.searchParams.set('state', state);
    return { status: 302, headers: { location: url.toString() }, body: '' };
  }

  /** Issues an app_auth_code as if the merchant had just authorised the platform's app. */
  issueAuthCode(merchant: Partial<AlipayAuthorisation> = {}): string {
    const code = `P${randomBytes(16).toString('hex')}`;
    this.authCodes.set(code, {
      authAppId:
        merchant.authAppId ??
        `2021${BigInt('0x' + randomBytes(6).toString('hex'))
          .toString()
          .padStart(12, '0')
          .slice(-12)}`,
      userId:
        merchant.userId ??
        `2088${BigInt('0x' + randomBytes(6).toString('hex'))
          .toString()
          .padStart(12, '0')
          .slice(-12)}`,
    });
    return code;
  }

  /** The merchant cancels its authorisation (解除授权): its tokens and refresh tokens stop working. */
  revokeAuthorisation(authAppId: string): void {
    for (const [k, v] of this.appAuthTokens) if (v.authAppId === authAppId) this.appAuthTokens.delete(k);
    for (const [k, v] of this.refreshTokens) if (v.authAppId === authAppId) this.refreshTokens.delete(k);
  }

  /** alipay.open.auth.token.app: the code (once) or a live refresh token for a new token pair. */
  private tokenApp(b: Record<string, string>): Record<string, unknown> {
    let merchant: AlipayAuthorisation | undefined;
    if (b.grant_type === 'authorization_code') {
      merchant = this.authCodes.get(b.code ?? '');
      if (!merchant) return biz('40004', 'isv.code-invalid', '授权码code无效');
      this.authCodes.delete(b.code);
    } else if (b.grant_type === 'refresh_token') {
      const old = this.refreshTokens.get(b.refresh_token ?? '');
      if (!old) return biz('40004', 'isv.refresh-token-invalid', '刷新令牌refresh_token无效');
      this.refreshTokens.delete(b.refresh_token);
      if (old.expiresAt <= Date.now()) return biz('40004', 'isv.refresh-token-time-out', '刷新令牌refresh_token过期');
      this.appAuthTokens.delete(old.token);
      merchant = old;
    } else {
      return biz('40002', 'isv.invalid-parameter', 'grant_type must be authorization_code or refresh_token');
    }
    const token = newAuthToken();
    const refresh = newAuthToken();
    const now = Date.now();
    const who = { authAppId: merchant.authAppId, userId: merchant.userId };
    this.appAuthTokens.set(token, { ...who, expiresAt: now + APP_AUTH_EXPIRES_IN_S * 1000 });
    this.refreshTokens.set(refresh, { ...who, token, expiresAt: now + APP_AUTH_RE_EXPIRES_IN_S * 1000 });
    const issued = {
      user_id: who.userId,
      auth_app_id: who.authAppId,
      app_auth_token: token,
      app_refresh_token: refresh,
      expires_in: APP_AUTH_EXPIRES_IN_S,
      re_expires_in: APP_AUTH_RE_EXPIRES_IN_S,
    };
    return { ...OK, ...issued, tokens: [issued] };
  }

  /** The merchant a call acts for (its app_auth_token), undefined for the platform itself, or the refusal. */
  private sellerOf(p: AlipayParams): { seller?: IssuedToken } | { refused: Record<string, unknown> } {
    // Bounded: a long-running sandbox (the benchmark) must not grow without end.
    if (this.tokenLog.length >= 1000) this.tokenLog.shift();
    this.tokenLog.push({ method: p.method ?? '', appAuthToken: p.app_auth_token });
    if (p.app_auth_token === undefined) return {};
    const t = this.appAuthTokens.get(p.app_auth_token);
    if (!t) return { refused: tokenRefused('aop.invalid-app-auth-token', '无效的应用授权令牌') };
    if (t.expiresAt <= Date.now())
      return { refused: tokenRefused('aop.app-auth-token-time-out', '应用授权令牌已过期') };
    return { seller: t };
  }

  private async api(p: AlipayParams): Promise<SimResponse> {
    const method = p.method ?? '';
    if (p.app_id !== this.config.alipay.appId)
      return this.answer(method, biz('40002', 'isv.invalid-app-id', 'unknown app_id'));
    const certRefusal = this.certificateRefusal(p);
    if (certRefusal) return this.answer(method, certRefusal);
    if (!verifyAlipayRequest(p, this.config.alipay.appPublicKeyPem))
      return this.answer(method, biz('40002', 'isv.invalid-signature', 'signature check failed'));
    const who = this.sellerOf(p);
    if ('refused' in who) return this.answer(method, who.refused);
    const seller = who.seller;
    let b: Record<string, string>;
    try {
      b = JSON.parse(p.biz_content ?? '{}');
    } catch {
      return this.answer(method, biz('40002', 'isv.invalid-parameter', 'biz_content is not JSON'));
    }
    switch (method) {
      case 'alipay.open.auth.token.app':
        return this.answer(method, this.tokenApp(b));
      case 'alipay.open.app.alipaycert.download':
        return this.answer(method, await this.certDownload(b));
      case 'alipay.trade.precreate':
        return this.answer(method, this.precreate(b, p, seller));
      case 'alipay.trade.pay':
        return this.answer(method, this.barcodePay(b, p, seller));
      case 'alipay.trade.query':
        return this.answer(method, this.query(b, seller));
      case 'alipay.trade.close':
        return this.answer(method, this.close(b, seller));
      case 'alipay.trade.cancel':
        return this.answer(method, this.cancel(b, seller));
      case 'alipay.trade.refund':
        return this.answer(method, this.refund(b, seller));
      case 'alipay.trade.fastpay.refund.query':
        return this.answer(method, this.refundQuery(b, seller));
      case 'alipay.data.dataservice.bill.downloadurl.query':
        return this.answer(method, this.billUrl(b, seller));
      case 'alipay.trade.royalty.relation.bind':
        return this.answer(method, this.royalty.bind(b, seller?.authAppId ?? ''));
      case 'alipay.trade.order.settle': {
        const t = this.find(b, seller);
        return this.answer(method, this.royalty.settle(b, t, seller?.authAppId ?? '', t ? this.refunded(t) : 0n));
      }
      case 'alipay.trade.order.settle.query':
        return this.answer(
          method,
          this.royalty.settleQuery(
            b,
            this.trades.values().filter((t) => t.authAppId === seller?.authAppId),
          ),
        );
      case 'alipay.trade.order.onsettle.query': {
        const t = this.find(b, seller);
        return this.answer(method, this.royalty.onsettleQuery(t, t ? this.refunded(t) : 0n));
      }
      default:
        return this.answer(method, biz('40002', 'isv.invalid-method', `unsupported method ${method}`), {
          asError: true,
          unsigned: true,
        });
    }
  }

  private newTrade(
    b: Record<string, string>,
    p: AlipayParams,
    seller?: AlipayAuthorisation,
  ): AlipayTrade | Record<string, unknown> {
    let total: bigint;
    try {
      total = yuanToFen(b.total_amount ?? '');
    } catch {
      return biz('40002', 'isv.invalid-parameter', 'total_amount');
    }
    if (!b.out_trade_no || !/^[\w]{1,64}$/.test(b.out_trade_no) || total < 1n)
      return biz('40002', 'isv.invalid-parameter', 'out_trade_no/total_amount');
    const existing = this.trades.get(b.out_trade_no);
    if (existing) {
      // Another seller's out_trade_no is another trade; the sandbox keeps one namespace, so it refuses.
      if (existing.authAppId !== seller?.authAppId)
        return biz('40004', 'ACQ.CONTEXT_INCONSISTENT', 'out_trade_no belongs to another seller');
      if (existing.total !== total)
        return biz('40004', 'ACQ.CONTEXT_INCONSISTENT', 'same out_trade_no, different details');
      if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED')
        return biz('40004', 'ACQ.TRADE_HAS_SUCCESS', 'trade already paid');
      if (existing.status === 'TRADE_CLOSED') return biz('40004', 'ACQ.TRADE_HAS_CLOSE', 'trade closed');
      return existing;
    }
    const day = alipayTimestamp().slice(0, 10).replace(/-/g, '');
    const trade: AlipayTrade = {
      outTradeNo: b.out_trade_no,
      tradeNo: `${day}22001${BigInt('0x' + randomBytes(6).toString('hex'))
        .toString()
        .padStart(15, '0')}`,
      total,
      subject: b.subject ?? '',
      status: 'WAIT_BUYER_PAY',
      visible: false,
      notifyUrl: p.notify_url,
      returnUrl: p.return_url,
      createdAt: new Date(),
      refunds: [],
      ...(seller ? { authAppId: seller.authAppId, sellerId: seller.userId } : {}),
      ...(royaltyFreeze(b) ? { royaltyFreeze: true } : {}),
    };
    this.trades.put(trade.outTradeNo, trade);
    return trade;
  }

  private precreate(b: Record<string, string>, p: AlipayParams, seller?: AlipayAuthorisation): Record<string, unknown> {
    const t = this.newTrade(b, p, seller);
    if (!('tradeNo' in t)) return t;
    const trade = t as AlipayTrade;
    trade.qrToken ??= randomUUID();
    return {
      ...OK,
      out_trade_no: trade.outTradeNo,
      qr_code: `${this.config.publicBaseUrl}${this.mount}/qr/${trade.qrToken}`,
    };
  }

  /** A trade exists only for its seller: the platform's own, or the authorising merchant's (its token). */
  private lookup(b: Record<string, string>, seller?: AlipayAuthorisation): AlipayTrade | undefined {
    const t = b.out_trade_no
      ? this.trades.get(b.out_trade_no)
      : this.trades.values().find((x) => x.tradeNo === b.trade_no);
    return t && t.authAppId === seller?.authAppId ? t : undefined;
  }

  private find(b: Record<string, string>, seller?: AlipayAuthorisation): AlipayTrade | undefined {
    const t = this.lookup(b, seller);
    return t?.visible ? t : undefined;
  }

  private query(b: Record<string, string>, seller?: AlipayAuthorisation): Record<string, unknown> {
    const t = this.find(b, seller);
    if (!t) return biz('40004', 'ACQ.TRADE_NOT_EXIST', 'trade does not exist');
    return {
      ...OK,
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      trade_status: t.status,
      total_amount: fenToYuan(t.total),
      buyer_logon_id: 'san***@sandbox.com',
      ...(t.paidAt
        ? {
            send_pay_date: alipayTimestamp(t.paidAt),
            buyer_pay_amount: fenToYuan(t.total),
            receipt_amount: fenToYuan(t.total),
          }
        : {}),
    };
  }

  /**
   * Never scanned: Alipay holds no trade, answers ACQ.TRADE_NOT_EXIST, and the
   * QR code stays payable until it times out (only alipay.trade.cancel stops it).
   */
  private close(b: Record<string, string>, seller?: AlipayAuthorisation): Record<string, unknown> {
    const v = this.find(b, seller);
    if (!v) return biz('40004', 'ACQ.TRADE_NOT_EXIST', 'trade does not exist');
    if (v.status !== 'WAIT_BUYER_PAY') return biz('40004', 'ACQ.TRADE_STATUS_ERROR', `trade is ${v.status}`);
    this.closeTrade(v);
    return { ...OK, trade_no: v.tradeNo, out_trade_no: v.outTradeNo };
  }

  private closeTrade(t: AlipayTrade): void {
    t.status = 'TRADE_CLOSED';
    // Alipay notifies TRADE_CLOSED for a trade it holds (scanned); an unscanned code has no trade to report.
    if (t.visible) this.notify(t, { gmt_close: alipayTimestamp() });
  }

  /**
   * alipay.trade.cancel (face-to-face): unpaid, even unscanned, the trade is
   * closed for good (action close); paid, the money goes back (action refund).
   */
  private cancel(b: Record<string, string>, seller?: AlipayAuthorisation): Record<string, unknown> {
    const t = this.lookup(b, seller);
    if (!t) return biz('40004', 'ACQ.TRADE_NOT_EXIST', 'trade does not exist');
    const done = (action: 'close' | 'refund') => ({
      ...OK,
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      retry_flag: 'N',
      action,
      ...(action === 'refund' ? { gmt_refund_pay: alipayTimestamp() } : {}),
    });
    if (t.status === 'WAIT_BUYER_PAY') {
      this.closeTrade(t);
      return done('close');
    }
    if (t.status === 'TRADE_CLOSED') return done(t.paidAt ? 'refund' : 'close');
    if (t.status === 'TRADE_FINISHED') return biz('40004', 'ACQ.REASON_TRADE_STATUS_INVALID', 'trade is finished');
    const left = t.total - this.refunded(t);
    if (left > 0n)
      t.refunds.push({ outRequestNo: t.outTradeNo, amount: left, status: 'REFUND_SUCCESS', at: new Date() });
    t.status = 'TRADE_CLOSED';
    this.notify(t, {
      refund_fee: fenToYuan(this.refunded(t)),
      gmt_refund: alipayTimestamp(),
      gmt_close: alipayTimestamp(),
    });
    return done('refund');
  }

  private refunded(t: AlipayTrade): bigint {
    return t.refunds.reduce((s, r) => s + r.amount, 0n);
  }

  private refund(b: Record<string, string>, seller?: AlipayAuthorisation): Record<string, unknown> {
    const t = this.find(b, seller);
    if (!t) return biz('40004', 'ACQ.TRADE_NOT_EXIST', 'trade does not exist');
    const raw = b as Record<string, unknown>;
    if (raw.refund_royalty_parameters === undefined) return this.buyerRefund(b, t);
    // 退分账: royalty back from receivers to the seller; refund_amount 0 returns royalty only.
    let amount: bigint;
    try {
      amount = yuanToFen(String(raw.refund_amount ?? ''));
    } catch {
      return biz('40002', 'isv.invalid-parameter', 'refund_amount');
    }
    const reqNo = b.out_request_no || t.outTradeNo;
    if (this.royalty.hasReturn(t, reqNo)) return this.refundDone(t, 'N');
    const check = this.royalty.checkReturn(raw, t);
    if ('refused' in check) return check.refused;
    let buyer: Record<string, unknown> | undefined;
    if (amount > 0n) {
      buyer = this.buyerRefund(b, t);
      if (buyer.code !== '10000') return buyer;
    }
    this.royalty.applyReturns(t, check.returns);
    return buyer ?? this.refundDone(t, 'N');
  }

  private refundDone(t: AlipayTrade, fundChange: 'Y' | 'N'): Record<string, unknown> {
    return {
      ...OK,
      fund_change: fundChange,
      refund_fee: fenToYuan(this.refunded(t)),
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      buyer_logon_id: 'san***@sandbox.com',
      gmt_refund_pay: alipayTimestamp(),
    };
  }

  private buyerRefund(b: Record<string, string>, t: AlipayTrade): Record<string, unknown> {
    let amount: bigint;
    try {
      amount = yuanToFen(b.refund_amount ?? '');
    } catch {
      return biz('40002', 'isv.invalid-parameter', 'refund_amount');
    }
    const reqNo = b.out_request_no || t.outTradeNo;
    const done = (fundChange: 'Y' | 'N') => this.refundDone(t, fundChange);
    const prior = t.refunds.find((r) => r.outRequestNo === reqNo);
    if (prior)
      return prior.amount === amount
        ? done('N')
        : biz('40004', 'ACQ.DISCORDANT_REPEAT_REQUEST', 'same out_request_no, different amount');
    if (t.status !== 'TRADE_SUCCESS') return biz('40004', 'ACQ.TRADE_STATUS_ERROR', `trade is ${t.status}`);
    if (amount < 1n || this.refunded(t) + amount > t.total)
      return biz('40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', 'refund amount exceeds what is left');
    const async = this.controls.switches.asyncRefund;
    const r: AlipayRefund = {
      outRequestNo: reqNo,
      amount,
      status: async ? 'REFUND_PROCESSING' : 'REFUND_SUCCESS',
      at: new Date(),
    };
    t.refunds.push(r);
    if (!async) {
      if (this.refunded(t) === t.total) this.fullyRefunded(t, r);
      return done('Y');
    }
    this.later(this.controls.switches.asyncRefundDelayMs, () => {
      r.status = 'REFUND_SUCCESS';
      r.at = new Date();
      if (this.refunded(t) === t.total) return this.fullyRefunded(t, r);
      this.notify(t, {
        out_biz_no: r.outRequestNo,
        refund_fee: fenToYuan(this.refunded(t)),
        gmt_refund: alipayTimestamp(r.at),
      });
    });
    return done('N');
  }

  /** A full refund closes the trade, and Alipay notifies it: TRADE_CLOSED with the refund fields. */
  private fullyRefunded(t: AlipayTrade, r: AlipayRefund): void {
    t.status = 'TRADE_CLOSED';
    this.notify(t, {
      out_biz_no: r.outRequestNo,
      refund_fee: fenToYuan(this.refunded(t)),
      gmt_refund: alipayTimestamp(r.at),
      gmt_close: alipayTimestamp(r.at),
    });
  }

  private refundQuery(b: Record<string, string>, seller?: AlipayAuthorisation): Record<string, unknown> {
    const t = this.find(b, seller);
    const reqNo = b.out_request_no || t?.outTradeNo || '';
    const r = t?.refunds.find((x) => x.outRequestNo === reqNo);
    const royaltys = t ? this.royalty.refundRoyaltys(t, reqNo) : undefined;
    // No data at all means "no such refund" (PROVIDERS.md): code 10000 without refund fields.
    if (!t || (!r && !royaltys)) return { ...OK };
    return {
      ...OK,
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      out_request_no: reqNo,
      total_amount: fenToYuan(t.total),
      // A royalty-only return (退分账 with refund_amount 0) refunds the buyer nothing.
      refund_amount: fenToYuan(r?.amount ?? 0n),
      refund_status: r?.status ?? 'REFUND_SUCCESS',
      gmt_refund_pay: alipayTimestamp(r?.at ?? new Date()),
      ...(royaltys ? { refund_royaltys: royaltys } : {}),
    };
  }

  /** A bill exists from T+1 (北京时间) and its download link lives about 30 s. */
  private billUrl(b: Record<string, string>, seller?: AlipayAuthorisation): Record<string, unknown> {
    if (b.bill_type !== 'trade' || !/^\d{4}-\d{2}-\d{2}$/.test(b.bill_date ?? ''))
      return biz('40004', 'isv.invalid-bill-date', 'bill_type trade, bill_date yyyy-MM-dd');
    if (
      b.bill_date > beijingDay(new Date()) ||
      (b.bill_date === beijingDay(new Date()) && !this.controls.switches.billsSameDay)
    )
      return biz('40004', 'isp.bill_not_exist', '账单不存在');
    const token = randomUUID();
    this.bills.set(token, { day: b.bill_date, expiresAt: Date.now() + BILL_URL_TTL_MS, authAppId: seller?.authAppId });
    return { ...OK, bill_download_url: `${this.config.publicBaseUrl}${this.mount}/bills/${token}` };
  }

  /**
   * Rows completed within the UTC+8 calendar day, with Alipay's 0.6% service fee.
   * A seller's bill: the platform's own trades, or (auth_app_id) one authorising merchant's.
   */
  billEntries(day: string, authAppId?: string): AlipayBillEntry[] {
    const inDay = (d?: Date) => !!d && beijingDay(d) === day;
    const rows: AlipayBillEntry[] = [];
    for (const t of this.trades.values()) {
      if (t.authAppId !== authAppId) continue;
      const base = { tradeNo: t.tradeNo, outTradeNo: t.outTradeNo, subject: t.subject, createdAt: t.createdAt };
      if (inDay(t.paidAt))
        rows.push({ ...base, kind: 'payment', completedAt: t.paidAt!, amount: t.total, fee: serviceFee(t.total) });
      for (const r of t.refunds)
        if (r.status === 'REFUND_SUCCESS' && inDay(r.at))
          rows.push({
            ...base,
            kind: 'refund',
            completedAt: r.at,
            amount: r.amount,
            fee: serviceFee(r.amount),
            outRequestNo: r.outRequestNo,
          });
    }
    return rows;
  }

  /** The bill file of a day: a zip of GBK CSVs, as the real download link serves it. */
  billFile(day: string, authAppId?: string): Buffer {
    return alipayBillZip(this.config.alipay.sellerId, day, this.billEntries(day, authAppId));
  }

  private download(token: string): SimResponse {
    const bill = this.bills.get(token);
    if (!bill || bill.expiresAt < Date.now()) {
      this.bills.delete(token);
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'download link invalid or expired' };
    }
    return {
      status: 200,
      headers: {
        'content-type': 'application/oct-stream',
        'content-disposition': `attachment; filename="${this.config.alipay.sellerId}_${bill.day.replace(/-/g, '')}.csv.zip"`,
      },
      body: this.billFile(bill.day, bill.authAppId),
    };
  }

  private async qrPage(req: SimRequest, token: string): Promise<SimResponse> {
    const t = this.trades.values().find((x) => x.qrToken === token);
    if (!t) return json(404, { error: 'unknown qr code' });
    return this.payerStep(
      req,
      t,
      'Alipay (sandbox): scan to pay',
      `${this.config.publicBaseUrl}${this.mount}/qr/${token}`,
    );
  }

  /**
   * alipay.trade.pay (face to face, scene bar_code). Sandbox payment codes:
   * ending in 0000 is invalid (ACQ.PAYMENT_AUTH_CODE_INVALID), ending in 1111
   * needs the payer to confirm (10003, WAIT_BUYER_PAY, confirmed at
   * /barcode/<auth_code>), any other code is paid at once.
   */
  private barcodePay(
    b: Record<string, string>,
    p: AlipayParams,
    seller?: AlipayAuthorisation,
  ): Record<string, unknown> {
    if (b.scene !== 'bar_code' || !/^\d{16,24}$/.test(b.auth_code ?? ''))
      return biz('40002', 'isv.invalid-parameter', 'scene=bar_code and auth_code required');
    if (b.auth_code.endsWith('0000')) return biz('40004', 'ACQ.PAYMENT_AUTH_CODE_INVALID', 'payment code invalid');
    const t = this.newTrade(b, p, seller);
    if (!('tradeNo' in t)) return t;
    const trade = t as AlipayTrade;
    trade.visible = true;
    trade.authCode = b.auth_code;
    const node = {
      out_trade_no: trade.outTradeNo,
      trade_no: trade.tradeNo,
      total_amount: fenToYuan(trade.total),
      buyer_logon_id: 'san***@sandbox.com',
    };
    if (b.auth_code.endsWith('1111')) return { code: '10003', msg: 'Waiting for user to pay', ...node };
    trade.status = 'TRADE_SUCCESS';
    trade.paidAt = new Date();
    const paid = fenToYuan(trade.total);
    this.notify(trade, { gmt_payment: alipayTimestamp(trade.paidAt), buyer_pay_amount: paid, receipt_amount: paid });
    return { ...OK, ...node, gmt_payment: alipayTimestamp(trade.paidAt), buyer_pay_amount: paid, receipt_amount: paid };
  }

  private async barcodeConfirm(req: SimRequest, authCode: string): Promise<SimResponse> {
    const t = this.trades.values().find((x) => x.authCode === authCode);
    if (!t) return json(404, { error: 'no trade for this payment code' });
    return this.payerStep(req, t, 'Alipay (sandbox): confirm the payment on your phone');
  }

  /** The Alipay app's side of an APP payment: the SDK submits the signed order string, the payer decides. */
  private async appPay(req: SimRequest): Promise<SimResponse> {
    let orderString: unknown;
    try {
      orderString = JSON.parse(req.rawBody.toString('utf8')).order_string;
    } catch {
      return json(400, { error: 'body must be JSON {"order_string": "…", "outcome": "success"|"fail"}' });
    }
    if (typeof orderString !== 'string') return json(400, { error: 'order_string required' });
    const p: AlipayParams = Object.fromEntries(new URLSearchParams(orderString));
    if (p.method !== 'alipay.trade.app.pay') return json(400, biz('40002', 'isv.invalid-method', 'not an app order'));
    return this.cashier(req, p, 'Alipay app (sandbox)');
  }

  private async cashier(req: SimRequest, p: AlipayParams, title = 'Alipay (sandbox) cashier'): Promise<SimResponse> {
    if (p.app_id !== this.config.alipay.appId || !verifyAlipayRequest(p, this.config.alipay.appPublicKeyPem)) {
      return json(400, biz('40002', 'isv.invalid-signature', 'signature check failed'));
    }
    const certRefusal = this.certificateRefusal(p);
    if (certRefusal) return json(400, certRefusal);
    const who = this.sellerOf(p);
    if ('refused' in who) return json(400, who.refused);
    let b: Record<string, string>;
    try {
      b = JSON.parse(p.biz_content ?? '{}');
    } catch {
      return json(400, biz('40002', 'isv.invalid-parameter', 'biz_content is not JSON'));
    }
    const t = this.newTrade(b, p, who.seller);
    if (!('tradeNo' in t)) return json(400, t);
    return this.payerStep(req, t as AlipayTrade, title);
  }

  /** Opening the page is the scan/login (the trade becomes visible); a POST is the payer's decision. */
  private async payerStep(req: SimRequest, t: AlipayTrade, title: string, qr?: string): Promise<SimResponse> {
    t.visible = true;
    if (req.method === 'GET')
      return html(
        renderPayerPage(
          title,
          [
            ['Order', t.outTradeNo],
            ['Subject', t.subject],
            ['Amount (CNY)', fenToYuan(t.total)],
            ['Status', t.status],
          ],
          '',
          qr,
        ),
      );
    const outcome = payerOutcome(req);
    if (!outcome) return json(400, { error: 'body must be {"outcome":"success"} or {"outcome":"fail"}' });
    if (t.status !== 'WAIT_BUYER_PAY') return json(409, { error: `trade is ${t.status}`, trade_status: t.status });
    if (outcome === 'success') {
      t.status = 'TRADE_SUCCESS';
      t.paidAt = new Date();
      this.notify(t, {
        gmt_payment: alipayTimestamp(t.paidAt),
        buyer_pay_amount: fenToYuan(t.total),
        receipt_amount: fenToYuan(t.total),
        invoice_amount: fenToYuan(t.total),
      });
    } else {
      // Alipay has no "payment failed" trade state: the buyer gives up and the trade closes (TRADE_CLOSED is notified).
      t.status = 'TRADE_CLOSED';
      this.notify(t, { gmt_close: alipayTimestamp() });
    }
    return json(200, { trade_status: t.status, out_trade_no: t.outTradeNo, return_url: await this.returnUrl(t) });
  }

  private async returnUrl(t: AlipayTrade): Promise<string | undefined> {
    if (!t.returnUrl) return undefined;
    const signed = await signedReturn(
      {
        method: 'alipay.trade.page.pay.return',
        app_id: this.config.alipay.appId,
        charset: 'utf-8',
        sign_type: 'RSA2',
        version: '1.0',
        timestamp: alipayTimestamp(),
        out_trade_no: t.outTradeNo,
        trade_no: t.tradeNo,
        total_amount: fenToYuan(t.total),
        seller_id: t.sellerId ?? this.config.alipay.sellerId,
        auth_app_id: t.authAppId ?? this.config.alipay.appId,
      },
      this.signingKeyPem,
    );
    return `${t.returnUrl}${t.returnUrl.includes('?') ? '&' : '?'}${new URLSearchParams(signed)}`;
  }

  /** trade_status_sync to notify_url; notify_id stays the same across retries, the signature is fresh. */
  private notify(t: AlipayTrade, extra: AlipayParams): void {
    if (!t.notifyUrl) return;
    const notifyId = randomBytes(16).toString('hex');
    this.dispatcher.send(notifyId, t.notifyUrl, async () => {
      const params = await signedNotification(
        {
          notify_time: alipayTimestamp(),
          notify_type: 'trade_status_sync',
          notify_id: notifyId,
          app_id: this.config.alipay.appId,
          charset: 'utf-8',
          version: '1.0',
          sign_type: 'RSA2',
          trade_no: t.tradeNo,
          out_trade_no: t.outTradeNo,
          buyer_id: '2088000000000001',
          buyer_logon_id: 'san***@sandbox.com',
          // The seller of record: the authorising merchant for its trades, else the platform.
          seller_id: t.sellerId ?? this.config.alipay.sellerId,
          auth_app_id: t.authAppId ?? this.config.alipay.appId,
          trade_status: t.status,
          total_amount: fenToYuan(t.total),
          subject: t.subject,
          gmt_create: alipayTimestamp(t.createdAt),
          ...extra,
        },
        this.signingKeyPem,
      );
      return {
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(params).toString(),
      };
    });
  }
}
