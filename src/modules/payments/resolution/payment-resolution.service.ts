import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { withTransaction } from '../../../persistence/transaction.util';
import { ProviderRegistry } from '../../providers/provider-registry';
import type { ProviderOutcome } from '../../providers/provider.port';
import { Payment } from '../entities/payment.entity';
import { Refund } from '../entities/refund.entity';
import { PaymentLifecycleService } from '../payment-lifecycle.service';
import { OPEN_PAYMENT_STATUSES } from '../payment-state-machine';
import { PaymentsRepository } from '../payments.repository';
import { PaymentsService } from '../payments.service';
import { RefundsService } from '../refunds/refunds.service';
import { nextCheckAfter } from './resolver-schedule.util';

/**
 * Asks the provider about one open payment or pending refund and applies its
 * answer through the one lifecycle path (state change, ledger entry, event in
 * one transaction). The resolver worker calls it for every due row;
 * reconciliation calls it (through the PAYMENT_RESOLUTION port) for a payment
 * the provider says is paid while we still say pending.
 */
@Injectable()
export class PaymentResolutionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly payments: PaymentsRepository,
    private readonly registry: ProviderRegistry,
    private readonly lifecycle: PaymentLifecycleService,
    private readonly refundsService: RefundsService,
    private readonly paymentsService: PaymentsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async resolvePayment(p: Payment): Promise<void> {
    if (!OPEN_PAYMENT_STATUSES.includes(p.status)) {
      await withTransaction(this.dataSource, (m) => this.payments.update(m, p.id, { nextCheckAt: null }));
      return;
    }
    const provider = this.registry.forChannel(p.channel);
    if (p.providerState === 'creating' && p.status === 'pending' && (await this.finishCreate(p))) return;
    // The create's answer was lost (a timeout, a 5xx): the client got a pending payment with nothing to show the
    // payer, and a query can only say the order exists, not give back its QR code or redirect. Re-sending it (same
    // out_trade_no, which the provider deduplicates) does, for channels the row suffices for; the others are queried.
    if (p.providerState === 'unknown' && p.status === 'pending' && !p.nextAction) {
      const resent = await this.paymentsService.resendCreate(p);
      if (resent && resent.providerState !== 'unknown') return;
    }
    // Inside safe(): a token that cannot be read or refreshed now is an unknown answer, asked again later.
    const ref = () => this.paymentsService.orderRef(p);
    const answer = await this.safe(async () => provider.query(p.channel, p.id, await ref()));
    if (
      ['succeeded', 'failed', 'closed', 'authorized', 'requires_action'].includes(answer.status) &&
      answer.status !== p.status
    ) {
      await this.apply(p.id, answer, 'provider_query');
      return;
    }
    if (Date.now() >= p.expiresAt.getTime()) {
      // Expired: close at the provider first, so the payer cannot pay a payment we call closed.
      const closed = await this.safe(async () => provider.close(p.channel, p.id, await ref()));
      if (closed.status === 'closed') {
        await withTransaction(this.dataSource, async (m) => {
          const locked = (await this.payments.lock(m, p.id))!;
          if (OPEN_PAYMENT_STATUSES.includes(locked.status))
            await this.lifecycle.moveTo(m, locked, 'closed', closed, { cause: 'expiry_sweeper' });
        });
        return;
      }
      if (closed.status === 'succeeded' || closed.status === 'failed') {
        await this.apply(p.id, closed, 'provider_query');
        return;
      }
    }
    await withTransaction(this.dataSource, (m) =>
      this.payments.update(m, p.id, {
        nextCheckAt: nextCheckAfter(p.checkAttempts + 1, this.config.resolverBaseMs, p.expiresAt),
        checkAttempts: p.checkAttempts + 1,
      }),
    );
  }

  /**
   * A create whose process died between the INSERT and the provider's answer
   * (RESOLVER_CREATE_GRACE_MS passed and no retry came): re-send it from the
   * row, same out_trade_no, which the provider deduplicates. A channel that
   * needs what only the request had (card data, the payer's IP, a barcode)
   * is asked instead; if the provider never got it, the payment is closed,
   * at the provider too, so nothing stays unpayable and open. True when done.
   */
  private async finishCreate(p: Payment): Promise<boolean> {
    const resent = await this.paymentsService.resendCreate(p);
    if (resent) return resent.providerState !== 'unknown';
    const provider = this.registry.forChannel(p.channel);
    const ref = () => this.paymentsService.orderRef(p);
    const answer = await this.safe(async () => provider.query(p.channel, p.id, await ref()));
    if (['succeeded', 'failed', 'closed', 'authorized', 'requires_action'].includes(answer.status)) {
      await this.apply(p.id, answer, 'provider_query');
      return true;
    }
    // Anything but "no such order" is a provider we cannot read now: the next attempt asks again.
    const neverArrived = answer.status === 'pending' || (answer.status === 'unknown' && answer.retryable === true);
    if (!neverArrived) return false;
    const closed = await this.safe(async () => provider.close(p.channel, p.id, await ref()));
    if (closed.status === 'succeeded' || closed.status === 'authorized') {
      await this.apply(p.id, closed, 'provider_query');
      return true;
    }
    await withTransaction(this.dataSource, async (m) => {
      const locked = (await this.payments.lock(m, p.id))!;
      if (locked.status !== 'pending' || locked.providerState !== 'creating') return;
      await this.lifecycle.moveTo(
        m,
        locked,
        'closed',
        {
          status: 'closed',
          providerCode: 'create_interrupted',
          providerMessage: 'the create never reached the provider',
        },
        { cause: 'provider_query', detail: { provider_code: 'create_interrupted' } },
      );
    });
    return true;
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
    const provider = this.registry.forChannel(payment.channel);
    let outcome;
    try {
      outcome = await provider.queryRefund(
        payment.channel,
        payment.id,
        r.id,
        await this.paymentsService.orderRef(payment),
      );
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
