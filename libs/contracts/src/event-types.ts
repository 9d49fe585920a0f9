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
  'reconciliation.exception',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Events for the platform's own teams only (RabbitMQ): never a merchant
 * webhook, never in a merchant's `GET /v1/events`.
 */
export const INTERNAL_EVENT_TYPES = ['reconciliation.exception'] as const satisfies readonly EventType[];

export type MerchantEventType = Exclude<EventType, (typeof INTERNAL_EVENT_TYPES)[number]>;

/** The events merchants see: webhooks and `GET /v1/events`. */
export const MERCHANT_EVENT_TYPES = EVENT_TYPES.filter(
  (t) => !(INTERNAL_EVENT_TYPES as readonly string[]).includes(t),
) as MerchantEventType[];

export const isMerchantEvent = (type: string): boolean => (MERCHANT_EVENT_TYPES as readonly string[]).includes(type);

/**
 * `merchant_id` of an internal event that concerns no known merchant (a
 * provider's bill line Paygrid has never heard of): the platform itself.
 */
export const PLATFORM_MERCHANT_ID = 'mch_00000000000000000000000000';

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** The object an event carries, by the first segment of its type. */
export type EventObjectKind =
  'payment' | 'refund' | 'split' | 'settlement' | 'payout' | 'webhook_endpoint' | 'checkout_session' | 'reconciliation';

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
