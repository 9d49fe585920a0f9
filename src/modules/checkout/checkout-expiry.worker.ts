import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PollingWorker } from '../../common/workers/polling-worker';
import { withTransaction } from '../../persistence/transaction.util';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { PaymentsService } from '../payments/payments.service';
import { CheckoutLifecycleService } from './checkout-lifecycle.service';
import { CheckoutRepository } from './checkout.repository';

const BATCH = 50;

/**
 * Expires open sessions whose clock ran out (worker role), so the merchant
 * gets checkout_session.expired whether or not anyone opens the page again.
 * A session whose latest payment succeeded meanwhile (its payment.succeeded
 * not consumed yet) completes instead. Claims use SKIP LOCKED, so worker
 * replicas share the sweep.
 */
@Injectable()
export class CheckoutExpiryWorker extends PollingWorker {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: CheckoutRepository,
    private readonly lifecycle: CheckoutLifecycleService,
    private readonly payments: PaymentsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super(CheckoutExpiryWorker.name, { intervalMs: config.resolverPollMs });
  }

  protected override hasMore(swept: number): boolean {
    return swept >= BATCH;
  }

  /** One pass; answers how many sessions it ended. Public so tests can drive it. */
  tick(): Promise<number> {
    return withTransaction(this.dataSource, async (m) => {
      const due = await this.repo.claimExpired(m, new Date(), BATCH);
      for (const s of due) {
        const payment = s.paymentId ? await this.payments.get(s.merchantId, s.paymentId) : null;
        if (payment?.status === 'succeeded') await this.lifecycle.complete(s.id, payment.id, m);
        else await this.lifecycle.expire(s.id, m);
      }
      return due.length;
    });
  }
}
