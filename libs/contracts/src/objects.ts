/**
 * The objects events carry in `data.object`: the same JSON the merchant API
 * answers with. Only the fields consumers rely on are fixed here; objects may
 * carry more (additive changes are not breaking).
 */
import type { Channel } from './channels';
import type { EventEnvelope, EventObjectKind, EventType } from './event-types';

interface BaseObject {
  id: string;
  object: string;
  [field: string]: unknown;
}

export interface PaymentObject extends BaseObject {
  object: 'payment';
  status: 'pending' | 'requires_action' | 'authorized' | 'succeeded' | 'failed' | 'closed';
  /** Integer, minor unit of `currency`. */
  amount: number;
  currency: string;
  channel: Channel;
  out_trade_no: string;
}

export interface RefundObject extends BaseObject {
  object: 'refund';
  status: 'pending' | 'succeeded' | 'failed';
  payment_id: string;
  amount: number;
  currency: string;
}

export interface SplitObject extends BaseObject {
  object: 'split';
  /** `split`: money sent to receivers; `release`: the unsplit remainder given to the merchant. */
  kind: 'split' | 'release';
  status: 'pending' | 'succeeded' | 'failed';
  payment_id: string;
  amount: number;
  amount_returned: number;
  currency: string;
}

export interface SettlementObject extends BaseObject {
  object: 'settlement';
  currency: string;
}

export interface PayoutObject extends BaseObject {
  object: 'payout';
  status: string;
  amount: number;
  currency: string;
}

export interface WebhookEndpointObject extends BaseObject {
  object: 'webhook_endpoint';
  /** The app whose endpoint was disabled. */
  id: string;
  url: string | null;
  status: 'disabled';
  disabled_reason: string;
}

export interface CheckoutSessionObject extends BaseObject {
  object: 'checkout_session';
  status: 'open' | 'complete' | 'expired';
  out_trade_no: string;
  amount: number;
  currency: string;
  /** The payment that paid the session (complete), or the latest attempt; null when none was started. */
  payment_id: string | null;
}

/** An open reconciliation exception (internal event `reconciliation.exception`), as the admin API lists it. */
export interface ReconciliationExceptionObject extends BaseObject {
  /** `rcx_…`: the exception (provider, bill day, reference, category), the same across re-runs of the day. */
  id: string;
  object: 'reconciliation_exception';
  provider: string;
  /** The provider's bill day (UTC+8), YYYY-MM-DD. */
  business_day: string;
  category: 'missing_here' | 'missing_at_provider' | 'amount_mismatch' | 'status_mismatch';
  reference_type: 'payment' | 'refund';
  reference_id: string;
  currency: string | null;
  statement_amount: number | null;
  ledger_amount: number | null;
  /** The report of the run that found it first, and its item there (`GET /admin/v1/reconciliation/reports/{id}`). */
  report_id: string;
  item_id: string;
  /** The merchant the ledger side names; null when only the provider has it. */
  merchant_id: string | null;
}

/** The object each kind of event carries (the first segment of its type). */
export interface EventObjectsByKind {
  payment: PaymentObject;
  refund: RefundObject;
  split: SplitObject;
  settlement: SettlementObject;
  payout: PayoutObject;
  webhook_endpoint: WebhookEndpointObject;
  checkout_session: CheckoutSessionObject;
  reconciliation: ReconciliationExceptionObject;
}

type KindOf<T extends EventType> = T extends `${infer K extends EventObjectKind}.${string}` ? K : never;

/** The object an event of type T carries in `data.object`. */
export type EventObjectOf<T extends EventType> = EventObjectsByKind[KindOf<T>];

/** An object type without its open index signature: only the fields the contract fixes. */
type FixedFields<O> = O extends unknown ? { [K in keyof O as string extends K ? never : K]: O[K] } : never;

/**
 * What a producer must put in `data.object` for an event of type T: at least
 * the fields the contract fixes, with their types (more are allowed). The
 * merchant API's response objects satisfy it as they are.
 */
export type EventObjectFieldsOf<T extends EventType> = FixedFields<EventObjectOf<T>>;

/** The typed envelope of one event type. */
export type EventOf<T extends EventType> = EventEnvelope<T, EventObjectOf<T>>;

/**
 * Typed envelopes, one member per event type, for handlers that switch on
 * `type`: `Extract<PaygridEvent, { type: 'refund.succeeded' }>` is `EventOf<'refund.succeeded'>`.
 */
export type PaygridEvent = { [T in EventType]: EventOf<T> }[EventType];
