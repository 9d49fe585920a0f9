import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { SettlementsService } from './settlements.service';

/**
 * Settles every merchant day that is due (worker role), every
 * SETTLEMENT_POLL_MS. Safe with several replicas: each settlement takes an
 * advisory lock per merchant and currency and is unique per day, so a second
 * replica finds the settlement made and moves on.
 */
@Injectable()
export class SettlementSchedulerWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SettlementSchedulerWorker.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly settlements: SettlementsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: Error) => this.logger.error(`settlement pass failed: ${err.message}`))
        .finally(() => this.schedule());
    }, this.config.settlements.pollMs);
    this.timer.unref();
  }

  /** One pass; `now` lets tests and the CLI decide which days are due. */
  async tick(now: Date = new Date()): Promise<number> {
    return (await this.settlements.settleDue(now)).length;
  }
}
