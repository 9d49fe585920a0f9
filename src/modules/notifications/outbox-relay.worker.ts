import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PollingWorker } from '../../common/workers/polling-worker';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { EVENT_BUS, EventBus } from './event-bus';
import { eventLogLine } from './event-log-line';
import { toEventEnvelope } from './events.mapper';
import { EventsRepository } from './events.repository';
import { NotificationsMetrics } from './notifications.metrics';

/**
 * Publishes committed events: claim a batch (FOR UPDATE SKIP LOCKED), publish
 * it and wait for every confirm, then mark it published in the same
 * transaction. A crash or broker failure anywhere before the commit leaves
 * the rows unpublished, so they go out again (at-least-once; consumers dedup
 * by id), after a back-off while the broker or database is down. Committed
 * rows only: a rolled-back change never reaches the table.
 */
/** The events that end a payment, and the outcome label each gives paygrid_payment_outcomes_total. */
const PAYMENT_OUTCOMES: Partial<Record<string, string>> = {
  'payment.succeeded': 'succeeded',
  'payment.failed': 'failed',
  'payment.closed': 'closed',
};

@Injectable()
export class OutboxRelay extends PollingWorker {
  /** Domain events, one line each, once their publish committed (the 'Events' context in the log). */
  private readonly eventLog = new Logger('Events');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsRepository,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly metrics: NotificationsMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super(OutboxRelay.name, {
      intervalMs: config.events.pollMs,
      // With the in-process bus a relay's transaction stays open until every consumer has applied the batch,
      // and each consumer needs a pooled connection of its own: one loop keeps the pool from being drained
      // by relays waiting on handlers that wait for connections.
      concurrency: bus.kind === 'in-process' ? 1 : config.events.relayConcurrency,
      maxBackoffMs: 5_000,
    });
  }

  /** One batch; public so tests can drive it. */
  tick(): Promise<number> {
    return this.relayOnce();
  }

  /** A full batch means more may be waiting: the next pass starts at once. */
  protected override hasMore(published: number): boolean {
    return published >= this.config.events.batchSize;
  }

  /** Publishes one batch; returns how many events it published (0 when there was nothing to do). */
  async relayOnce(): Promise<number> {
    await this.bus.ready();
    // READ COMMITTED, every connection's default (data-source.ts), so no SET TRANSACTION round trip.
    const published = await this.dataSource.transaction(async (manager) => {
      const rows = await this.events.claimUnpublished(manager, this.config.events.batchSize);
      if (rows.length === 0) return [];
      const envelopes = rows.map(toEventEnvelope);
      const end = this.metrics.publishBatchSeconds.startTimer();
      await this.bus.publish(envelopes);
      end();
      await this.events.markPublished(
        manager,
        rows.map((r) => r.id),
      );
      return envelopes;
    });
    for (const e of published) {
      this.eventLog.log(eventLogLine(e));
      const outcome = PAYMENT_OUTCOMES[e.type];
      if (outcome) this.metrics.paymentOutcomes.inc({ channel: String(e.data.object.channel), outcome });
    }
    return published.length;
  }
}
