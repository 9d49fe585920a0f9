import { Inject, Injectable } from '@nestjs/common';
import { PollingWorker } from '../../../common/workers/polling-worker';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { PaymentsRepository } from '../payments.repository';
import { RefundsRepository } from '../refunds/refunds.repository';
import { SplitsRepository } from '../splits/splits.repository';
import { SplitsService } from '../splits/splits.service';
import { PaymentResolutionService } from './payment-resolution.service';

const BATCH = 50;
const LEASE_MS = 60_000;

/**
 * The janitor (worker role): for every open payment, pending refund and split whose
 * check is due, ask the provider and apply its answer; close payments that
 * outlived `expires_at` at the provider first, then here. So no order stays
 * non-terminal because a callback never came (RELIABILITY F6, F7). Claims use
 * SKIP LOCKED and a lease, so several worker replicas share the work.
 */
@Injectable()
export class PaymentResolverWorker extends PollingWorker {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsRepository,
    private readonly resolution: PaymentResolutionService,
    private readonly splits: SplitsRepository,
    private readonly splitsService: SplitsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super(PaymentResolverWorker.name, { intervalMs: config.resolverPollMs });
  }

  /** One pass; public so tests and the CLI can drive it deterministically. */
  async tick(): Promise<{ payments: number; refunds: number; splits: number }> {
    const due = await this.payments.claimDue(BATCH, LEASE_MS);
    for (const p of due) {
      if (this.isStopped) break;
      await this.resolution
        .resolvePayment(p)
        .catch((err: Error) => this.logger.error({ payment_id: p.id }, `resolving payment failed: ${err.message}`));
    }
    const dueRefunds = await this.refunds.claimDue(BATCH, LEASE_MS);
    for (const r of dueRefunds) {
      if (this.isStopped) break;
      await this.resolution
        .resolveRefund(r)
        .catch((err: Error) => this.logger.error({ refund_id: r.id }, `resolving refund failed: ${err.message}`));
    }
    // Splits, releases and split returns the provider answered PROCESSING (or not at all): asked again the same way.
    const dueSplits = await this.splits.claimDue(BATCH, LEASE_MS);
    for (const s of dueSplits) {
      if (this.isStopped) break;
      await this.splitsService
        .resolve(s)
        .catch((err: Error) => this.logger.error({ split_id: s.id }, `resolving split failed: ${err.message}`));
    }
    const dueReturns = await this.splits.claimDueReturns(BATCH, LEASE_MS);
    for (const r of dueReturns) {
      if (this.isStopped) break;
      await this.splitsService
        .resolveReturn(r)
        .catch((err: Error) =>
          this.logger.error({ split_return_id: r.id }, `resolving split return failed: ${err.message}`),
        );
    }
    return { payments: due.length, refunds: dueRefunds.length, splits: dueSplits.length + dueReturns.length };
  }
}
