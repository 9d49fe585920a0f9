import { SetMetadata } from '@nestjs/common';
import type { EventType, PaygridEvent } from '@paygrid/contracts';
import type { HandlerContext } from './event-bus';

/** A topic pattern on the event type: an event type itself, or one with `*` / `#` wildcards (`payment.*`, `#`). */
export type EventPattern = EventType | `${string}*${string}` | `${string}#${string}`;

/** The events a pattern delivers: exactly that type's envelope, or any event for a wildcard. */
export type EventsOf<P extends EventPattern> = P extends EventType ? Extract<PaygridEvent, { type: P }> : PaygridEvent;

export interface OnEventOptions {
  /** Stable, unique per consumer: names its queue (`<ns>.<consumer>`), DLQ and inbox rows. */
  consumer: string;
  /** Deliveries before dead-lettering (default EVENT_CONSUMER_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Events handled concurrently (default EVENT_CONSUMER_PREFETCH). */
  prefetch?: number;
}

export interface OnEventMetadata extends OnEventOptions {
  patterns: string[];
}

export const ON_EVENT = 'paygrid:on-event';

/**
 * Marks a method as the handler of a durable event consumer. The WorkersModule
 * (src/workers) finds it with Nest's DiscoveryService and subscribes it where
 * workers run, never in the API process. The handler is typed by the contract:
 * `@OnEvent('settlement.completed', …)` gets `Extract<PaygridEvent, { type: 'settlement.completed' }>`.
 */
export function OnEvent<const P extends EventPattern>(patterns: P | readonly P[], options: OnEventOptions) {
  const metadata: OnEventMetadata = { ...options, patterns: [patterns].flat() };
  return <H extends (event: EventsOf<P>, ctx: HandlerContext) => Promise<void>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<H>,
  ): TypedPropertyDescriptor<H> => {
    SetMetadata(ON_EVENT, metadata)(target, key, descriptor);
    return descriptor;
  };
}
