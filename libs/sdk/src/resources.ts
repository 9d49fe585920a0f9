/** Shapes of the merchant API's objects (API.md), as the typed SDK methods return them. */

export type Channel = 'alipay_qr' | 'alipay_page' | 'wechat_native' | 'wechat_jsapi' | 'card';
export type PaymentStatus = 'pending' | 'requires_action' | 'authorized' | 'succeeded' | 'failed' | 'closed';

export type NextAction =
  | { type: 'qr_code'; qr_code: string }
  | { type: 'redirect'; url: string }
  | { type: 'wechat_jsapi'; params: Record<string, string> }
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
  payer?: { openid?: string };
  /** `{ encrypted }` from `client.encryptCard(...)`, or `{ token }` of an earlier payment. */
  card?: { encrypted?: string; token?: string };
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
  amount_captured: number;
  amount_refunded: number;
  fee: number;
  metadata: Record<string, string>;
  return_url: string | null;
  payer: Record<string, string> | null;
  card: { brand: string; last4: string; exp_month: number; exp_year: number; token: string } | null;
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
  timeline?: Array<{ from: string | null; to: string; cause: string; actor: string | null; refund_id: string | null; detail: object | null; at: string }>;
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
  reference_type: 'payment' | 'refund';
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
