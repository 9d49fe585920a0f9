import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { PayoutsRepository } from './payouts.repository';
import { PayoutsService } from './payouts.service';

const BATCH = 50;
const LEASE_MS = 60_000;

/**
 * Sends in-transit payouts to the bank and follows them until paid or
 * failed (worker role). Claims use SKIP LOCKED and a lease, so several
 * replicas share the work and a crashed worker's payouts are picked up again.
 */
@Injectable()
export class PayoutWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PayoutWorker.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private enabled = false;

  constructor(
    private readonly repo: PayoutsRepository,
    private readonly payouts: PayoutsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
    this.enabled = true;
    this.schedule(this.config.settlements.payoutPollMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Run a pass soon (a payout was just created) instead of waiting for the poll. */
  nudge(): void {
    if (!this.enabled || this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.schedule(5);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: Error) => this.logger.error(`payout pass failed: ${err.message}`))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.config.settlements.payoutPollMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** One pass; public so tests and the CLI can drive it deterministically. */
  async tick(): Promise<number> {
    const due = await this.repo.claimDue(BATCH, LEASE_MS);
    for (const p of due) {
      if (this.stopped) break;
      await this.payouts.execute(p).catch((err: Error) => this.logger.error({ payout_id: p.id }, `payout step failed: ${err.message}`));
    }
    return due.length;
  }
}
