import {
  WECHAT_PREPAY_KIND,
  appidFor,
  boundAppids,
  buildAppParamsAsync,
  channelFields,
} from './wechatpay-channels.util';
import { HttpBackedAdapter } from '../http-backed-adapter';
import { constants, publicEncrypt } from 'node:crypto';
import {
  AbnormalRefundRetry,
  CallbackAnswer,
  CallbackParseResult,
  CallbackRequest,
  Channel,
  CreatePaymentInput,
  FieldCheckInput,
  FieldViolation,
  AbnormalRefundRetryingProvider,
  FieldCheckingProvider,
  ProviderOrderRef,
  ProviderOutcome,
  ProfitSharingProvider,
  ProviderStatus,
  RefundInput,
  RefundOutcome,
  RefundStatus,
  SplitInput,
  SplitOutcome,
  SplitReceiverBinding,
  SplitReleaseInput,
  SplitReturnInput,
  StatementLine,
} from '../provider.port';
import { returnOrderOutcome, splitOrderOutcome, wechatReceiverType } from './wechatpay-profitsharing.util';
import { WechatPayConfig } from '../providers.config';
import { HttpResult, ProviderHttpClient } from '../http/provider-http.client';
import { fromJsonInteger, toJsonInteger } from '../minor-units.util';
import { headerGetter, unknownFromHttp, unverifiedOutcome } from '../provider-outcome.util';
import { parseWechatBill, wechatBillHashMatches } from './wechatpay-bill.util';
import { StatementNotReady } from '../statement.errors';
import { wechatFieldViolation } from './wechatpay-field-limits.util';
import { PlatformCertificate, WechatPlatformKeys, openPlatformCertificates } from './wechatpay-platform-keys';
import {
  buildAuthorizationAsync,
  buildJsapiParamsAsync,
  decryptResource,
  verifyWechatpaySignature,
  wechatpayHeaders,
} from './wechatpay-signature.util';

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

const REFUND_STATUS: Record<string, RefundStatus> = {
  SUCCESS: 'succeeded',
  PROCESSING: 'pending',
  CLOSED: 'failed',
  // Not a failure: the money has not reached the payer yet and still may (apply-abnormal-refund, or by
  // hand on the merchant platform). The refund stays open; needsOperator flags it.
  ABNORMAL: 'pending',
};

/** Error codes after which the same request may succeed: the outcome is unknown, never failed. */
const TRANSIENT_CODES = new Set(['SYSTEM_ERROR', 'FREQUENCY_LIMITED', 'BANK_ERROR', 'BANKERROR']);

/** RFC 3339 in Beijing time, as WeChat's examples write time_expire. */
function rfc3339Beijing(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

/**
 * WeChat Pay API v3 adapter (wechat_native, wechat_jsapi, wechat_h5, wechat_app,
 * wechat_miniprogram; wechatpay-channels.util.ts), public-key mode.
 * Every answer, 2xx or 4xx, is verified against the WeChat Pay public key
 * named by Wechatpay-Serial before it is read.
 */
export class WechatPayAdapter
  extends HttpBackedAdapter
  implements FieldCheckingProvider, AbnormalRefundRetryingProvider, ProfitSharingProvider
{
  readonly name = 'wechatpay' as const;
  readonly channels: readonly Channel[];
  /** The WeChat Pay keys by serial: configured public keys, plus downloaded certificates in certificate mode. */
  readonly platformKeys: WechatPlatformKeys;

  constructor(
    private readonly config: WechatPayConfig,
    http?: ProviderHttpClient,
  ) {
    super('wechatpay', config.http, http);
    this.platformKeys = new WechatPlatformKeys(
      config.platformPublicKeys,
      config.platformKeyMode === 'certificate' ? () => this.downloadCertificates() : undefined,
      config.platformKeyRefresh,
      (err) => this.logger.warn(`platform certificates not refreshed: ${(err as Error).message}`),
    );
    // The mini-program and APP channels exist only when their appid is bound.
    this.channels = (
      ['wechat_native', 'wechat_jsapi', 'wechat_h5', 'wechat_app', 'wechat_miniprogram'] as const
    ).filter((c) => appidFor(c, config) !== undefined);
  }

  supportsCurrency(_channel: Channel, currency: string): boolean {
    return currency === 'CNY';
  }

  checkFields(input: FieldCheckInput): FieldViolation | undefined {
    return wechatFieldViolation(input, this.config.baseUrl);
  }

  async createPayment(input: CreatePaymentInput): Promise<ProviderOutcome> {
    const kind = WECHAT_PREPAY_KIND[input.channel];
    const appid = appidFor(input.channel, this.config);
    if (!kind || !appid) return { status: 'failed', retryable: false, providerCode: 'channel_not_configured' };
    const extra = channelFields(input.channel, input);
    if ('missing' in extra) {
      return {
        status: 'failed',
        retryable: false,
        providerCode: extra.missing === 'payer.openid' ? 'payer_openid_required' : 'payer_ip_required',
        providerMessage: `${input.channel} needs ${extra.missing}`,
      };
    }
    const sub = input.subMerchant;
    const body = {
      ...(sub ? this.partnerIds(appid, sub.subMchid, sub.subAppid) : { appid, mchid: this.config.mchid }),
      description: input.subject,
      out_trade_no: input.providerOrderId,
      time_expire: rfc3339Beijing(input.expiresAt),
      notify_url: input.notifyUrl,
      amount: { total: toJsonInteger(input.amount), currency: input.currency },
      ...(sub ? partnerPayer(extra.fields) : extra.fields),
      // Profit sharing: WeChat keeps the money frozen until it is split or unfrozen.
      ...(input.profitSharing ? { settle_info: { profit_sharing: true } } : {}),
    };
    const path = sub ? `/v3/pay/partner/transactions/${kind}` : `/v3/pay/transactions/${kind}`;
    const r = await this.api('POST', path, body, false);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error') {
      if (r.code === 'ORDERPAID') return this.query(input.channel, input.providerOrderId, { subMchid: sub?.subMchid });
      return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message, raw: r.json };
    }
    if (kind === 'jsapi' || kind === 'app') {
      if (typeof r.json.prepay_id !== 'string') return unverifiedOutcome(`${kind} answer without prepay_id`);
      if (kind === 'app') {
        const params = await buildAppParamsAsync(
          appid,
          this.config.mchid,
          r.json.prepay_id,
          this.config.merchantPrivateKeyPem,
        );
        return { status: 'pending', nextAction: { type: 'wechat_app', params }, raw: r.json };
      }
      const params = await buildJsapiParamsAsync(appid, r.json.prepay_id, this.config.merchantPrivateKeyPem);
      return { status: 'pending', nextAction: { type: 'wechat_jsapi', params: { ...params } }, raw: r.json };
    }
    if (kind === 'h5') {
      if (typeof r.json.h5_url !== 'string') return unverifiedOutcome('h5 answer without h5_url');
      return { status: 'pending', nextAction: { type: 'redirect', url: r.json.h5_url }, raw: r.json };
    }
    if (typeof r.json.code_url !== 'string') return unverifiedOutcome('native answer without code_url');
    return { status: 'pending', nextAction: { type: 'qr_code', qr_code: r.json.code_url }, raw: r.json };
  }

  async query(_channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome> {
    const no = encodeURIComponent(providerOrderId);
    const mchid = encodeURIComponent(this.config.mchid);
    const path = ref?.subMchid
      ? `/v3/pay/partner/transactions/out-trade-no/${no}?sp_mchid=${mchid}&sub_mchid=${encodeURIComponent(ref.subMchid)}`
      : `/v3/pay/transactions/out-trade-no/${no}?mchid=${mchid}`;
    const r = await this.api('GET', path, undefined, true);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error') {
      // ORDER_NOT_EXIST: the create never landed; re-sending it with the same out_trade_no is safe.
      return {
        status: 'unknown',
        retryable: r.code === 'ORDER_NOT_EXIST',
        providerCode: r.code,
        providerMessage: r.message,
        raw: r.json,
      };
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

  async close(channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome> {
    const no = encodeURIComponent(providerOrderId);
    const [path, body] = ref?.subMchid
      ? [
          `/v3/pay/partner/transactions/out-trade-no/${no}/close`,
          { sp_mchid: this.config.mchid, sub_mchid: ref.subMchid },
        ]
      : [`/v3/pay/transactions/out-trade-no/${no}/close`, { mchid: this.config.mchid }];
    const r = await this.api('POST', path, body, true);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'ok') return { status: 'closed' };
    // ORDERPAID and friends: the order is not closable; its real state is what counts.
    return this.query(channel, providerOrderId, ref);
  }

  async refund(input: RefundInput): Promise<RefundOutcome> {
    const body = {
      ...(input.subMchid ? { sub_mchid: input.subMchid } : {}),
      out_trade_no: input.providerOrderId,
      out_refund_no: input.providerRefundId,
      reason: input.reason,
      notify_url: input.notifyUrl,
      amount: {
        refund: toJsonInteger(input.amount),
        total: toJsonInteger(input.paymentAmount),
        currency: input.currency,
      },
    };
    // Retried: out_refund_no makes a repeat the same refund.
    return this.refundResult(await this.api('POST', '/v3/refund/domestic/refunds', body, true));
  }

  async queryRefund(
    _channel: Channel,
    _providerOrderId: string,
    providerRefundId: string,
    ref?: ProviderOrderRef,
  ): Promise<RefundOutcome> {
    const sub = ref?.subMchid ? `?sub_mchid=${encodeURIComponent(ref.subMchid)}` : '';
    const r = await this.api(
      'GET',
      `/v3/refund/domestic/refunds/${encodeURIComponent(providerRefundId)}${sub}`,
      undefined,
      true,
    );
    if (r.kind === 'error' && (r.code === 'RESOURCE_NOT_EXISTS' || r.status === 404)) {
      return {
        status: 'unknown',
        retryable: true,
        providerCode: 'REFUND_NOT_FOUND',
        providerMessage: r.message,
        raw: r.json,
      };
    }
    return this.refundResult(r);
  }

  async retryAbnormalRefund(input: AbnormalRefundRetry): Promise<RefundOutcome> {
    const t = input.target;
    const seal = await this.sealer();
    if (!seal) return unverifiedOutcome('no WeChat Pay platform key to seal the bank account with');
    const body = {
      // Partner mode: the refund is the sub-merchant's, so the retry names it as the refund did.
      ...(input.subMchid ? { sub_mchid: input.subMchid } : {}),
      out_refund_no: input.providerRefundId,
      type: t.type,
      ...(t.type === 'USER_BANK_CARD'
        ? { bank_type: t.bankType, bank_account: seal(t.bankAccount), real_name: seal(t.realName) }
        : {}),
    };
    const path = `/v3/refund/domestic/refunds/${encodeURIComponent(input.providerRefundTransactionId)}/apply-abnormal-refund`;
    return this.refundResult(await this.api('POST', path, body, true));
  }

  /**
   * POST /v3/profitsharing/receivers/add: a receiver must be added before
   * the first split to it. A MERCHANT_ID's name (its registered full name,
   * which WeChat checks) is sealed with the WeChat Pay key named in
   * Wechatpay-Serial. Adding one again is harmless, so it is retried.
   */
  async bindSplitReceiver(input: SplitReceiverBinding): Promise<SplitOutcome> {
    const r = input.receiver;
    let name: string | undefined;
    if (r.name) {
      const seal = await this.sealer();
      if (!seal) return unverifiedOutcome('no WeChat Pay platform key to seal the receiver name with');
      name = seal(r.name);
    }
    const body = {
      ...this.splitIds(input.channel, input.subMchid, input.subAppid),
      type: wechatReceiverType(r),
      account: r.account,
      ...(name ? { name } : {}),
      relation_type: r.relation ?? 'PARTNER',
    };
    const res = await this.api('POST', '/v3/profitsharing/receivers/add', body, true);
    if (res.kind === 'unknown') return res.outcome;
    if (res.kind === 'error')
      return {
        status: 'failed',
        retryable: false,
        providerCode: res.code,
        providerMessage: res.message,
        raw: res.json,
      };
    return { status: 'succeeded', raw: res.json };
  }

  /** POST /v3/profitsharing/orders; out_order_no (our split id) makes a repeat the same split. */
  async split(input: SplitInput): Promise<SplitOutcome> {
    const seal = input.receivers.some((x) => x.receiver.name) ? await this.sealer() : undefined;
    const body = {
      ...this.splitIds(input.channel, input.subMchid, input.subAppid),
      transaction_id: input.providerTransactionId,
      out_order_no: input.providerSplitId,
      receivers: input.receivers.map((x) => ({
        type: wechatReceiverType(x.receiver),
        account: x.receiver.account,
        ...(x.receiver.name && seal ? { name: seal(x.receiver.name) } : {}),
        amount: toJsonInteger(x.amount),
        description: x.description,
      })),
      unfreeze_unsplit: input.finish,
    };
    const res = await this.api('POST', '/v3/profitsharing/orders', body, true);
    return this.splitResult(
      res,
      input.receivers.map((x) => x.receiver.account),
    );
  }

  /** GET /v3/profitsharing/orders/{out_order_no}?transaction_id=… (and sub_mchid in service-provider mode). */
  async querySplit(
    input: Pick<SplitInput, 'channel' | 'providerOrderId' | 'providerTransactionId' | 'providerSplitId' | 'subMchid'>,
  ): Promise<SplitOutcome> {
    const q = new URLSearchParams({
      ...(input.subMchid ? { sub_mchid: input.subMchid } : {}),
      transaction_id: input.providerTransactionId,
    });
    const res = await this.api(
      'GET',
      `/v3/profitsharing/orders/${encodeURIComponent(input.providerSplitId)}?${q.toString()}`,
      undefined,
      true,
    );
    if (res.kind === 'error' && (res.code === 'RESOURCE_NOT_EXISTS' || res.status === 404))
      return {
        status: 'unknown',
        retryable: true,
        providerCode: res.code,
        providerMessage: res.message,
        raw: res.json,
      };
    return this.splitResult(res);
  }

  /**
   * POST /v3/profitsharing/return-orders: only a MERCHANT_ID receiver can
   * give money back (return_mchid); a person cannot be debited.
   */
  async returnSplit(input: SplitReturnInput): Promise<SplitOutcome> {
    if (input.receiver.type !== 'merchant')
      return {
        status: 'failed',
        retryable: false,
        providerCode: 'RETURN_NOT_SUPPORTED',
        providerMessage: 'WeChat Pay returns splits from merchant receivers only',
      };
    const body = {
      ...(input.subMchid ? { sub_mchid: input.subMchid } : {}),
      out_order_no: input.providerSplitId,
      out_return_no: input.providerReturnId,
      return_mchid: input.receiver.account,
      amount: toJsonInteger(input.amount),
      description: input.description,
    };
    const res = await this.api('POST', '/v3/profitsharing/return-orders', body, true);
    if (res.kind === 'unknown') return res.outcome;
    if (res.kind === 'error')
      return {
        status: 'failed',
        retryable: false,
        providerCode: res.code,
        providerMessage: res.message,
        raw: res.json,
      };
    return returnOrderOutcome(res.json);
  }

  /** POST /v3/profitsharing/orders/unfreeze: what was not split goes to the merchant. */
  async releaseSplitRemainder(input: SplitReleaseInput): Promise<SplitOutcome> {
    const body = {
      ...(input.subMchid ? { sub_mchid: input.subMchid } : {}),
      transaction_id: input.providerTransactionId,
      out_order_no: input.providerReleaseId,
      description: input.description,
    };
    const res = await this.api('POST', '/v3/profitsharing/orders/unfreeze', body, true);
    return this.splitResult(res, []);
  }

  async parseCallback(req: CallbackRequest): Promise<CallbackParseResult> {
    const body = req.rawBody.toString('utf8');
    // Signature and freshness first; nothing is parsed or decrypted before.
    const signed = wechatpayHeaders(headerGetter(req.headers));
    const check = verifyWechatpaySignature(signed, body, await this.platformKeys.keysFor(signed.serial));
    if (check === 'timestamp_out_of_window') return { ok: false, reason: 'timestamp_out_of_window' };
    if (check !== 'ok') return { ok: false, reason: 'signature_invalid' };
    let event: Json;
    let resource: Json;
    try {
      event = JSON.parse(body);
      const res = event.resource ?? {};
      if (res.algorithm !== 'AEAD_AES_256_GCM') return { ok: false, reason: 'malformed' };
      try {
        resource = JSON.parse(
          decryptResource(res.ciphertext, this.config.apiV3Key, res.nonce, res.associated_data ?? ''),
        );
      } catch {
        return { ok: false, reason: 'decrypt_failed' };
      }
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    // A partner (service-provider) callback names the platform as sp_mchid/sp_appid and the merchant as sub_mchid.
    const mchid = resource.sp_mchid ?? resource.mchid;
    const appid = resource.sp_appid ?? resource.appid;
    if (mchid !== this.config.mchid || (appid !== undefined && !boundAppids(this.config).includes(appid))) {
      return { ok: false, reason: 'merchant_mismatch' };
    }
    const who = {
      providerMerchantId: mchid,
      ...(typeof resource.sub_mchid === 'string' ? { providerSubMerchantId: resource.sub_mchid } : {}),
    };
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
            providerCode: resource.refund_status,
            needsOperator: resource.refund_status === 'ABNORMAL',
            amount: fromJsonInteger(resource.amount?.refund),
            currency: resource.amount?.currency ?? 'CNY',
            ...who,
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
          ...who,
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
    const r = await this.api(
      'GET',
      `/v3/bill/tradebill?bill_date=${encodeURIComponent(day)}&bill_type=ALL&tar_type=GZIP`,
      undefined,
      true,
    );
    if (r.kind === 'error' && (r.code === 'NO_STATEMENT_EXIST' || r.code === 'STATEMENT_CREATING'))
      throw new StatementNotReady('wechatpay', day, r.code);
    if (r.kind !== 'ok')
      throw new Error(`wechat bill unavailable: ${r.kind === 'unknown' ? r.outcome.providerCode : r.code}`);
    const url = new URL(r.json.download_url);
    const file = await this.http.request(
      {
        method: 'GET',
        url: url.toString(),
        headers: await this.headers('GET', url.pathname + url.search, '', await this.platformSerial()),
      },
      { idempotent: true },
    );
    if (file.kind !== 'response' || file.status !== 200) throw new Error('wechat bill download failed');
    // The download itself is not signed; the hash in the signed answer vouches for it.
    if (!wechatBillHashMatches(file.bytes, r.json.hash_type, r.json.hash_value))
      throw new Error('wechat bill hash mismatch');
    return parseWechatBill(file.bytes, true);
  }

  /** The partner endpoints' identity fields, named as WeChat names them. */
  private partnerIds(spAppid: string, subMchid: string, subAppid?: string): Record<string, string> {
    return {
      sp_appid: spAppid,
      sp_mchid: this.config.mchid,
      sub_mchid: subMchid,
      ...(subAppid ? { sub_appid: subAppid } : {}),
    };
  }

  /** appid (the platform's, as on the order) and, for a service-provider merchant, sub_mchid (and sub_appid). */
  private splitIds(channel: Channel, subMchid?: string, subAppid?: string): Record<string, string> {
    return {
      ...(subMchid ? { sub_mchid: subMchid } : {}),
      appid: appidFor(channel, this.config) ?? this.config.appid,
      ...(subMchid && subAppid ? { sub_appid: subAppid } : {}),
    };
  }

  private splitResult(r: ApiResult, requested?: string[]): SplitOutcome {
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error')
      return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message, raw: r.json };
    return splitOrderOutcome(r.json, requested);
  }

  /** RSA-OAEP (SHA-1, as WeChat specifies) with the WeChat Pay key that Wechatpay-Serial names; undefined without one. */
  private async sealer(): Promise<((v: string) => string) | undefined> {
    const key = (await this.platformKeys.current(this.config.platformPublicKeyId))?.publicKeyPem;
    if (!key) return undefined;
    return (v: string) =>
      publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(v)).toString(
        'base64',
      );
  }

  private refundResult(r: ApiResult): RefundOutcome {
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error')
      return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message, raw: r.json };
    return {
      status: REFUND_STATUS[r.json.status] ?? 'unknown',
      needsOperator: r.json.status === 'ABNORMAL',
      providerRefundTransactionId: r.json.refund_id,
      amount: r.json.amount?.refund !== undefined ? fromJsonInteger(r.json.amount.refund) : undefined,
      providerCode: r.json.status,
      raw: r.json,
    };
  }

  /** The Authorization signature is made in the threadpool: ~1 ms of RSA-2048 per call stays off the event loop. */
  private async verifyAnswer(res: Extract<HttpResult, { kind: 'response' }>) {
    const signed = wechatpayHeaders((n) => res.headers.get(n) ?? undefined);
    return verifyWechatpaySignature(signed, res.body, await this.platformKeys.keysFor(signed.serial));
  }

  /**
   * Certificate mode: GET /v3/certificates. Each certificate is opened with
   * the APIv3 key and must carry the serial its entry names; the answer must
   * verify with one of them (or a key already held), as the official
   * downloaders check it. Called by platformKeys only.
   */
  private async downloadCertificates(): Promise<PlatformCertificate[]> {
    const { url, signedPath } = this.target('/v3/certificates');
    // No Wechatpay-Serial: which key to name is what this call finds out.
    const res = await this.http.request(
      { method: 'GET', url, headers: await this.headers('GET', signedPath, '', undefined) },
      { idempotent: true },
    );
    if (res.kind !== 'response' || res.status !== 200)
      throw new Error(`/v3/certificates: ${res.kind === 'response' ? `HTTP ${res.status}` : res.kind}`);
    const certificates = openPlatformCertificates(JSON.parse(res.body), this.config.apiV3Key);
    const keys = {
      ...this.platformKeys.snapshot(),
      ...Object.fromEntries(certificates.map((c) => [c.serial, c.publicKeyPem])),
    };
    const check = verifyWechatpaySignature(
      wechatpayHeaders((n) => res.headers.get(n) ?? undefined),
      res.body,
      keys,
    );
    if (check !== 'ok') throw new Error(`/v3/certificates answer: ${check}`);
    return certificates;
  }

  /** What requests name in Wechatpay-Serial: the configured public key id, else the newest certificate. */
  private async platformSerial(): Promise<string | undefined> {
    return (await this.platformKeys.current(this.config.platformPublicKeyId))?.serial;
  }

  /** The full URL and the path as signed, including any base path the config carries (the sandbox's /sandbox/wechatpay). */
  private target(pathAndQuery: string): { url: string; signedPath: string } {
    const base = new URL(this.config.baseUrl);
    const signedPath = base.pathname.replace(/\/$/, '') + pathAndQuery;
    return { url: `${base.origin}${signedPath}`, signedPath };
  }

  private async headers(
    method: string,
    url: string,
    body: string,
    platformSerial: string | undefined,
  ): Promise<Record<string, string>> {
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
      ...(platformSerial ? { 'wechatpay-serial': platformSerial } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
  }

  private async api(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    bodyObj: Json | undefined,
    idempotent: boolean,
  ): Promise<ApiResult> {
    const body = bodyObj === undefined ? '' : JSON.stringify(bodyObj);
    const { url, signedPath } = this.target(pathAndQuery);
    const platformSerial = await this.platformSerial();
    const res: HttpResult = await this.http.request(
      {
        method,
        url,
        headers: await this.headers(method, signedPath, body, platformSerial),
        body: body || undefined,
      },
      { idempotent },
    );
    if (res.kind !== 'response' || res.status >= 500 || res.status === 429)
      return { kind: 'unknown', outcome: unknownFromHttp(res) };
    const success = res.status >= 200 && res.status < 300;
    const check = await this.verifyAnswer(res);
    // Like wechatpay-java and wechatpay-axios-plugin: a 2xx must verify; an error answer is read as
    // the provider's word even unsigned, if it is the documented {code, message} body.
    if (success && check !== 'ok')
      return { kind: 'unknown', outcome: unverifiedOutcome(`${method} ${pathAndQuery}: ${check}`) };
    let json: Json = {};
    try {
      json = res.body ? JSON.parse(res.body) : {};
    } catch {
      return { kind: 'unknown', outcome: unverifiedOutcome('answer is not JSON') };
    }
    if (success) return { kind: 'ok', status: res.status, json };
    if (typeof json.code !== 'string' || json.code === '') return { kind: 'unknown', outcome: unknownFromHttp(res) };
    const code = json.code;
    if (check !== 'ok')
      this.logUnsignedRefusal(`${method} ${pathAndQuery}`, res.status, code, String(json.message ?? ''));
    if (TRANSIENT_CODES.has(code)) {
      return {
        kind: 'unknown',
        outcome: { status: 'unknown', retryable: true, providerCode: code, providerMessage: json.message, raw: json },
      };
    }
    return { kind: 'error', status: res.status, code, message: String(json.message ?? ''), json };
  }
}

/** Partner orders name the payer's openid under the platform's appid as payer.sp_openid. */
function partnerPayer(fields: Record<string, unknown>): Record<string, unknown> {
  const payer = fields.payer as { openid?: string } | undefined;
  if (!payer?.openid) return fields;
  return { ...fields, payer: { sp_openid: payer.openid } };
}
