import { Inject, Injectable } from '@nestjs/common';
import { PollingWorker } from '../../common/workers/polling-worker';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { withTransaction } from '../../database/transaction.util';
import { ProviderRegistry } from '../providers/provider-registry';
import type { Channel, ProviderOutcome } from '../providers/provider.port';
import { Payment } from './entities/payment.entity';
import { Refund } from './entities/refund.entity';
import { PaymentLifecycleService } from './payment-lifecycle.service';
import { OPEN_PAYMENT_STATUSES } from './payment-state-machine';
import { PaymentsRepository } from './payments.repository';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';
import { nextCheckAfter } from './resolver-schedule.util';

const BATCH = 50;
const LEASE_MS = 60_000;

/**
 * The janitor (worker role): for every open payment and pending refund whose
 * check is due, ask the provider and apply its answer; close payments that
 * outlived `expires_at` at the provider first, then here. So no order stays
 * non-terminal because a callback never came (RELIABILITY F6, F7). Claims use
 * SKIP LOCKED and a lease, so several worker replicas share the work.
 */
@Injectable()
export class PaymentResolverWorker extends PollingWorker {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsRepository,
    private readonly registry: ProviderRegistry,
    private readonly lifecycle: PaymentLifecycleService,
    private readonly refundsService: RefundsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super(config.role, config.resolverPollMs, PaymentResolverWorker.name);
  }

  /** One pass; public so tests and the CLI can drive it deterministically. */
  async tick(): Promise<{ payments: number; refunds: number }> {
    const due = await this.payments.claimDue(BATCH, LEASE_MS);
    for (const p of due) {
      if (this.isStopped) break;
      await this.resolvePayment(p).catch((err: Error) => this.logger.error({ payment_id: p.id }, `resolving payment failed: ${err.message}`));
    }
    const dueRefunds = await this.refunds.claimDue(BATCH, LEASE_MS);
    for (const r of dueRefunds) {
      if (this.isStopped) break;
      await this.resolveRefund(r).catch((err: Error) => this.logger.error({ refund_id: r.id }, `resolving refund failed: ${err.message}`));
    }
    return { payments: due.length, refunds: dueRefunds.length };
  }

  async resolvePayment(p: Payment): Promise<void> {
    if (!OPEN_PAYMENT_STATUSES.includes(p.status)) {
      await withTransaction(this.dataSource, (m) => this.payments.update(m, p.id, { nextCheckAt: null }));
      return;
    }
    const provider = this.registry.forChannel(p.channel as Channel);
    const answer = await this.safe(() => provider.query(p.channel as Channel, p.id));
    if (['succeeded', 'failed', 'closed', 'authorized', 'requires_action'].includes(answer.status) && answer.status !== p.status) {
      await this.apply(p.id, answer, 'provider_query');
      return;
    }
    if (Date.now() >= p.expiresAt.getTime()) {
      // Expired: close at the provider first, so the payer cannot pay a payment we call closed.
      const closed = await this.safe(() => provider.close(p.channel as Channel, p.id));
      if (closed.status === 'closed') {
        await withTransaction(this.dataSource, async (m) => {
          const locked = (await this.payments.lock(m, p.id))!;
          if (OPEN_PAYMENT_STATUSES.includes(locked.status)) await this.lifecycle.moveTo(m, locked, 'closed', closed, { cause: 'expiry_sweeper' });
        });
        return;
      }
      if (closed.status === 'succeeded' || closed.status === 'failed') {
        await this.apply(p.id, closed, 'provider_query');
        return;
      }
    }
    await withTransaction(this.dataSource, (m) =>
      this.payments.update(m, p.id, { nextCheckAt: nextCheckAfter(p.checkAttempts + 1, this.config.resolverBaseMs, p.expiresAt), checkAttempts: p.checkAttempts + 1 }),
    );
  }

  private async apply(paymentId: string, outcome: ProviderOutcome, cause: 'provider_query'): Promise<void> {
    await withTransaction(this.dataSource, async (m) => {
      const locked = (await this.payments.lock(m, paymentId))!;
      await this.lifecycle.applyOutcome(m, locked, outcome, cause);
    });
  }

  async resolveRefund(r: Refund): Promise<void> {
    if (r.status !== 'pending') return;
    const payment = (await this.payments.findById(r.paymentId))!;
    if (r.providerState === 'creating') {
      // Never sent (a late-payment refund, or we crashed before sending): send it now; the refund id makes it idempotent.
      await this.refundsService.execute(r, payment);
      return;
    }
    const provider = this.registry.forChannel(payment.channel as Channel);
    let outcome;
    try {
      outcome = await provider.queryRefund(payment.channel as Channel, payment.id, r.id);
    } catch (err) {
      outcome = { status: 'unknown' as const, providerMessage: (err as Error).message };
    }
    if (outcome.status === 'unknown' && r.providerState === 'unknown') {
      // The provider has no such refund: our request never arrived. Send it again with the same id.
      await this.refundsService.execute(r, payment);
      return;
    }
    await this.refundsService.applyOutcome(r.id, outcome, 'provider_query');
  }

  private async safe(call: () => Promise<ProviderOutcome>): Promise<ProviderOutcome> {
    try {
      return await call();
    } catch (err) {
      return { status: 'unknown', providerMessage: (err as Error).message };
    }
  }
}
