import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { EVENT_BUS, EventBus } from './event-bus';
import { toEventEnvelope } from './events.mapper';
import { EventsRepository } from './events.repository';
import { NotificationsMetrics } from './notifications.metrics';

/**
 * Publishes committed events: claim a batch (FOR UPDATE SKIP LOCKED), publish
 * it and wait for every confirm, then mark it published in the same
 * transaction. A crash or broker failure anywhere before the commit leaves
 * the rows unpublished, so they go out again (at-least-once; consumers dedup
 * by id). Committed rows only: a rolled-back change never reaches the table.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelay.name);
  private running = false;
  private readonly loops: Array<Promise<void>> = [];
  private readonly sleepers = new Set<() => void>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsRepository,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly metrics: NotificationsMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** After every module's onModuleInit, so consumers have subscribed (and declared their queues) first. */
  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
    this.start();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // With the in-process bus a relay's transaction stays open until every consumer has applied the batch,
    // and each consumer needs a pooled connection of its own: one loop keeps the pool from being drained
    // by relays waiting on handlers that wait for connections.
    const loops = this.bus.kind === 'in-process' ? 1 : this.config.events.relayConcurrency;
    for (let i = 0; i < loops; i++) this.loops.push(this.loop(i));
  }

  async onModuleDestroy(): Promise<void> {
    this.running = false;
    for (const wake of this.sleepers) wake();
    await Promise.all(this.loops);
    this.loops.length = 0;
  }

  /** Publishes one batch; returns how many events it published (0 when there was nothing to do). */
  async relayOnce(): Promise<number> {
    await this.bus.ready();
    // READ COMMITTED, every connection's default (data-source.ts), so no SET TRANSACTION round trip.
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.events.claimUnpublished(manager, this.config.events.batchSize);
      if (rows.length === 0) return 0;
      const end = this.metrics.publishBatchSeconds.startTimer();
      await this.bus.publish(rows.map(toEventEnvelope));
      end();
      await this.events.markPublished(
        manager,
        rows.map((r) => r.id),
      );
      return rows.length;
    });
  }

  private async loop(index: number): Promise<void> {
    let failures = 0;
    while (this.running) {
      let published = 0;
      try {
        published = await this.relayOnce();
        failures = 0;
      } catch (err) {
        failures++;
        // Broker or database down: the rows stay unpublished; back off and retry.
        if (failures === 1 || failures % 50 === 0) this.logger.warn(`Outbox relay ${index}: ${(err as Error).message} (will retry)`);
      }
      if (!this.running) break;
      if (failures > 0) await this.sleep(Math.min(5_000, this.config.events.pollMs * 2 ** Math.min(failures, 6)));
      else if (published < this.config.events.batchSize) await this.sleep(this.config.events.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.sleepers.add(wake);
    });
  }
}
