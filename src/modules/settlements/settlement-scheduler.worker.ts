import { Inject, Injectable } from '@nestjs/common';
import { PollingWorker } from '../../common/workers/polling-worker';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { SettlementsService } from './settlements.service';

/**
 * Settles every merchant day that is due (worker role), every
 * SETTLEMENT_POLL_MS. Safe with several replicas: each settlement takes an
 * advisory lock per merchant and currency and is unique per day, so a second
 * replica finds the settlement made and moves on.
 */
@Injectable()
export class SettlementSchedulerWorker extends PollingWorker {
  constructor(
    private readonly settlements: SettlementsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super(SettlementSchedulerWorker.name, { intervalMs: config.settlements.pollMs });
  }

  /** One pass; `now` lets tests and the CLI decide which days are due. */
  async tick(now: Date = new Date()): Promise<number> {
    return (await this.settlements.settleDue(now)).length;
  }
}
