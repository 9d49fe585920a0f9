/**
 * The event contract of paygrid.events (docs/api.md "Events"): what internal
 * consumers import. The envelope is the same on RabbitMQ, on webhooks and on
 * `GET /v1/events`. Additive changes only within `version: 1`; a breaking
 * change ships as `version: 2` beside it.
 */
export const EVENT_TYPES = [
  'payment.succeeded',
  'payment.failed',
  'payment.closed',
  'payment.authorized',
  'refund.succeeded',
  'refund.failed',
  'split.succeeded',
  'split.failed',
  'split.returned',
  'split.released',
  'settlement.completed',
  'payout.paid',
  'payout.failed',
  'webhook_endpoint.disabled',
  'checkout_session.completed',
  'checkout_session.expired',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** The object an event carries, by the first segment of its type. */
export type EventObjectKind =
  'payment' | 'refund' | 'split' | 'settlement' | 'payout' | 'webhook_endpoint' | 'checkout_session';

export const objectKindOf = (type: EventType): EventObjectKind => type.split('.')[0] as EventObjectKind;

/**
 * The docs/api.md envelope. `aggregate_id` / `aggregate_sequence` let a consumer
 * restore per-object order: the sequence starts at 1 for each object (payment,
 * refund, settlement, payout, endpoint), grows by exactly 1 per event of that
 * object and is assigned in the transaction that changed the object, so a
 * consumer that has applied sequence n of an object can ignore anything ≤ n
 * and hold back anything > n + 1. Delivery is at-least-once and, across
 * retries and relay instances, not ordered: deduplicate by `id`.
 */
export interface EventEnvelope<
  T extends EventType = EventType,
  O extends Record<string, unknown> = Record<string, unknown>,
> {
  /** `evt_…`; also the AMQP `message_id` and the webhook's `webhook-id`. */
  id: string;
  type: T;
  /** RFC 3339 UTC, when the change committed its event row. */
  created_at: string;
  merchant_id: string;
  /** The app the object belongs to; null for merchant-wide objects (settlements, payouts). */
  app_id: string | null;
  /** Envelope version. */
  version: 1;
  /** Id of the object whose change this event records (`pay_…`, `re_…`, `spl_…`, `stl_…`, `po_…`, `app_…`, `cs_…`). */
  aggregate_id: string;
  /** 1, 2, 3 … per `aggregate_id`, in the order the changes committed. */
  aggregate_sequence: number;
  data: { object: O };
}

/** AMQP message properties and headers the relay sets (docs/api.md "Events" / docs/asyncapi.yaml). */
export const AMQP_EVENT_HEADERS = {
  aggregateId: 'x-paygrid-aggregate-id',
  aggregateSequence: 'x-paygrid-aggregate-sequence',
  merchantId: 'x-paygrid-merchant-id',
} as const;
