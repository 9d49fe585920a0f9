/** Shapes of the merchant API's objects (docs/api.md), as the typed SDK methods return them. */

import type { Channel } from '../../contracts/src/channels';
import type { TimelineEntryDto } from './generated/types.gen';

/** The event contract's channel list (libs/contracts): the SDK and the server name the same channels. */
export type { Channel };

/** What caused a payment's change of status (the contract's list, generated from openapi.json). */
export type TimelineCause = TimelineEntryDto['cause'];

export type PaymentStatus = 'pending' | 'requires_action' | 'authorized' | 'succeeded' | 'failed' | 'closed';

export type NextAction =
  | {
      type: 'qr_code';
      qr_code: string;
      /** The same content drawn: an SVG data URL for an <img src>. */ qr_code_image: string;
    }
  | { type: 'redirect'; url: string }
  | { type: 'wechat_jsapi'; params: Record<string, string> }
  | { type: 'wechat_app'; params: Record<string, string> }
  | { type: 'alipay_app'; order_string: string }
  | { type: 'three_d_secure'; url: string };

export interface CreatePaymentParams {
  out_trade_no: string;
  /** Integer, in the minor unit of `currency`. */
  amount: number;
  currency: string;
  channel: Channel;
  subject: string;
  description?: string;
  expires_in?: number;
  metadata?: Record<string, string>;
  return_url?: string;
  capture_method?: 'automatic' | 'manual';
  /** WeChat Pay and Alipay: keep the money frozen for splits (docs/api.md "Splits"). */
  profit_sharing?: boolean;
  /** openid: wechat_jsapi / wechat_miniprogram; ip: wechat_h5; auth_code: alipay_barcode. */
  payer?: { openid?: string; ip?: string; auth_code?: string };
  /**
   * card: `{ encrypted }` from `client.encryptCard(...)`, or `{ token }` of an earlier payment.
   * stripe_card: `{ payment_method }`, a Stripe PaymentMethod id made by Stripe.js in the payer's browser.
   */
  card?: { encrypted?: string; token?: string; payment_method?: string };
}

export interface Refund {
  id: string;
  object: 'refund';
  payment_id: string;
  out_refund_no: string;
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  reason: string | null;
  fee_refunded: number;
  failure_code: string | null;
  failure_message: string | null;
  succeeded_at: string | null;
  created_at: string;
}

export interface Payment {
  id: string;
  object: 'payment';
  app_id: string;
  out_trade_no: string;
  amount: number;
  currency: string;
  channel: Channel;
  status: PaymentStatus;
  subject: string;
  description: string | null;
  capture_method: 'automatic' | 'manual';
  /** Made with profit sharing: the money stays frozen at the provider until split or released. */
  profit_sharing: boolean;
  /** Profit sharing only: `open` for splits, `releasing`, then `released`. */
  split_state: 'open' | 'releasing' | 'released' | null;
  /** Splits pending or succeeded (returns do not lower it). */
  amount_split: number;
  /** Returned from receivers to the merchant. */
  amount_split_returned: number;
  amount_captured: number;
  amount_refunded: number;
  fee: number;
  /** `direct`: the provider settled the money to the merchant's own account; `collected`: paid out by the platform. */
  money_mode: 'direct' | 'collected';
  metadata: Record<string, string>;
  return_url: string | null;
  payer: Record<string, string> | null;
  card: {
    brand: string;
    last4: string;
    exp_month: number;
    exp_year: number;
    /** card channel only (stripe_card cards stay at Stripe). */
    token?: string;
    /** EMV 3DS2 result where the rail reports it (stripe_card). */
    three_d_secure?: {
      trans_status: 'Y' | 'A' | 'N' | 'R' | 'U' | 'C' | null;
      eci: string | null;
      flow: 'frictionless' | 'challenge' | null;
      version: string | null;
      ds_transaction_id: string | null;
    } | null;
  } | null;
  next_action: NextAction | null;
  provider_transaction_id: string | null;
  failure_code: string | null;
  failure_message: string | null;
  expires_at: string;
  succeeded_at: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  refunds?: Refund[];
  timeline?: Array<{
    from: string | null;
    to: string;
    cause: TimelineCause;
    actor: string | null;
    refund_id: string | null;
    detail: Record<string, unknown> | null;
    at: string;
  }>;
}

export interface CreateRefundParams {
  payment_id: string;
  out_refund_no: string;
  /** Default: all that is left. */
  amount?: number;
  reason?: string;
}

export interface ListParams {
  limit?: number;
  starting_after?: string;
}

export interface ListPaymentsParams extends ListParams {
  out_trade_no?: string;
  status?: PaymentStatus;
  channel?: Channel;
  'created[gte]'?: string;
  'created[lt]'?: string;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

export interface Balance {
  object: 'balance';
  balances: Array<{ currency: string; pending: number; available: number; in_transit: number }>;
}

export interface PaygridEvent<T = Record<string, unknown>> {
  id: string;
  type: string;
  created_at: string;
  merchant_id: string;
  app_id: string | null;
  version: number;
  data: { object: T };
}

export interface ListSettlementsParams extends ListParams {
  currency?: string;
  /** YYYY-MM-DD, the business day in the merchant's timezone. */
  business_day?: string;
}

export interface SettlementLine {
  ledger_entry_id: string;
  kind: 'payment' | 'refund' | 'adjustment';
  entry_type: string;
  reference_type: 'payment' | 'refund' | 'split' | 'split_return';
  reference_id: string;
  occurred_at: string;
  gross_amount: number;
  fee_amount: number;
  net_amount: number;
}

/** A settlement; amounts are integers in minor units of `currency`. */
export interface Settlement {
  id: string;
  object: 'settlement';
  merchant_id: string;
  currency: string;
  business_day: string;
  timezone: string;
  cutoff_at: string;
  status: 'completed';
  line_count: number;
  payments_amount: number;
  refunds_amount: number;
  adjustments_amount: number;
  fee_amount: number;
  /** payments − refunds + adjustments − fees. */
  net_amount: number;
  transferred_amount: number;
  carried_in: number;
  carried_forward: number;
  ledger_entry_id: string | null;
  created_at: string;
  /** On GET /v1/settlements/{id}: each payment and refund it covers. */
  lines?: SettlementLine[];
}

export interface CreateCheckoutSessionParams {
  out_trade_no: string;
  amount: number;
  currency: string;
  subject: string;
  /** Default: every channel of the app that the cashier can run. */
  channels?: string[];
  /** Where the buyer goes once paid, with signed `paygrid_*` parameters (verifyCheckoutReturn). */
  return_url?: string;
  /** Seconds, 60..86400 (default 1800). */
  expires_in?: number;
}

export interface CheckoutSession {
  id: string;
  object: 'checkout_session';
  /** The cashier page: send the buyer here, or show it as a QR code any wallet can scan. */
  url: string;
  qr_code_image: string;
  app_id: string;
  out_trade_no: string;
  amount: number;
  currency: string;
  subject: string;
  channels: string[];
  return_url: string | null;
  status: 'open' | 'complete' | 'expired';
  payment_id: string | null;
  counter_code_id: string | null;
  expires_at: string;
  completed_at: string | null;
  created_at: string;
}

export interface CreateCounterCodeParams {
  currency: string;
  subject: string;
  channels?: string[];
  return_url?: string;
}

export interface CounterCode {
  id: string;
  object: 'counter_code';
  url: string;
  qr_code_image: string;
  app_id: string;
  currency: string;
  subject: string;
  channels: string[];
  return_url: string | null;
  created_at: string;
}
