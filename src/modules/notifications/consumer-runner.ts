import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '@paygrid/contracts';
import type { AppConfig } from '../../config/config';
import { EventConsumer, PoisonEventError } from './event-bus';
import { InboxRepository } from './inbox.repository';
import { NotificationsMetrics } from './notifications.metrics';

export type AttemptOutcome = 'applied' | 'duplicate' | 'retry' | 'dead-letter';

/**
 * The delivery rules both transports share, so they cannot drift: inbox
 * dedup by event id, handler effects in the inbox transaction, and when a
 * failure is final (attempts used up, or a PoisonEventError).
 */
export class ConsumerRunner {
  private readonly logger = new Logger(ConsumerRunner.name);
  readonly maxAttempts: number;
  readonly prefetch: number;

  constructor(
    readonly consumer: EventConsumer,
    private readonly inbox: InboxRepository,
    private readonly metrics: NotificationsMetrics,
    private readonly config: AppConfig,
  ) {
    this.maxAttempts = consumer.maxAttempts ?? config.events.consumerMaxAttempts;
    this.prefetch = consumer.prefetch ?? config.events.consumerPrefetch;
  }

  /** Applies the event once; on failure says whether to retry or dead-letter. Never throws. */
  async attempt(event: EventEnvelope, attempt: number): Promise<{ outcome: AttemptOutcome; error?: Error }> {
    const name = this.consumer.name;
    try {
      const applied = await handlerSlots(this.config).run(() =>
        this.inbox.runOnce(name, event.id, (manager) => this.consumer.handle(event, { manager, attempt })),
      );
      const outcome = applied ? 'applied' : 'duplicate';
      this.metrics.consumed.inc({ consumer: name, outcome });
      return { outcome };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.metrics.consumed.inc({ consumer: name, outcome: 'failed' });
      const final = attempt >= this.maxAttempts || error instanceof PoisonEventError;
      this.logger.warn(
        `Consumer ${name} failed on ${event.id} (${event.type}), attempt ${attempt}/${this.maxAttempts}: ${error.message}`,
      );
      if (final) this.metrics.deadLettered.inc({ consumer: name });
      return { outcome: final ? 'dead-letter' : 'retry', error };
    }
  }

  /** Back-off before the next attempt, growing with the attempt number (capped at 10 s). */
  retryDelayMs(attempt: number): number {
    return Math.min(10_000, this.config.events.consumerRetryDelayMs * attempt);
  }
}

/** A counting semaphore: at most `size` handlers of one consumer run at once (the in-process prefetch). */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * One bound for every consumer of a process (keyed by its config, so two apps in one test process stay apart).
 * Each handler holds a pool connection for its inbox transaction. Prefetch × consumers can be hundreds of
 * handlers at once; without this bound they would all queue in the pool, ahead of the API's requests and the
 * relay's batches, and those would time out waiting for a connection during a burst of events.
 */
const slotsByConfig = new WeakMap<AppConfig, Semaphore>();
export function handlerSlots(config: AppConfig): Semaphore {
  let slots = slotsByConfig.get(config);
  if (!slots) slotsByConfig.set(config, (slots = new Semaphore(config.events.consumerConcurrency)));
  return slots;
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
