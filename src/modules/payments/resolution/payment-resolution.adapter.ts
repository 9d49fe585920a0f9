import { Global, Injectable, Module } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  LedgerReference,
  PAYMENT_RESOLUTION,
  PaymentResolution,
  PaymentResolutionPort,
} from '../../settlements/payment-resolution.port';
import { PaymentResolutionService } from './payment-resolution.service';
import { OPEN_PAYMENT_STATUSES } from '../payment-state-machine';
import { PaymentsModule } from '../payments.module';
import { PaymentsRepository } from '../payments.repository';
import { SplitsRepository } from '../splits/splits.repository';

/**
 * Settlement's question "does this payment wait for its profit-sharing release?", and
 * reconciliation's way to settle "the provider says paid, we say pending":
 * the resolution service's query-and-apply step (the resolver worker's too), so the outcome goes through the
 * one lifecycle path (state change, ledger entry, event in one transaction).
 */
@Injectable()
export class PaymentResolutionAdapter implements PaymentResolutionPort {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly resolution: PaymentResolutionService,
    private readonly splits: SplitsRepository,
  ) {}

  heldFromSettlement(refs: readonly LedgerReference[], manager?: EntityManager): Promise<Set<string>> {
    return this.splits.heldFromSettlement(refs, manager);
  }

  async resolve(paymentId: string): Promise<PaymentResolution> {
    const payment = await this.payments.findById(paymentId);
    if (!payment) return { status: 'not_found' };
    if (OPEN_PAYMENT_STATUSES.includes(payment.status)) await this.resolution.resolvePayment(payment);
    const after = await this.payments.findById(paymentId);
    return { status: after?.status ?? 'not_found' };
  }
}

/** Global, so settlements can inject PAYMENT_RESOLUTION without importing PaymentsModule. */
@Global()
@Module({
  imports: [PaymentsModule],
  providers: [PaymentResolutionAdapter, { provide: PAYMENT_RESOLUTION, useExisting: PaymentResolutionAdapter }],
  exports: [PAYMENT_RESOLUTION],
})
export class PaymentResolutionModule {}
