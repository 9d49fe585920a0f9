import { Inject, Injectable } from '@nestjs/common';
import { PollingWorker } from '../../common/workers/polling-worker';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { ReconciliationService, ScheduledReconciliation } from './reconciliation.service';

/**
 * Reconciles each provider's bill days on its own (worker role), every RECONCILIATION_POLL_MS: the days from
 * yesterday back RECONCILIATION_LOOKBACK_DAYS (UTC+8) without a report, once the bill is ready. Exceptions land
 * on the admin API's list (GET /admin/v1/reconciliation/exceptions) and in the log. RECONCILIATION_POLL_MS=0: off.
 */
@Injectable()
export class ReconciliationSchedulerWorker extends PollingWorker {
  constructor(
    private readonly reconciliation: ReconciliationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super(ReconciliationSchedulerWorker.name, { intervalMs: config.reconciliation.pollMs || 60_000 });
  }

  override start(): void {
    if (this.config.reconciliation.pollMs > 0) super.start();
  }

  /** One pass; `now` lets tests decide which days are due. */
  tick(now: Date = new Date()): Promise<ScheduledReconciliation[]> {
    return this.reconciliation.runDue(now, this.config.reconciliation.lookbackDays);
  }
}
