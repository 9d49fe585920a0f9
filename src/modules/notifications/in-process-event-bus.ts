import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { EventEnvelope, topicMatches } from '@paygrid/contracts';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { ConsumerRunner, Semaphore, delay } from './consumer-runner';
import { EventBus, EventConsumer } from './event-bus';
import { InboxRepository } from './inbox.repository';
import { NotificationsMetrics } from './notifications.metrics';

/**
 * The bus without RabbitMQ (AMQP_URL unset). Nothing lives only in memory:
 * `publish` resolves once every matching consumer has applied the event
 * (inbox committed) or dead-lettered it (row in event_dead_letters), so the
 * relay marks an event published only when it is safe, and a crash before
 * that republishes it, exactly as an unconfirmed RabbitMQ publish would be.
 */
@Injectable()
export class InProcessEventBus implements EventBus, OnModuleDestroy {
  readonly kind = 'in-process' as const;
  private readonly runners: Array<{ runner: ConsumerRunner; slots: Semaphore }> = [];
  private closing = false;

  constructor(
    private readonly inbox: InboxRepository,
    private readonly metrics: NotificationsMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleDestroy(): void {
    this.closing = true;
  }

  async subscribe(consumer: EventConsumer): Promise<void> {
    if (this.runners.some((r) => r.runner.consumer.name === consumer.name))
      throw new Error(`Consumer ${consumer.name} is already subscribed`);
    const runner = new ConsumerRunner(consumer, this.inbox, this.metrics, this.config);
    this.runners.push({ runner, slots: new Semaphore(runner.prefetch) });
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  async publish(batch: EventEnvelope[]): Promise<void> {
    if (this.closing) throw new Error('The in-process event bus is shutting down');
    const deliveries = batch.flatMap((event) =>
      this.runners
        .filter(({ runner }) => runner.consumer.patterns.some((p) => topicMatches(p, event.type)))
        .map((r) => this.deliver(r, event)),
    );
    // allSettled first: a failure must not leave other deliveries running unobserved.
    const results = await Promise.allSettled(deliveries);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const event of batch) this.metrics.published.inc({ type: event.type });
  }

  private async deliver(
    { runner, slots }: { runner: ConsumerRunner; slots: Semaphore },
    event: EventEnvelope,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.closing) throw new Error('The in-process event bus is shutting down');
      const { outcome, error } = await slots.run(() => runner.attempt(event, attempt));
      if (outcome === 'applied' || outcome === 'duplicate') return;
      if (outcome === 'dead-letter') {
        await this.inbox.deadLetter(runner.consumer.name, event, error?.message ?? 'unknown error', attempt);
        return;
      }
      await delay(runner.retryDelayMs(attempt));
    }
  }
}
