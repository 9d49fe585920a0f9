/**
 * The one port every channel adapter implements (CONVENTIONS "Providers").
 * Adapters speak their provider's protocol and return outcomes as values;
 * `provider-errors.ts` is the one place that turns outcomes into domain errors.
 * Providers never import payments or touch payment tables.
 */
export type Channel = 'alipay_qr' | 'alipay_page' | 'wechat_native' | 'wechat_jsapi' | 'card';
export const CHANNELS: readonly Channel[] = ['alipay_qr', 'alipay_page', 'wechat_native', 'wechat_jsapi', 'card'];
export type ProviderName = 'alipay' | 'wechatpay' | 'card';

export type NextAction =
  | { type: 'qr_code'; qr_code: string }
  | { type: 'redirect'; url: string }
  | { type: 'wechat_jsapi'; params: Record<string, string> }
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
  payer?: { openid?: string; ip?: string };
  /** Card channel only: a vault reference the card adapter resolves, never a clear PAN in logs. */
  card?: CardInput;
  captureMethod?: 'automatic' | 'manual';
}

/** What a provider said; `unknown` means we could not learn the outcome (timeout, 5xx). */
export type ProviderStatus = 'pending' | 'requires_action' | 'authorized' | 'succeeded' | 'failed' | 'closed' | 'unknown';

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
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'unknown';

export interface RefundOutcome {
  status: RefundStatus;
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
      /** Stable id of this notification (Alipay notify_id, WeChat event id) for dedup. */
      notificationId: string;
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
      currency: string;
      providerMerchantId?: string;
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
       */
      reason: 'signature_invalid' | 'malformed' | 'decrypt_failed' | 'timestamp_out_of_window' | 'merchant_mismatch';
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
  currency: string;
  status: string;
  occurredAt: Date;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  readonly channels: readonly Channel[];
  supportsCurrency(channel: Channel, currency: string): boolean;
  createPayment(input: CreatePaymentInput): Promise<ProviderOutcome>;
  query(channel: Channel, providerOrderId: string): Promise<ProviderOutcome>;
  close(channel: Channel, providerOrderId: string): Promise<ProviderOutcome>;
  /** Card only: capture an authorization, fully or in part. */
  capture?(providerOrderId: string, amount: bigint, currency: string): Promise<ProviderOutcome>;
  refund(input: RefundInput): Promise<RefundOutcome>;
  queryRefund(channel: Channel, providerOrderId: string, providerRefundId: string): Promise<RefundOutcome>;
  parseCallback(req: CallbackRequest): Promise<CallbackParseResult>;
  /** The answer the provider expects: success=true tells it to stop resending. */
  callbackAnswer(success: boolean): CallbackAnswer;
  /** The provider's daily statement (bill) for a day in the provider's bill timezone (UTC+8 for Alipay/WeChat). */
  fetchStatement(day: string): Promise<StatementLine[]>;
}
