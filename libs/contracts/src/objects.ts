/**
 * The objects events carry in `data.object`: the same JSON the merchant API
 * answers with. Only the fields consumers rely on are fixed here; objects may
 * carry more (additive changes are not breaking).
 */
import type { EventEnvelope } from './event-types';

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
  channel: string;
  out_trade_no: string;
}

export interface RefundObject extends BaseObject {
  object: 'refund';
  status: 'pending' | 'succeeded' | 'failed';
  payment_id: string;
  amount: number;
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

/** Typed envelopes, one per event type, for handlers that switch on `type`. */
export type PaygridEvent =
  | EventEnvelope<'payment.succeeded' | 'payment.failed' | 'payment.closed' | 'payment.authorized', PaymentObject>
  | EventEnvelope<'refund.succeeded' | 'refund.failed', RefundObject>
  | EventEnvelope<'settlement.completed', SettlementObject>
  | EventEnvelope<'payout.paid' | 'payout.failed', PayoutObject>
  | EventEnvelope<'webhook_endpoint.disabled', WebhookEndpointObject>;
