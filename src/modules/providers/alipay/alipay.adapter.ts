import { HttpBackedAdapter } from '../http-backed-adapter';
import {
  AppAuthGrant,
  AppAuthResult,
  AppAuthorizingProvider,
  AppAuthTokens,
  CallbackAnswer,
  CallbackParseResult,
  CallbackRequest,
  Channel,
  CreatePaymentInput,
  FieldCheckInput,
  FieldViolation,
  FieldCheckingProvider,
  ProviderOrderRef,
  ProviderOutcome,
  ProfitSharingProvider,
  ProviderStatus,
  RefundInput,
  RefundOutcome,
  SplitInput,
  SplitOutcome,
  SplitReceiverBinding,
  SplitReleaseInput,
  SplitReturnInput,
  StatementLine,
} from '../provider.port';
import { AlipayConfig } from '../providers.config';
import { ProviderHttpClient } from '../http/provider-http.client';
import { fenToYuan, yuanToFen } from '../minor-units.util';
import { unknownFromHttp, unverifiedOutcome } from '../provider-outcome.util';
import { parseAlipayBillZip } from './alipay-bill.util';
import { alipayFieldViolation } from './alipay-field-limits.util';
import { StatementNotReady } from '../statement.errors';
import {
  alipayTimestamp,
  parseFormBody,
  signAlipayRequestAsync,
  verifyAlipayNotification,
  verifyAlipayResponse,
} from './alipay-signature.util';
import { AlipayVerifyKeys } from './alipay-keys';
import {
  SETTLE_RETRY_SUB_CODES,
  refundRoyaltyOutcome,
  royaltyEntity,
  royaltyReturn,
  royaltyTransfer,
  settleQueryOutcome,
} from './alipay-royalty.util';

type Node = Record<string, unknown>;

/** The merchant's token for a call about one of its trades (none: the platform's own trade). */
const asSeller = (ref?: { appAuthToken?: string }) =>
  ref?.appAuthToken ? { appAuthToken: ref.appAuthToken } : undefined;

/** What one gateway.do call came to, after the signature check. */
type GatewayResult =
  | { kind: 'ok'; node: Node }
  | { kind: 'refused'; node: Node; code: string; subCode: string; message: string }
  | { kind: 'unknown'; outcome: ProviderOutcome & RefundOutcome };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A call whose outcome we could not learn, as a split outcome (never failed: it may have happened). */
const splitUnknown = (o: ProviderOutcome): SplitOutcome => ({
  status: 'unknown',
  retryable: o.retryable ?? true,
  providerCode: o.providerCode,
  providerMessage: o.providerMessage,
  raw: o.raw,
});

/** Gateway answers that mean "try again with the same parameters": never a failure. */
const TRANSIENT_SUB_CODES = new Set(['ACQ.SYSTEM_ERROR', 'isp.unknow-error', 'aop.ACQ.SYSTEM_ERROR']);

const TRADE_STATUS: Record<string, ProviderStatus> = {
  WAIT_BUYER_PAY: 'pending',
  TRADE_SUCCESS: 'succeeded',
  TRADE_FINISHED: 'succeeded',
  // Also reached after a full refund: the payments state machine must never move succeeded back to closed.
  TRADE_CLOSED: 'closed',
};

/** How long an Alipay certificate SN that could not be learned is not asked for again. */
const CERT_RETRY_AFTER_MS = 60_000;

/**
 * Alipay OpenAPI 2.0 adapter (alipay_qr = trade.precreate, alipay_page =
 * trade.page.pay, alipay_wap = trade.wap.pay, alipay_app = the signed
 * trade.app.pay order string, alipay_barcode = trade.pay with the payer's code). Every gateway answer is verified with the Alipay public key
 * before it is read; an unverifiable answer is `unknown`.
 */
export class AlipayAdapter
  extends HttpBackedAdapter
  implements FieldCheckingProvider, AppAuthorizingProvider, ProfitSharingProvider
{
  readonly name = 'alipay' as const;
  readonly channels: readonly Channel[] = ['alipay_qr', 'alipay_page', 'alipay_wap', 'alipay_app', 'alipay_barcode'];
  /** Alipay's key (public-key mode) or certificates by SN (certificate mode). */
  readonly keys: AlipayVerifyKeys;

  constructor(
    private readonly config: AlipayConfig,
    http?: ProviderHttpClient,
  ) {
    super('alipay', config.http, http);
    this.keys = new AlipayVerifyKeys(config.certificates ? undefined : config.alipayPublicKeyPem, config.certificates);
  }

  supportsCurrency(_channel: Channel, currency: string): boolean {
    return currency === 'CNY';
  }

  checkFields(input: FieldCheckInput): FieldViolation | undefined {
    return alipayFieldViolation(input);
  }

  async createPayment(input: CreatePaymentInput): Promise<ProviderOutcome> {
    const biz = {
      out_trade_no: input.providerOrderId,
      total_amount: fenToYuan(input.amount),
      subject: input.subject,
      body: input.description,
      timeout_express: `${Math.max(1, Math.ceil((input.expiresAt.getTime() - Date.now()) / 60_000))}m`,
      // 分账: the money stays frozen in the seller's balance until it is split or released (a string, as documented).
      extend_params: input.profitSharing ? { royalty_freeze: 'true' } : undefined,
    };
    if (input.channel === 'alipay_page' || input.channel === 'alipay_wap') {
      // A browser redirect, not a server call: the payer's browser carries the signed request to the gateway.
      const [method, productCode] =
        input.channel === 'alipay_page'
          ? ['alipay.trade.page.pay', 'FAST_INSTANT_TRADE_PAY']
          : ['alipay.trade.wap.pay', 'QUICK_WAP_WAY'];
      const params = await this.signedParams(method, { ...biz, product_code: productCode }, input);
      const url = `${this.config.gatewayUrl}?${new URLSearchParams(params).toString()}`;
      return { status: 'pending', nextAction: { type: 'redirect', url } };
    }
    if (input.channel === 'alipay_app') {
      // The app hands this signed string to the Alipay SDK (payV2 / payOrder), which carries it to the gateway.
      const params = await this.signedParams(
        'alipay.trade.app.pay',
        { ...biz, product_code: 'QUICK_MSECURITY_PAY' },
        input,
      );
      return {
        status: 'pending',
        nextAction: { type: 'alipay_app', order_string: new URLSearchParams(params).toString() },
      };
    }
    if (input.channel === 'alipay_barcode') return this.barcodePay(input, biz);
    // Not retried: a create is only repeated by the caller after it learns the first one's fate.
    const r = await this.call('alipay.trade.precreate', { ...biz, product_code: 'FACE_TO_FACE_PAYMENT' }, false, input);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'refused') return this.refusedOutcome(r, 'failed');
    const qr = str(r.node.qr_code);
    if (!qr) return unverifiedOutcome('precreate answer without qr_code');
    return { status: 'pending', nextAction: { type: 'qr_code', qr_code: qr }, raw: r.node };
  }

  /**
   * Face to face: the merchant scanned the payer's payment code (auth_code).
   * 10000 is paid now; 10003 means the payer must confirm on the phone (the
   * trade is WAIT_BUYER_PAY and the resolver's query follows it). Not retried
   * blindly: an unknown outcome is settled by query, as for every create.
   */
  private async barcodePay(input: CreatePaymentInput, biz: Record<string, unknown>): Promise<ProviderOutcome> {
    const authCode = input.payer?.authCode;
    if (!authCode) return { status: 'failed', retryable: false, providerCode: 'auth_code_required' };
    const r = await this.call(
      'alipay.trade.pay',
      { ...biz, scene: 'bar_code', auth_code: authCode, product_code: 'FACE_TO_FACE_PAYMENT' },
      false,
      input,
      ['10003'],
    );
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'refused') return this.refusedOutcome(r, 'failed');
    const paid = str(r.node.code) === '10000';
    return {
      status: paid ? 'succeeded' : 'pending',
      providerTransactionId: str(r.node.trade_no),
      amount: this.yuan(r.node.total_amount),
      currency: 'CNY',
      providerCode: paid ? 'TRADE_SUCCESS' : 'WAIT_BUYER_PAY',
      raw: r.node,
    };
  }

  async query(_channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome> {
    const r = await this.call('alipay.trade.query', { out_trade_no: providerOrderId }, true, asSeller(ref));
    if (r.kind === 'unknown') return r.outcome;
    // Precreate and page trades exist at Alipay only once the buyer scans or logs in.
    if (r.kind === 'refused')
      return this.refusedOutcome(r, r.subCode === 'ACQ.TRADE_NOT_EXIST' ? 'pending' : 'unknown');
    const status = TRADE_STATUS[str(r.node.trade_status) ?? ''] ?? 'unknown';
    return {
      status,
      providerTransactionId: str(r.node.trade_no),
      amount: this.yuan(r.node.total_amount),
      currency: 'CNY',
      providerCode: str(r.node.trade_status),
      raw: r.node,
    };
  }

  /**
   * alipay_qr: a precreated code nobody scanned has no trade at Alipay, so
   * alipay.trade.close answers ACQ.TRADE_NOT_EXIST and the code stays payable
   * until timeout_express. alipay.trade.cancel closes it for good, but it
   * also refunds a trade already paid, so the trade is queried first and only
   * an unpaid (or not yet existing) one is cancelled. alipay_page uses close.
   */
  async close(channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome> {
    if (channel === 'alipay_qr') return this.cancelUnpaid(channel, providerOrderId, ref);
    const r = await this.call('alipay.trade.close', { out_trade_no: providerOrderId }, true, asSeller(ref));
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'ok') return { status: 'closed', providerTransactionId: str(r.node.trade_no), raw: r.node };
    // Not opened yet: nothing exists to close, and the cashier link stays usable until it times out,
    // so a late payment is still possible (the payments side books it as a late success).
    if (r.subCode === 'ACQ.TRADE_NOT_EXIST') return { ...this.refusedOutcome(r, 'closed'), retryable: false };
    // Not WAIT_BUYER_PAY any more: the truth is whatever the trade is now (possibly paid).
    if (r.subCode === 'ACQ.TRADE_STATUS_ERROR') return this.query(channel, providerOrderId, ref);
    return this.refusedOutcome(r, 'unknown');
  }

  private async cancelUnpaid(
    channel: Channel,
    providerOrderId: string,
    ref?: ProviderOrderRef,
  ): Promise<ProviderOutcome> {
    const now = await this.query(channel, providerOrderId, ref);
    if (now.status !== 'pending') return now;
    const r = await this.call('alipay.trade.cancel', { out_trade_no: providerOrderId }, true, asSeller(ref));
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'refused') return this.refusedOutcome(r, 'unknown');
    if (r.node.retry_flag === 'Y')
      return { status: 'unknown', retryable: true, providerCode: 'CANCEL_RETRY', raw: r.node };
    // action=refund: paid between the query and the cancel, and Alipay gave the money back itself.
    const action = str(r.node.action) ?? 'close';
    return {
      status: 'closed',
      providerTransactionId: str(r.node.trade_no),
      providerCode: action === 'close' ? 'CANCELLED' : `CANCELLED_${action.toUpperCase()}`,
      raw: r.node,
    };
  }

  async refund(input: RefundInput): Promise<RefundOutcome> {
    const biz = {
      out_trade_no: input.providerOrderId,
      trade_no: input.providerTransactionId,
      refund_amount: fenToYuan(input.amount),
      out_request_no: input.providerRefundId,
      refund_reason: input.reason,
    };
    // Retried: out_request_no makes a repeat the same refund, never a second one.
    const r = await this.call('alipay.trade.refund', biz, true, asSeller(input));
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'refused') return this.refusedOutcome(r, 'failed') as RefundOutcome;
    if (r.node.fund_change === 'Y') {
      return {
        status: 'succeeded',
        amount: input.amount,
        providerRefundTransactionId: str(r.node.trade_no),
        raw: r.node,
      };
    }
    // fund_change=N: a repeat of a done refund, or one still in progress. Only the refund query can tell.
    return this.queryRefund(input.channel, input.providerOrderId, input.providerRefundId, input);
  }

  async queryRefund(
    _channel: Channel,
    providerOrderId: string,
    providerRefundId: string,
    ref?: ProviderOrderRef,
  ): Promise<RefundOutcome> {
    const biz = { out_trade_no: providerOrderId, out_request_no: providerRefundId };
    const r = await this.call('alipay.trade.fastpay.refund.query', biz, true, asSeller(ref));
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'refused') return this.refusedOutcome(r, 'unknown') as RefundOutcome;
    if (!str(r.node.out_request_no) && !str(r.node.refund_amount)) {
      // No data: the refund was never made. The caller re-sends it with the same out_request_no.
      return {
        status: 'unknown',
        retryable: true,
        providerCode: 'REFUND_NOT_FOUND',
        providerMessage: 'no refund with this out_request_no',
        raw: r.node,
      };
    }
    const rs = str(r.node.refund_status);
    // Current docs: success is REFUND_SUCCESS only. An empty status (older docs read it as success) stays
    // pending and is asked again; the refund notification or a later query settles it.
    const status = rs === 'REFUND_SUCCESS' ? 'succeeded' : rs === 'REFUND_CLOSED' ? 'failed' : 'pending';
    return {
      status,
      amount: this.yuan(r.node.refund_amount),
      providerRefundTransactionId: str(r.node.trade_no),
      providerCode: rs,
      raw: r.node,
    };
  }

  async parseCallback(req: CallbackRequest): Promise<CallbackParseResult> {
    const params = parseFormBody(req.rawBody);
    // Signature first: nothing of an unverified body is read.
    if (!params.sign || !verifyAlipayNotification(params, this.keys.forNotification())) {
      return { ok: false, reason: 'signature_invalid' };
    }
    // A trade of an authorising merchant (auth_app_id other than ours) has that merchant as seller: the payment's
    // auth_app_id is checked by the payments side instead of our seller_id.
    const authAppId = params.auth_app_id && params.auth_app_id !== params.app_id ? params.auth_app_id : undefined;
    if (
      params.app_id !== this.config.appId ||
      (!authAppId && this.config.sellerId && params.seller_id !== this.config.sellerId)
    ) {
      return { ok: false, reason: 'merchant_mismatch' };
    }
    const outTradeNo = params.out_trade_no;
    const notificationId = params.notify_id;
    if (!outTradeNo || !notificationId) return { ok: false, reason: 'malformed' };
    try {
      if (params.out_biz_no && params.refund_fee) {
        return {
          ok: true,
          callback: {
            kind: 'refund',
            providerOrderId: outTradeNo,
            providerRefundId: params.out_biz_no,
            providerRefundTransactionId: params.trade_no,
            status: 'succeeded',
            refundedTotal: yuanToFen(params.refund_fee),
            currency: 'CNY',
            providerMerchantId: params.app_id,
            ...(authAppId ? { providerAuthAppId: authAppId } : {}),
            notificationId,
            raw: params,
          },
        };
      }
      const status = TRADE_STATUS[params.trade_status ?? ''];
      if (!status) return { ok: false, reason: 'malformed' };
      return {
        ok: true,
        callback: {
          kind: 'payment',
          providerOrderId: outTradeNo,
          providerTransactionId: params.trade_no,
          status,
          amount: yuanToFen(params.total_amount ?? ''),
          currency: 'CNY',
          providerMerchantId: params.app_id,
          ...(authAppId ? { providerAuthAppId: authAppId } : {}),
          notificationId,
          raw: params,
        },
      };
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }

  callbackAnswer(success: boolean): CallbackAnswer {
    // Alipay stops resending only on the exact 7 bytes "success".
    return { status: 200, contentType: 'text/plain', body: success ? 'success' : 'failure' };
  }

  /**
   * alipay.open.auth.token.app: a merchant's app_auth_code, or a refresh
   * token, for the merchant's app_auth_token. Not retried: a code is single
   * use, and a refresh rotates the refresh token, so a blind repeat after a
   * lost answer would be refused; the caller decides what a lost answer means.
   */
  async exchangeAppAuthToken(grant: AppAuthGrant): Promise<AppAuthResult> {
    const biz =
      grant.grantType === 'authorization_code'
        ? { grant_type: 'authorization_code', code: grant.code }
        : { grant_type: 'refresh_token', refresh_token: grant.refreshToken };
    const r = await this.call('alipay.open.auth.token.app', biz, false);
    if (r.kind === 'unknown')
      return {
        ok: false,
        kind: 'unknown',
        providerCode: r.outcome.providerCode,
        providerMessage: r.outcome.providerMessage,
      };
    if (r.kind === 'refused')
      return { ok: false, kind: 'refused', providerCode: r.subCode || r.code, providerMessage: r.message };
    // Answered flat, and (newer gateways) also as a `tokens` list of one per authorised app.
    const list = Array.isArray(r.node.tokens) ? (r.node.tokens as Node[]) : [];
    const t: Node = str(r.node.app_auth_token) ? r.node : (list[0] ?? {});
    const seconds = (v: unknown): number | undefined => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
      return Number.isSafeInteger(n) && n > 0 ? n : undefined;
    };
    const tokens = {
      appAuthToken: str(t.app_auth_token),
      appRefreshToken: str(t.app_refresh_token),
      expiresIn: seconds(t.expires_in),
      reExpiresIn: seconds(t.re_expires_in),
      userId: str(t.user_id),
      authAppId: str(t.auth_app_id),
    };
    if (Object.values(tokens).some((v) => v === undefined))
      return { ok: false, kind: 'unknown', providerCode: 'malformed', providerMessage: 'token answer incomplete' };
    return { ok: true, tokens: tokens as AppAuthTokens };
  }

  /**
   * alipay.trade.royalty.relation.bind: the receiver joins the seller's
   * 分账关系集 (the merchant's own with app_auth_token). Retried: a repeat of
   * out_request_no is the same bind.
   */
  async bindSplitReceiver(input: SplitReceiverBinding): Promise<SplitOutcome> {
    const r = await this.call(
      'alipay.trade.royalty.relation.bind',
      { out_request_no: input.providerRequestId, receiver_list: [royaltyEntity(input.receiver)] },
      true,
      asSeller(input),
    );
    if (r.kind === 'unknown') return splitUnknown(r.outcome);
    if (r.kind === 'refused') return this.refusedSplit(r);
    const ok = str(r.node.result_code) === 'SUCCESS';
    return ok
      ? { status: 'succeeded', providerCode: 'SUCCESS', raw: r.node }
      : { status: 'failed', retryable: false, providerCode: str(r.node.result_code) ?? 'FAIL', raw: r.node };
  }

  /**
   * alipay.trade.order.settle in sync mode (the default: all receivers or
   * none, the answer is the result), so one split is one outcome; async mode
   * allows partial success, which one split's state cannot say. Retried with
   * the same out_request_no, as the docs ask after a timeout or
   * ACQ.TRADE_SETTLE_ERROR: a settle already made answers its result again.
   */
  async split(input: SplitInput): Promise<SplitOutcome> {
    if (input.currency !== 'CNY') return { status: 'failed', retryable: false, providerCode: 'currency_not_supported' };
    return this.settle(
      {
        out_request_no: input.providerSplitId,
        trade_no: input.providerTransactionId,
        royalty_parameters: input.receivers.map((x) => royaltyTransfer(x.receiver, x.amount, x.description)),
        extend_params: input.finish ? { royalty_finish: 'true' } : undefined,
        royalty_mode: 'sync',
      },
      input,
    );
  }

  async querySplit(
    input: Pick<
      SplitInput,
      'channel' | 'providerOrderId' | 'providerTransactionId' | 'providerSplitId' | 'subMchid' | 'appAuthToken'
    >,
  ): Promise<SplitOutcome> {
    const r = await this.call(
      'alipay.trade.order.settle.query',
      { out_request_no: input.providerSplitId, trade_no: input.providerTransactionId },
      true,
      asSeller(input),
    );
    if (r.kind === 'unknown') return splitUnknown(r.outcome);
    if (r.kind === 'refused') {
      // No such settle: it was never made, and the caller may send it again with the same out_request_no.
      if (r.subCode === 'ACQ.TRADE_NOT_EXIST')
        return {
          status: 'unknown',
          retryable: true,
          providerCode: 'SPLIT_NOT_FOUND',
          providerMessage: r.message,
          raw: r.node,
        };
      return { ...this.refusedSplit(r), status: 'unknown' };
    }
    return settleQueryOutcome(r.node);
  }

  /**
   * 退分账: alipay.trade.refund with refund_amount 0 and
   * refund_royalty_parameters (the receiver as trans_out), which takes the
   * royalty back to the seller and refunds the buyer nothing (opendocs
   * support 01rg1b "只退分账，不退款"). Alipay has no separate return method.
   * The refund's answer does not say whether the royalty moved, so the
   * refund query's refund_royaltys confirms it.
   */
  async returnSplit(input: SplitReturnInput): Promise<SplitOutcome> {
    if (input.currency !== 'CNY') return { status: 'failed', retryable: false, providerCode: 'currency_not_supported' };
    const seller = asSeller(input);
    const r = await this.call(
      'alipay.trade.refund',
      {
        out_trade_no: input.providerOrderId,
        trade_no: input.providerTransactionId,
        out_request_no: input.providerReturnId,
        refund_amount: '0.00',
        refund_reason: input.description,
        refund_royalty_parameters: [royaltyReturn(input.receiver, input.amount, input.description)],
      },
      true,
      seller,
    );
    if (r.kind === 'unknown') return splitUnknown(r.outcome);
    if (r.kind === 'refused') return this.refusedSplit(r);
    const q = await this.call(
      'alipay.trade.fastpay.refund.query',
      { out_trade_no: input.providerOrderId, out_request_no: input.providerReturnId },
      true,
      seller,
    );
    // Accepted, but not confirmed yet: the same return again is safe (out_request_no) and answers its state.
    if (q.kind !== 'ok') return { status: 'unknown', retryable: true, providerCode: 'RETURN_UNCONFIRMED', raw: r.node };
    return refundRoyaltyOutcome(q.node);
  }

  /**
   * 分账完结: alipay.trade.order.settle with extend_params.royalty_finish and
   * no royalty_parameters unfreezes what was not split (the guide's
   * "不传入分账条款，只传入分账完结标识"); Alipay has no separate unfreeze method.
   */
  async releaseSplitRemainder(input: SplitReleaseInput): Promise<SplitOutcome> {
    return this.settle(
      {
        out_request_no: input.providerReleaseId,
        trade_no: input.providerTransactionId,
        extend_params: { royalty_finish: 'true' },
        royalty_mode: 'sync',
      },
      input,
    );
  }

  private async settle(biz: Record<string, unknown>, ref: { appAuthToken?: string }): Promise<SplitOutcome> {
    const r = await this.call('alipay.trade.order.settle', biz, true, asSeller(ref));
    if (r.kind === 'unknown') return splitUnknown(r.outcome);
    if (r.kind === 'refused') {
      if (SETTLE_RETRY_SUB_CODES.has(r.subCode))
        return { status: 'unknown', retryable: true, providerCode: r.subCode, providerMessage: r.message, raw: r.node };
      // Same out_request_no, other content: an earlier settle exists, and only the query says what it did.
      if (r.subCode === 'ACQ.DISCORDANT_REPEAT_REQUEST') return { ...this.refusedSplit(r), status: 'unknown' };
      return this.refusedSplit(r);
    }
    return {
      status: 'succeeded',
      providerSplitTransactionId: str(r.node.settle_no),
      providerCode: 'SUCCESS',
      raw: r.node,
    };
  }

  private refusedSplit(r: Extract<GatewayResult, { kind: 'refused' }>): SplitOutcome {
    return {
      status: 'failed',
      retryable: false,
      providerCode: r.subCode || r.code,
      providerMessage: r.message,
      raw: r.node,
    };
  }

  /**
   * Trade bill of a UTC+8 day via alipay.data.dataservice.bill.downloadurl.query,
   * then the file itself, fetched at once (the link lives about 30 s): a zip of
   * GBK CSVs. Before T+1 Alipay answers isp.bill_not_exist: StatementNotReady.
   */
  async fetchStatement(day: string): Promise<StatementLine[]> {
    const r = await this.call(
      'alipay.data.dataservice.bill.downloadurl.query',
      { bill_type: 'trade', bill_date: day },
      true,
    );
    if (r.kind === 'refused' && r.subCode === 'isp.bill_not_exist')
      throw new StatementNotReady('alipay', day, r.subCode);
    if (r.kind !== 'ok')
      throw new Error(`alipay bill url unavailable: ${r.kind === 'unknown' ? r.outcome.providerCode : r.subCode}`);
    const url = str(r.node.bill_download_url);
    if (!url) throw new Error('alipay bill url missing');
    const file = await this.http.request({ method: 'GET', url }, { idempotent: true });
    if (file.kind !== 'response' || file.status !== 200) throw new Error('alipay bill download failed');
    return parseAlipayBillZip(file.bytes);
  }

  /** Signed in the threadpool: ~1 ms of RSA-2048 per gateway call stays off the event loop. */
  private signedParams(
    method: string,
    biz: Record<string, unknown>,
    input?: Partial<Pick<CreatePaymentInput, 'notifyUrl' | 'returnUrl' | 'appAuthToken'>>,
  ): Promise<Record<string, string>> {
    const bizClean = Object.fromEntries(Object.entries(biz).filter(([, v]) => v !== undefined && v !== ''));
    return signAlipayRequestAsync(
      {
        app_id: this.config.appId,
        // Certificate mode: which app certificate signs, and which Alipay root bundle we trust.
        ...this.keys.requestParams(),
        method,
        charset: 'utf-8',
        sign_type: 'RSA2',
        timestamp: alipayTimestamp(),
        version: '1.0',
        notify_url: input?.notifyUrl,
        return_url:
          method === 'alipay.trade.page.pay' || method === 'alipay.trade.wap.pay' ? input?.returnUrl : undefined,
        // Third-party authorisation: a public parameter, so the merchant is the seller of record (signed like the rest).
        app_auth_token: input?.appAuthToken,
        biz_content: JSON.stringify(bizClean),
      },
      this.config.appPrivateKeyPem,
    );
  }

  private async call(
    method: string,
    biz: Record<string, unknown>,
    idempotent: boolean,
    input?: Partial<Pick<CreatePaymentInput, 'notifyUrl' | 'returnUrl' | 'appAuthToken'>>,
    /** Codes besides 10000 that are an answer, not a refusal (alipay.trade.pay: 10003 waiting for the payer). */
    okCodes: readonly string[] = [],
  ): Promise<GatewayResult> {
    const res = await this.post(await this.signedParams(method, biz, input), idempotent);
    if (res.kind !== 'response' || res.status !== 200) return { kind: 'unknown', outcome: unknownFromHttp(res) };
    let v = verifyAlipayResponse(res.body, method, (certSn) => this.keys.forAnswer(certSn));
    // Certificate mode: an answer signed by a certificate Alipay renewed since the files were loaded. Learn it
    // (alipay.open.app.alipaycert.download, kept only if it chains to the root bundle), then check again.
    if (
      !v.verified &&
      v.signed &&
      v.certSn &&
      !this.keys.forAnswer(v.certSn) &&
      (await this.learnCertificate(v.certSn))
    )
      v = verifyAlipayResponse(res.body, method, (certSn) => this.keys.forAnswer(certSn));
    const code = str(v.node?.code) ?? '';
    // The Java SDK's rule: a failure without any `sign` (typically an error_response) is the gateway's
    // word; a success must verify, and so must anything that carries a sign.
    const unsignedFailure = !v.verified && v.node && !v.signed && code !== '' && code !== '10000';
    if (!unsignedFailure && (!v.verified || !v.node)) {
      // Certificate mode: an SN not held is refused like a bad signature (never trusted, never final).
      const why =
        v.signed && !this.keys.forAnswer(v.certSn) ? `unknown alipay_cert_sn ${v.certSn}` : 'signature invalid';
      return { kind: 'unknown', outcome: unverifiedOutcome(`${method}: response ${why}`) };
    }
    if (!v.node) return { kind: 'unknown', outcome: unverifiedOutcome(`${method}: no response node`) };
    if (code === '10000' || okCodes.includes(code)) return { kind: 'ok', node: v.node };
    const subCode = str(v.node.sub_code) ?? '';
    const message = str(v.node.sub_msg) ?? str(v.node.msg) ?? '';
    if (code === '20000' || TRANSIENT_SUB_CODES.has(subCode)) {
      return {
        kind: 'unknown',
        outcome: {
          status: 'unknown',
          retryable: true,
          providerCode: subCode || code,
          providerMessage: message,
          raw: v.node,
        },
      };
    }
    if (unsignedFailure) this.logUnsignedRefusal(method, res.status, subCode || code, message);
    return { kind: 'refused', node: v.node, code, subCode, message };
  }

  /** Like the official SDK: common params in the query, biz_content in the form body. */
  private post(params: Record<string, string>, idempotent: boolean) {
    const { biz_content, ...common } = params;
    return this.http.request(
      {
        method: 'POST',
        url: `${this.config.gatewayUrl}?${new URLSearchParams(common).toString()}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', accept: 'application/json' },
        body: new URLSearchParams({ biz_content }).toString(),
      },
      { idempotent },
    );
  }

  /** SN → the download in flight (one per SN), and SNs that could not be learned, until when not to ask again. */
  private readonly certDownloads = new Map<string, Promise<boolean>>();
  private readonly certRefusedUntil = new Map<string, number>();

  /**
   * Certificate mode: fetch the certificate an answer names (alipay.open.app.alipaycert.download, as the
   * official SDKs do when alipay_cert_sn changes) and keep it if it chains to the root bundle. The download's
   * own answer is not verified by signature (it may be signed by the very certificate asked for): the chain
   * is what makes it trusted. An SN that fails is not asked again for a minute, so answers naming a made-up SN
   * cannot make the adapter call Alipay on every request.
   */
  private learnCertificate(sn: string): Promise<boolean> {
    if (!this.keys.certificateMode || (this.certRefusedUntil.get(sn) ?? 0) > Date.now()) return Promise.resolve(false);
    let inFlight = this.certDownloads.get(sn);
    if (!inFlight) {
      inFlight = this.downloadCertificate(sn).finally(() => this.certDownloads.delete(sn));
      this.certDownloads.set(sn, inFlight);
    }
    return inFlight;
  }

  private async downloadCertificate(sn: string): Promise<boolean> {
    const method = 'alipay.open.app.alipaycert.download';
    const res = await this.post(await this.signedParams(method, { alipay_cert_sn: sn }), true);
    let result = 'unanswered';
    if (res.kind === 'response' && res.status === 200) {
      try {
        const node = (JSON.parse(res.body) as Record<string, Record<string, unknown> | undefined>)[
          'alipay_open_app_alipaycert_download_response'
        ];
        const content = str(node?.alipay_cert_content);
        result =
          str(node?.code) === '10000' && content
            ? this.keys.learn(sn, Buffer.from(content, 'base64').toString('utf8'))
            : `refused ${str(node?.sub_code) ?? str(node?.code) ?? ''}`;
      } catch {
        result = 'malformed';
      }
    }
    if (result === 'learned') {
      this.logger.log(`learned Alipay certificate ${sn} (alipay.open.app.alipaycert.download)`);
      return true;
    }
    this.certRefusedUntil.set(sn, Date.now() + CERT_RETRY_AFTER_MS);
    this.logger.warn(`Alipay certificate ${sn} not learned: ${result}`);
    return false;
  }

  private refusedOutcome(r: Extract<GatewayResult, { kind: 'refused' }>, status: ProviderStatus): ProviderOutcome {
    return { status, retryable: false, providerCode: r.subCode || r.code, providerMessage: r.message, raw: r.node };
  }

  private yuan(v: unknown): bigint | undefined {
    const s = str(v);
    return s === undefined ? undefined : yuanToFen(s);
  }
}
