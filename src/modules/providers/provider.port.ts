/**
 * The one port every channel adapter implements (CONVENTIONS "Providers").
 * Adapters speak their provider's protocol and return outcomes as values;
 * `provider-errors.ts` is the one place that turns outcomes into domain errors.
 * Providers never import payments or touch payment tables.
 */
export { CHANNELS, isChannel, type Channel } from '@paygrid/contracts';
import type { Channel } from '@paygrid/contracts';

export type ProviderName = 'alipay' | 'wechatpay' | 'card' | 'stripe';

/**
 * What the platform already knows about an order at the provider, for
 * providers that address orders by their own id (Stripe's pi_…) rather than
 * by ours. Adapters that address by providerOrderId ignore it.
 */
export interface ProviderOrderRef {
  providerTransactionId?: string | null;
  /** WeChat Pay service-provider mode: the order was made for this sub-merchant (partner endpoints). */
  subMchid?: string | null;
  /** Alipay third-party authorisation: the merchant's current app_auth_token, so the call acts as the merchant. */
  appAuthToken?: string;
}

/** WeChat Pay service-provider mode: the merchant's own sub-merchant under the platform's sp_mchid. */
export interface WechatSubMerchant {
  subMchid: string;
  subAppid?: string;
}

/** The EMV 3-D Secure 2 result of a card authentication, as the rail reported it. */
export interface ThreeDSecureResult {
  /** ARes/RReq transStatus: Y authenticated, A attempted, N/R not authenticated/rejected, U unavailable, C challenge. */
  trans_status: 'Y' | 'A' | 'N' | 'R' | 'U' | 'C' | null;
  /** Electronic Commerce Indicator (e.g. 05 Visa authenticated, 06 attempted, 07 none). */
  eci: string | null;
  flow: 'frictionless' | 'challenge' | null;
  version: string | null;
  /** The directory server transaction id (dsTransId). */
  ds_transaction_id: string | null;
}

/** The card as the processor shows it: never the number (tokenized at the processor). */
export interface ProcessorCardView {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  three_d_secure?: ThreeDSecureResult | null;
}

export type NextAction =
  | { type: 'qr_code'; qr_code: string }
  | { type: 'redirect'; url: string }
  | { type: 'wechat_jsapi'; params: Record<string, string> }
  | { type: 'wechat_app'; params: Record<string, string> }
  | { type: 'alipay_app'; order_string: string }
  | { type: 'three_d_secure'; url: string };

/** Card data after the platform decrypted the merchant's JWE; never persisted in clear. */
export interface CardInput {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc?: string;
  holder_name?: string;
}

export interface CreatePaymentInput {
  channel: Channel;
  /** Paygrid's payment id; used as the provider's out_trade_no (unique, ≤32 chars). */
  providerOrderId: string;
  amount: bigint;
  currency: string;
  subject: string;
  description?: string;
  expiresAt: Date;
  returnUrl?: string;
  /** Where the provider sends its async notification (the /callbacks/* URL). */
  notifyUrl: string;
  /** openid: WeChat JSAPI / mini-program payer; ip: the payer's IP (WeChat H5); authCode: the scanned payment code (Alipay barcode). */
  payer?: { openid?: string; ip?: string; authCode?: string };
  /** Card channel only: a vault reference the card adapter resolves, never a clear PAN in logs. */
  card?: CardInput;
  /** stripe_card only: the processor's PaymentMethod id (pm_…) created in the payer's browser; no card data here. */
  paymentMethod?: string;
  captureMethod?: 'automatic' | 'manual';
  /** WeChat Pay: set for a direct-mode merchant; the order goes through /v3/pay/partner/transactions/*. */
  subMerchant?: WechatSubMerchant;
  /** Alipay: set for a direct-mode merchant; every call carries it so the merchant is the seller of record. */
  appAuthToken?: string;
  /**
   * Keep the money frozen at the provider for later splits (WeChat
   * settle_info.profit_sharing, Alipay extend_params.royalty_freeze).
   */
  profitSharing?: boolean;
}

/** What a create carries that a provider limits (lengths, characters, ranges). */
export type FieldCheckInput = Pick<CreatePaymentInput, 'channel' | 'amount' | 'subject' | 'description' | 'notifyUrl'>;

/** A create field the provider would refuse: `field` is the Paygrid request field (or notify_url). */
export interface FieldViolation {
  field: string;
  message: string;
}

/** What a provider said; `unknown` means we could not learn the outcome (timeout, 5xx). */
export type ProviderStatus =
  'pending' | 'requires_action' | 'authorized' | 'succeeded' | 'failed' | 'closed' | 'unknown';

export interface ProviderOutcome {
  status: ProviderStatus;
  /** The provider's own transaction id (Alipay trade_no, WeChat transaction_id, acquirer id). */
  providerTransactionId?: string;
  nextAction?: NextAction;
  /** Amount the provider reports for the trade, in minor units, when it reports one. */
  amount?: bigint;
  currency?: string;
  /** For card captures: how much was captured. */
  capturedAmount?: bigint;
  /** Processor-tokenized cards: what the processor shows of the card, and its 3-D Secure result. */
  card?: ProcessorCardView;
  providerCode?: string;
  providerMessage?: string;
  /** Whether a retry of the same call is safe and sensible (idempotent call + transient failure). */
  retryable?: boolean;
  raw?: unknown;
}

export interface RefundInput {
  channel: Channel;
  providerOrderId: string;
  providerTransactionId?: string;
  /** Paygrid's refund id, used as out_request_no / out_refund_no. */
  providerRefundId: string;
  amount: bigint;
  /** Total amount of the original payment (WeChat needs it). */
  paymentAmount: bigint;
  currency: string;
  reason?: string;
  notifyUrl: string;
  /** WeChat Pay service-provider mode: the payment's sub-merchant. */
  subMchid?: string;
  /** Alipay third-party authorisation: the merchant's app_auth_token. */
  appAuthToken?: string;
}

export interface AbnormalRefundRetry {
  providerOrderId: string;
  providerRefundId: string;
  /** The provider's refund id (WeChat refund_id), which names the refund in the path. */
  providerRefundTransactionId: string;
  /** A service-provider (direct-mode) merchant's sub_mchid, as on its payment; absent for the platform's own orders. */
  subMchid?: string;
  /** MERCHANT_BANK_CARD: the merchant pays the payer back itself; USER_BANK_CARD: to the payer's card. */
  target:
    | { type: 'MERCHANT_BANK_CARD' }
    | { type: 'USER_BANK_CARD'; bankType: string; bankAccount: string; realName: string };
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'unknown';

export interface RefundOutcome {
  status: RefundStatus;
  /**
   * Pending, and it stays so until a person acts (WeChat ABNORMAL: the payer's
   * account cannot take the money). Not a failure: the money has not come back.
   */
  needsOperator?: boolean;
  providerRefundTransactionId?: string;
  amount?: bigint;
  providerCode?: string;
  providerMessage?: string;
  retryable?: boolean;
  raw?: unknown;
}

/** An incoming HTTP callback, as the callback controller received it. */
export interface CallbackRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

/** A verified, normalized callback. Anything not verified never becomes one of these. */
export type ParsedCallback =
  | {
      kind: 'payment';
      providerOrderId: string;
      providerTransactionId?: string;
      status: ProviderStatus;
      amount: bigint;
      currency: string;
      /** Provider-side merchant identity (Alipay app_id/seller_id, WeChat mchid/appid) for the match check. */
      providerMerchantId?: string;
      /** WeChat Pay service-provider mode: the callback's sub_mchid, to check against the payment's merchant. */
      providerSubMerchantId?: string;
      /** Alipay third-party authorisation: the authorising merchant's auth_app_id (absent for the platform's own trades). */
      providerAuthAppId?: string;
      /** Stable id of this notification (Alipay notify_id, WeChat event id) for dedup. */
      notificationId: string;
      /** Cards: the amount actually captured, when the provider reports it. */
      capturedAmount?: bigint;
      /** Processor-tokenized cards: the card view and 3-D Secure result. */
      card?: ProcessorCardView;
      raw: unknown;
    }
  | {
      kind: 'refund';
      providerOrderId: string;
      providerRefundId: string;
      providerRefundTransactionId?: string;
      status: RefundStatus;
      /**
       * This refund's amount, when the provider reports it (WeChat, card).
       * Alipay's notification only carries the cumulative `refund_fee`: see refundedTotal.
       */
      amount?: bigint;
      /** Total refunded on the payment so far, when the provider reports that instead (Alipay refund_fee). */
      refundedTotal?: bigint;
      /** The provider's own status word (WeChat ABNORMAL: still open, needs an operator). */
      providerCode?: string;
      /** As RefundOutcome.needsOperator. */
      needsOperator?: boolean;
      currency: string;
      providerMerchantId?: string;
      providerSubMerchantId?: string;
      providerAuthAppId?: string;
      notificationId: string;
      raw: unknown;
    };

export type CallbackParseResult =
  | { ok: true; callback: ParsedCallback }
  | {
      ok: false;
      /**
       * merchant_mismatch: validly signed, but for another Alipay app/seller or
       * WeChat mchid/appid than the one configured (never apply it).
       * not_tracked: validly signed, about an object Paygrid does not track
       * (e.g. a Stripe charge.* event): acknowledged so the provider stops
       * resending, and never applied.
       */
      reason:
        | 'signature_invalid'
        | 'malformed'
        | 'decrypt_failed'
        | 'timestamp_out_of_window'
        | 'merchant_mismatch'
        | 'not_tracked';
    };

/** The provider-format HTTP answer to a callback. */
export interface CallbackAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface StatementLine {
  providerOrderId: string;
  providerTransactionId?: string;
  providerRefundId?: string;
  kind: 'payment' | 'refund';
  amount: bigint;
  /** The provider's fee on this line (positive minor units), when the bill states one. */
  fee?: bigint;
  currency: string;
  status: string;
  occurredAt: Date;
}

/** alipay.open.auth.token.app: a merchant's authorisation code, or the refresh of its token. */
export type AppAuthGrant =
  { grantType: 'authorization_code'; code: string } | { grantType: 'refresh_token'; refreshToken: string };

/** What alipay.open.auth.token.app answers, with Alipay's meaning (seconds from now for the two lifetimes). */
export interface AppAuthTokens {
  appAuthToken: string;
  appRefreshToken: string;
  expiresIn: number;
  reExpiresIn: number;
  /** The authorising merchant's Alipay user id (2088…), the seller of its trades. */
  userId: string;
  /** The merchant's app id the authorisation was given from. */
  authAppId: string;
}

export type AppAuthResult =
  | { ok: true; tokens: AppAuthTokens }
  /** refused: the code or refresh token is not valid (a definite answer); unknown: no answer to rely on. */
  | { ok: false; kind: 'refused' | 'unknown'; providerCode?: string; providerMessage?: string };

export interface PaymentProvider {
  readonly name: ProviderName;
  readonly channels: readonly Channel[];
  supportsCurrency(channel: Channel, currency: string): boolean;
  createPayment(input: CreatePaymentInput): Promise<ProviderOutcome>;
  query(channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome>;
  close(channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome>;
  refund(input: RefundInput): Promise<RefundOutcome>;
  queryRefund(
    channel: Channel,
    providerOrderId: string,
    providerRefundId: string,
    ref?: ProviderOrderRef,
  ): Promise<RefundOutcome>;
  parseCallback(req: CallbackRequest): Promise<CallbackParseResult>;
  /** The answer the provider expects: success=true tells it to stop resending. */
  callbackAnswer(success: boolean): CallbackAnswer;
  /** The provider's daily statement (bill) for a day in the provider's bill timezone (UTC+8 for Alipay/WeChat). */
  fetchStatement(day: string): Promise<StatementLine[]>;
}

/*
 * Capabilities beyond the port: one interface per flow that only some
 * providers have, each with its guard, so a caller asks what the provider can
 * do and the type checker holds it to the answer.
 */

/** Providers with field limits of their own (lengths, characters, ranges). */
export interface FieldCheckingProvider extends PaymentProvider {
  /**
   * Checked before a payment row is written or the provider called: a
   * violation is the merchant's 400, not a refusal after the fact.
   */
  checkFields(input: FieldCheckInput): FieldViolation | undefined;
}

/** Providers that authorize first and take the money on a later call (cards). */
export interface CapturingProvider extends PaymentProvider {
  /** Capture an authorization, fully or in part. */
  capture(providerOrderId: string, amount: bigint, currency: string, ref?: ProviderOrderRef): Promise<ProviderOutcome>;
}

/** Providers that can send an ABNORMAL refund on to a bank card (WeChat Pay). */
export interface AbnormalRefundRetryingProvider extends PaymentProvider {
  /**
   * Send an ABNORMAL refund (the payer's account could not take the money) to
   * a bank card through apply-abnormal-refund. The answer is the refund's new
   * state (normally pending again).
   */
  retryAbnormalRefund(input: AbnormalRefundRetry): Promise<RefundOutcome>;
}

/** Providers that act for a merchant through its authorisation of a third-party application (Alipay). */
export interface AppAuthorizingProvider extends PaymentProvider {
  /** Exchange a merchant's authorisation code, or refresh its token (alipay.open.auth.token.app). */
  exchangeAppAuthToken(grant: AppAuthGrant): Promise<AppAuthResult>;
}

/*
 * Profit sharing (WeChat 分账, Alipay 分账/royalty). A succeeded payment made
 * with profit sharing keeps its money frozen at the provider until the
 * merchant splits it to receivers or releases the remainder to itself.
 */

/** A receiver of split money, as the provider names it. */
export interface SplitReceiver {
  /**
   * merchant: a provider merchant account (WeChat MERCHANT_ID mchid, Alipay userId 2088…);
   * personal: a person (WeChat PERSONAL_OPENID openid, Alipay loginName/openId).
   */
  type: 'merchant' | 'personal';
  account: string;
  /** The receiver's real name; WeChat wants it encrypted for MERCHANT_ID receivers, so the adapter encrypts it. */
  name?: string;
  /** WeChat relation_type (SERVICE_PROVIDER, STORE, PARTNER, …); Alipay memo. */
  relation?: string;
}

/** Register a receiver with the provider before it can be split to (WeChat receivers/add, Alipay royalty.relation.bind). */
export interface SplitReceiverBinding {
  channel: Channel;
  receiver: SplitReceiver;
  /** Idempotency of the bind call (Alipay out_request_no); WeChat binding is naturally idempotent. */
  providerRequestId: string;
  subMchid?: string;
  /** WeChat service-provider mode: the sub-merchant's own appid (sub_appid), when it has one. */
  subAppid?: string;
  appAuthToken?: string;
}

export interface SplitInput {
  channel: Channel;
  providerOrderId: string;
  /** The provider's transaction id of the succeeded payment (WeChat transaction_id, Alipay trade_no). */
  providerTransactionId: string;
  /** Paygrid's split id: WeChat out_order_no, Alipay out_request_no. */
  providerSplitId: string;
  receivers: { receiver: SplitReceiver; amount: bigint; description: string }[];
  currency: string;
  /** Release what is left to the merchant once this split is done (WeChat unfreeze_unsplit, Alipay royalty_finish). */
  finish: boolean;
  subMchid?: string;
  /** WeChat service-provider mode: the sub-merchant's own appid (sub_appid), when it has one. */
  subAppid?: string;
  appAuthToken?: string;
}

export type SplitStatus = 'pending' | 'succeeded' | 'failed' | 'unknown';

export interface SplitOutcome {
  status: SplitStatus;
  /** The provider's id of the split order (WeChat order_id, Alipay settle_no). */
  providerSplitTransactionId?: string;
  /**
   * Per-receiver results, when the provider reports them (WeChat
   * receivers[].result). A finished split whose lines all failed is `failed`;
   * with some failed, `succeeded` and only the succeeded lines moved money.
   */
  receivers?: { account: string; amount: bigint; result: 'succeeded' | 'failed' | 'pending'; failReason?: string }[];
  providerCode?: string;
  providerMessage?: string;
  retryable?: boolean;
  raw?: unknown;
}

export interface SplitReturnInput {
  channel: Channel;
  providerOrderId: string;
  providerTransactionId: string;
  providerSplitId: string;
  providerSplitTransactionId?: string;
  /** Paygrid's return id: WeChat out_return_no, Alipay out_request_no of the refund that returns royalty. */
  providerReturnId: string;
  receiver: SplitReceiver;
  amount: bigint;
  currency: string;
  description: string;
  subMchid?: string;
  appAuthToken?: string;
}

export interface SplitReleaseInput {
  channel: Channel;
  providerOrderId: string;
  providerTransactionId: string;
  /** Paygrid's id for the release call (WeChat out_order_no of the unfreeze, Alipay out_request_no). */
  providerReleaseId: string;
  description: string;
  subMchid?: string;
  appAuthToken?: string;
}

/** Providers that split a succeeded payment's frozen money to receivers (WeChat Pay, Alipay). */
export interface ProfitSharingProvider extends PaymentProvider {
  bindSplitReceiver(input: SplitReceiverBinding): Promise<SplitOutcome>;
  split(input: SplitInput): Promise<SplitOutcome>;
  querySplit(
    input: Pick<
      SplitInput,
      'channel' | 'providerOrderId' | 'providerTransactionId' | 'providerSplitId' | 'subMchid' | 'appAuthToken'
    >,
  ): Promise<SplitOutcome>;
  returnSplit(input: SplitReturnInput): Promise<SplitOutcome>;
  /** Unfreeze what was not split, to the merchant (WeChat orders/unfreeze, Alipay order.settle with royalty_finish). */
  releaseSplitRemainder(input: SplitReleaseInput): Promise<SplitOutcome>;
}

const hasMethod = (p: PaymentProvider, name: string): boolean =>
  typeof (p as unknown as Record<string, unknown>)[name] === 'function';

export const checksFields = (p: PaymentProvider): p is FieldCheckingProvider => hasMethod(p, 'checkFields');
export const canCapture = (p: PaymentProvider): p is CapturingProvider => hasMethod(p, 'capture');
export const canRetryAbnormalRefund = (p: PaymentProvider): p is AbnormalRefundRetryingProvider =>
  hasMethod(p, 'retryAbnormalRefund');
export const canAuthorizeApps = (p: PaymentProvider): p is AppAuthorizingProvider =>
  hasMethod(p, 'exchangeAppAuthToken');
export const canSplit = (p: PaymentProvider): p is ProfitSharingProvider => hasMethod(p, 'split');
