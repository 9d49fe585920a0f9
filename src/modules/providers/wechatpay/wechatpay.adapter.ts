import { HttpBackedAdapter } from '../http-backed-adapter';
import { createHash } from 'node:crypto';
import {
  CallbackAnswer,
  CallbackParseResult,
  CallbackRequest,
  Channel,
  CreatePaymentInput,
  PaymentProvider,
  ProviderOutcome,
  ProviderStatus,
  RefundInput,
  RefundOutcome,
  RefundStatus,
  StatementLine,
} from '../provider.port';
import { WechatPayConfig } from '../providers.config';
import { HttpResult, ProviderHttpClient } from '../http/provider-http.client';
import { fromJsonInteger, toJsonInteger } from '../minor-units.util';
import { headerGetter, unknownFromHttp, unverifiedOutcome } from '../provider-outcome.util';
import { parseWechatBill } from './wechatpay-bill.util';
import { buildAuthorizationAsync, buildJsapiParamsAsync, decryptResource, verifyWechatpaySignature, wechatpayHeaders } from './wechatpay-signature.util';

type Json = Record<string, any>;

type ApiResult =
  | { kind: 'ok'; status: number; json: Json }
  | { kind: 'error'; status: number; code: string; message: string; json: Json }
  | { kind: 'unknown'; outcome: ProviderOutcome & RefundOutcome };

const TRADE_STATE: Record<string, ProviderStatus> = {
  SUCCESS: 'succeeded',
  // REFUND: paid, then (partly) refunded; the payment itself succeeded.
  REFUND: 'succeeded',
  NOTPAY: 'pending',
  USERPAYING: 'pending',
  CLOSED: 'closed',
  REVOKED: 'closed',
  PAYERROR: 'failed',
};

const REFUND_STATUS: Record<string, RefundStatus> = { SUCCESS: 'succeeded', PROCESSING: 'pending', CLOSED: 'failed', ABNORMAL: 'failed' };

/** Error codes after which the same request may succeed: the outcome is unknown, never failed. */
const TRANSIENT_CODES = new Set(['SYSTEM_ERROR', 'FREQUENCY_LIMITED', 'BANK_ERROR', 'BANKERROR']);

/** RFC 3339 in Beijing time, as WeChat's examples write time_expire. */
function rfc3339Beijing(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

/**
 * WeChat Pay API v3 adapter (wechat_native, wechat_jsapi), public-key mode.
 * Every answer, 2xx or 4xx, is verified against the WeChat Pay public key
 * named by Wechatpay-Serial before it is read.
 */
export class WechatPayAdapter extends HttpBackedAdapter implements PaymentProvider {
  readonly name = 'wechatpay' as const;
  readonly channels: readonly Channel[] = ['wechat_native', 'wechat_jsapi'];

  constructor(
    private readonly config: WechatPayConfig,
    http?: ProviderHttpClient,
  ) {
    super('wechatpay', config.http, http);
  }


  supportsCurrency(_channel: Channel, currency: string): boolean {
    return currency === 'CNY';
  }

  async createPayment(input: CreatePaymentInput): Promise<ProviderOutcome> {
    const jsapi = input.channel === 'wechat_jsapi';
    if (jsapi && !input.payer?.openid) {
      return { status: 'failed', retryable: false, providerCode: 'payer_openid_required', providerMessage: 'wechat_jsapi needs payer.openid' };
    }
    const body = {
      appid: this.config.appid,
      mchid: this.config.mchid,
      description: input.subject,
      out_trade_no: input.providerOrderId,
      time_expire: rfc3339Beijing(input.expiresAt),
      notify_url: input.notifyUrl,
      amount: { total: toJsonInteger(input.amount), currency: input.currency },
      ...(jsapi ? { payer: { openid: input.payer!.openid } } : {}),
    };
    const r = await this.api('POST', `/v3/pay/transactions/${jsapi ? 'jsapi' : 'native'}`, body, false);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error') {
      if (r.code === 'ORDERPAID') return this.query(input.channel, input.providerOrderId);
      return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message, raw: r.json };
    }
    if (jsapi) {
      if (typeof r.json.prepay_id !== 'string') return unverifiedOutcome('jsapi answer without prepay_id');
      const params = await buildJsapiParamsAsync(this.config.appid, r.json.prepay_id, this.config.merchantPrivateKeyPem);
      return { status: 'pending', nextAction: { type: 'wechat_jsapi', params: { ...params } }, raw: r.json };
    }
    if (typeof r.json.code_url !== 'string') return unverifiedOutcome('native answer without code_url');
    return { status: 'pending', nextAction: { type: 'qr_code', qr_code: r.json.code_url }, raw: r.json };
  }

  async query(_channel: Channel, providerOrderId: string): Promise<ProviderOutcome> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(providerOrderId)}?mchid=${encodeURIComponent(this.config.mchid)}`;
    const r = await this.api('GET', path, undefined, true);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error') {
      // ORDER_NOT_EXIST: the create never landed; re-sending it with the same out_trade_no is safe.
      return { status: 'unknown', retryable: r.code === 'ORDER_NOT_EXIST', providerCode: r.code, providerMessage: r.message, raw: r.json };
    }
    return {
      status: TRADE_STATE[r.json.trade_state] ?? 'unknown',
      providerTransactionId: r.json.transaction_id,
      amount: r.json.amount?.total !== undefined ? fromJsonInteger(r.json.amount.total) : undefined,
      currency: r.json.amount?.currency,
      providerCode: r.json.trade_state,
      providerMessage: r.json.trade_state_desc,
      raw: r.json,
    };
  }

  async close(channel: Channel, providerOrderId: string): Promise<ProviderOutcome> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(providerOrderId)}/close`;
    const r = await this.api('POST', path, { mchid: this.config.mchid }, true);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'ok') return { status: 'closed' };
    // ORDERPAID and friends: the order is not closable; its real state is what counts.
    return this.query(channel, providerOrderId);
  }

  async refund(input: RefundInput): Promise<RefundOutcome> {
    const body = {
      out_trade_no: input.providerOrderId,
      out_refund_no: input.providerRefundId,
      reason: input.reason,
      notify_url: input.notifyUrl,
      amount: { refund: toJsonInteger(input.amount), total: toJsonInteger(input.paymentAmount), currency: input.currency },
    };
    // Retried: out_refund_no makes a repeat the same refund.
    return this.refundResult(await this.api('POST', '/v3/refund/domestic/refunds', body, true));
  }

  async queryRefund(_channel: Channel, _providerOrderId: string, providerRefundId: string): Promise<RefundOutcome> {
    const r = await this.api('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(providerRefundId)}`, undefined, true);
    if (r.kind === 'error' && (r.code === 'RESOURCE_NOT_EXISTS' || r.status === 404)) {
      return { status: 'unknown', retryable: true, providerCode: 'REFUND_NOT_FOUND', providerMessage: r.message, raw: r.json };
    }
    return this.refundResult(r);
  }

  async parseCallback(req: CallbackRequest): Promise<CallbackParseResult> {
    const body = req.rawBody.toString('utf8');
    // Signature and freshness first; nothing is parsed or decrypted before.
    const check = verifyWechatpaySignature(wechatpayHeaders(headerGetter(req.headers)), body, this.config.platformPublicKeys);
    if (check === 'timestamp_out_of_window') return { ok: false, reason: 'timestamp_out_of_window' };
    if (check !== 'ok') return { ok: false, reason: 'signature_invalid' };
    let event: Json;
    let resource: Json;
    try {
      event = JSON.parse(body);
      const res = event.resource ?? {};
      if (res.algorithm !== 'AEAD_AES_256_GCM') return { ok: false, reason: 'malformed' };
      try {
        resource = JSON.parse(decryptResource(res.ciphertext, this.config.apiV3Key, res.nonce, res.associated_data ?? ''));
      } catch {
        return { ok: false, reason: 'decrypt_failed' };
      }
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (resource.mchid !== this.config.mchid || (resource.appid !== undefined && resource.appid !== this.config.appid)) {
      return { ok: false, reason: 'merchant_mismatch' };
    }
    try {
      if (String(event.event_type).startsWith('REFUND.')) {
        return {
          ok: true,
          callback: {
            kind: 'refund',
            providerOrderId: resource.out_trade_no,
            providerRefundId: resource.out_refund_no,
            providerRefundTransactionId: resource.refund_id,
            status: REFUND_STATUS[resource.refund_status] ?? 'unknown',
            amount: fromJsonInteger(resource.amount?.refund),
            currency: resource.amount?.currency ?? 'CNY',
            providerMerchantId: resource.mchid,
            notificationId: event.id,
            raw: { event, resource },
          },
        };
      }
      return {
        ok: true,
        callback: {
          kind: 'payment',
          providerOrderId: resource.out_trade_no,
          providerTransactionId: resource.transaction_id,
          status: TRADE_STATE[resource.trade_state] ?? 'unknown',
          amount: fromJsonInteger(resource.amount?.total),
          currency: resource.amount?.currency,
          providerMerchantId: resource.mchid,
          notificationId: event.id,
          raw: { event, resource },
        },
      };
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }

  callbackAnswer(success: boolean): CallbackAnswer {
    return success
      ? { status: 204, contentType: 'application/json', body: '' }
      : { status: 500, contentType: 'application/json', body: JSON.stringify({ code: 'FAIL', message: '失败' }) };
  }

  /** Trade bill of a UTC+8 day; the file is checked against the signed answer's SHA1 hash_value. */
  async fetchStatement(day: string): Promise<StatementLine[]> {
    const r = await this.api('GET', `/v3/bill/tradebill?bill_date=${encodeURIComponent(day)}&bill_type=ALL`, undefined, true);
    if (r.kind !== 'ok') throw new Error(`wechat bill unavailable: ${r.kind === 'unknown' ? r.outcome.providerCode : r.code}`);
    const url = new URL(r.json.download_url);
    const file = await this.http.request(
      { method: 'GET', url: url.toString(), headers: await this.headers('GET', url.pathname + url.search, '') },
      { idempotent: true },
    );
    if (file.kind !== 'response' || file.status !== 200) throw new Error('wechat bill download failed');
    // The download itself is not signed; the hash in the signed answer vouches for it.
    const hash = createHash('sha1').update(file.body, 'utf8').digest('hex');
    if (hash !== String(r.json.hash_value).toLowerCase()) throw new Error('wechat bill hash mismatch');
    return parseWechatBill(file.body);
  }

  private refundResult(r: ApiResult): RefundOutcome {
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error') return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message, raw: r.json };
    return {
      status: REFUND_STATUS[r.json.status] ?? 'unknown',
      providerRefundTransactionId: r.json.refund_id,
      amount: r.json.amount?.refund !== undefined ? fromJsonInteger(r.json.amount.refund) : undefined,
      providerCode: r.json.status,
      raw: r.json,
    };
  }

  /** The Authorization signature is made in the threadpool: ~1 ms of RSA-2048 per call stays off the event loop. */
  private async headers(method: string, url: string, body: string): Promise<Record<string, string>> {
    return {
      authorization: await buildAuthorizationAsync({
        mchid: this.config.mchid,
        serialNo: this.config.merchantSerialNo,
        privateKeyPem: this.config.merchantPrivateKeyPem,
        method,
        url,
        body,
      }),
      accept: 'application/json',
      'user-agent': 'paygrid/0.1',
      'wechatpay-serial': this.config.platformPublicKeyId,
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
  }

  private async api(method: 'GET' | 'POST', pathAndQuery: string, bodyObj: Json | undefined, idempotent: boolean): Promise<ApiResult> {
    const body = bodyObj === undefined ? '' : JSON.stringify(bodyObj);
    const url = new URL(this.config.baseUrl);
    // Sign the full path as sent, including any base path the config carries (the sandbox's /sandbox/wechatpay).
    const signedPath = url.pathname.replace(/\/$/, '') + pathAndQuery;
    const res: HttpResult = await this.http.request(
      { method, url: `${url.origin}${signedPath}`, headers: await this.headers(method, signedPath, body), body: body || undefined },
      { idempotent },
    );
    if (res.kind !== 'response' || res.status >= 500 || res.status === 429) return { kind: 'unknown', outcome: unknownFromHttp(res) };
    const check = verifyWechatpaySignature(wechatpayHeaders((n) => res.headers.get(n) ?? undefined), res.body, this.config.platformPublicKeys);
    if (check !== 'ok') return { kind: 'unknown', outcome: unverifiedOutcome(`${method} ${pathAndQuery}: ${check}`) };
    let json: Json = {};
    try {
      json = res.body ? JSON.parse(res.body) : {};
    } catch {
      return { kind: 'unknown', outcome: unverifiedOutcome('answer is not JSON') };
    }
    if (res.status >= 200 && res.status < 300) return { kind: 'ok', status: res.status, json };
    const code = String(json.code ?? `http_${res.status}`);
    if (TRANSIENT_CODES.has(code)) {
      return { kind: 'unknown', outcome: { status: 'unknown', retryable: true, providerCode: code, providerMessage: json.message, raw: json } };
    }
    return { kind: 'error', status: res.status, code, message: String(json.message ?? ''), json };
  }
}
