import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { setMaxListeners } from 'node:events';
import type { Worker } from '../../../common/workers/polling-worker';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { WebhookDelivery } from '../entities/webhook-delivery.entity';
import { NotificationsMetrics } from '../notifications.metrics';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDeliveriesService } from './webhook-deliveries.service';

/**
 * Sends due deliveries with bounded concurrency: at most
 * WEBHOOK_MAX_IN_FLIGHT requests per process and
 * WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT per endpoint, so endpoints that hang
 * until the timeout occupy only their own slots and healthy endpoints keep
 * flowing (RELIABILITY L4). It needs only PostgreSQL: deliveries already
 * written keep their retries while RabbitMQ is down (issue 16, defect 9;
 * test/e2e/webhooks-broker-outage.e2e-spec.ts).
 */
@Injectable()
export class WebhookDeliveryWorker implements Worker, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliveryWorker.name);
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perEndpoint = new Map<string, number>();
  private readonly abort = new AbortController();
  private running = false;
  private loopDone?: Promise<void>;
  private wake?: () => void;
  private nudged = false;

  constructor(
    private readonly repo: WebhookDeliveriesRepository,
    private readonly service: WebhookDeliveriesService,
    private readonly metrics: NotificationsMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // Every in-flight request listens on the one shutdown signal.
    setMaxListeners(0, this.abort.signal);
  }

  /** Its own loop rather than a PollingWorker's: a finished send refills its slot at once, with no delay. */
  start(): void {
    if (this.running || this.abort.signal.aborted) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  get isRunning(): boolean {
    return this.running;
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    // In-flight requests are cut short; their leases expire and they are retried (webhook-id unchanged).
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** New deliveries were committed (or a send finished): look again now rather than at the next poll. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      try {
        await this.fill();
      } catch (err) {
        this.logger.warn(`Webhook delivery loop: ${(err as Error).message}`);
      }
      if (!this.running) break;
      if (!this.nudged) await this.sleep(this.config.webhooks.pollMs);
    }
  }

  /** Claims as many due deliveries as there are free slots and starts them. */
  private async fill(): Promise<void> {
    const { maxInFlight, maxInFlightPerEndpoint, timeoutMs } = this.config.webhooks;
    const free = maxInFlight - this.inFlight.size;
    if (free <= 0) return;
    const saturated = [...this.perEndpoint].filter(([, n]) => n >= maxInFlightPerEndpoint).map(([appId]) => appId);
    const due = await this.repo.findDue(saturated, maxInFlightPerEndpoint, free);
    const taken = new Map<string, number>();
    const ids: string[] = [];
    for (const { id, app_id } of due) {
      const used = (this.perEndpoint.get(app_id) ?? 0) + (taken.get(app_id) ?? 0);
      if (used >= maxInFlightPerEndpoint) continue;
      taken.set(app_id, (taken.get(app_id) ?? 0) + 1);
      ids.push(id);
    }
    // The lease outlives the request (timeout) plus the time to record its outcome.
    const claimed = await this.repo.claim(ids, timeoutMs * 2 + 5_000);
    for (const d of claimed) this.send(d);
  }

  private send(delivery: WebhookDelivery): void {
    this.perEndpoint.set(delivery.appId, (this.perEndpoint.get(delivery.appId) ?? 0) + 1);
    this.metrics.webhooksInFlight.inc();
    const task = this.service
      .attempt(delivery, this.abort.signal)
      .catch((err: Error) => this.logger.error(`Delivery ${delivery.id} failed to record: ${err.message}`))
      .finally(() => {
        this.inFlight.delete(delivery.id);
        const n = (this.perEndpoint.get(delivery.appId) ?? 1) - 1;
        if (n <= 0) this.perEndpoint.delete(delivery.appId);
        else this.perEndpoint.set(delivery.appId, n);
        this.metrics.webhooksInFlight.dec();
        this.nudge();
      });
    this.inFlight.set(delivery.id, task);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
