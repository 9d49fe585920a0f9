import type { EventEnvelope } from '@paygrid/contracts';
import type { EntityManager } from 'typeorm';

/** What a handler gets besides the event. */
export interface HandlerContext {
  /**
   * The transaction the consumer's inbox row is written in. Write the
   * handler's database effects through it and they commit exactly once per
   * event id, however often the event is delivered.
   */
  manager: EntityManager;
  /** 1 on the first delivery to this consumer, then 2, 3 … up to maxAttempts. */
  attempt: number;
}

export interface EventConsumer {
  /** Stable, unique per consumer: names its queue (`<ns>.<name>`), DLQ and inbox rows. */
  name: string;
  /** Topic patterns on the event type (`payment.*`, `settlement.#`, `#`). */
  patterns: string[];
  /** Throw to have the event retried; after maxAttempts it is dead-lettered. */
  handle(event: EventEnvelope, ctx: HandlerContext): Promise<void>;
  /** Deliveries before dead-lettering (default EVENT_CONSUMER_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Events handled concurrently (default EVENT_CONSUMER_PREFETCH). */
  prefetch?: number;
}

/**
 * The one interface of both transports: RabbitMQ when AMQP_URL is set, the
 * in-process bus otherwise. Both are at-least-once: `publish` resolves only
 * when the batch is safe (broker confirm, or every in-process consumer has
 * applied or dead-lettered it), and each consumer applies an event once
 * (inbox by event id).
 */
export interface EventBus {
  readonly kind: 'amqp' | 'in-process';
  /** Resolves when every event of the batch is confirmed; rejects if any is not. */
  publish(batch: EventEnvelope[]): Promise<void>;
  /** Registers a consumer; with RabbitMQ resolves once its queue is declared and bound (or the broker is down). */
  subscribe(consumer: EventConsumer): Promise<void>;
  /** Resolves once the queues of every consumer subscribed so far exist (the relay waits for this before publishing). */
  ready(): Promise<void>;
}

/** Injection token: `@Inject(EVENT_BUS) private readonly bus: EventBus`. */
export const EVENT_BUS = Symbol('EVENT_BUS');

/** Thrown by a handler for an event that can never succeed: dead-lettered at once, no retries. */
export class PoisonEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonEventError';
  }
}
