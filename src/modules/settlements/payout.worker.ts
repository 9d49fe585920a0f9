import { Inject, Injectable } from '@nestjs/common';
import { PollingWorker } from '../../common/workers/polling-worker';
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
export class PayoutWorker extends PollingWorker {
  constructor(
    private readonly repo: PayoutsRepository,
    private readonly payouts: PayoutsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super(PayoutWorker.name, { intervalMs: config.settlements.payoutPollMs });
  }

  /** One pass; public so tests and the CLI can drive it deterministically. */
  async tick(): Promise<number> {
    const due = await this.repo.claimDue(BATCH, LEASE_MS);
    for (const p of due) {
      if (this.isStopped) break;
      await this.payouts
        .execute(p)
        .catch((err: Error) => this.logger.error({ payout_id: p.id }, `payout step failed: ${err.message}`));
    }
    return due.length;
  }
}
