import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { beforeCommit } from '../../persistence/transaction.util';
import { LedgerService, type JournalEntryInput } from '../ledger/ledger.service';
import { MerchantDirectory } from '../merchants/merchant-directory';
import { EventType, OutboxService } from '../notifications/outbox.service';
import type { ProviderOutcome } from '../providers/provider.port';
import { Payment } from './entities/payment.entity';
import type { ProviderCallback } from './entities/provider-callback.entity';
import { Refund } from './entities/refund.entity';
import { PaymentStatus, TransitionCause, canTransition, isTerminalPayment } from './payment-state-machine';
import { lateSuccessEntry, paymentCapturedEntry } from './payment-ledger.util';
import { feeFor } from './payment-money.util';
import { toPaymentResponse } from './payments.mapper';
import { PaymentsRepository, TransitionRecord } from './payments.repository';
import { RefundsRepository } from './refunds/refunds.repository';
import { RefundsService } from './refunds/refunds.service';

const EVENT_FOR: Partial<Record<PaymentStatus, Extract<EventType, `payment.${string}`>>> = {
  succeeded: 'payment.succeeded',
  failed: 'payment.failed',
  closed: 'payment.closed',
  authorized: 'payment.authorized',
};

export type ApplyResult = 'applied' | 'duplicate' | 'ignored' | 'late_success';

/**
 * The one place a payment changes status. Callers hold the payment's row
 * lock in `manager`'s transaction; the state change, its ledger entry and its
 * event commit together or not at all (DESIGN "Rules").
 */
@Injectable()
export class PaymentLifecycleService {
  private readonly logger = new Logger(PaymentLifecycleService.name);

  constructor(
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsRepository,
    private readonly merchants: MerchantDirectory,
    private readonly ledger: LedgerService,
    private readonly outbox: OutboxService,
    private readonly refundsService: RefundsService,
  ) {}

  /**
   * Applies what a provider said. Duplicates change nothing; a success after
   * close is accounted for as a late payment; anything the state machine
   * does not allow (a backward move) is ignored and logged.
   */
  async applyOutcome(
    manager: EntityManager,
    locked: Payment,
    outcome: ProviderOutcome,
    cause: TransitionCause,
    actor?: string,
  ): Promise<{ payment: Payment; result: ApplyResult }> {
    const record: TransitionRecord = {
      cause,
      actor,
      detail: outcome.providerCode
        ? { provider_code: outcome.providerCode, provider_message: outcome.providerMessage ?? null }
        : null,
    };
    const target = outcome.status;
    if (target === 'unknown') return { payment: locked, result: 'ignored' };

    if (target === 'pending') {
      const changes: Partial<Payment> = {};
      if (outcome.nextAction && !locked.nextAction) changes.nextAction = outcome.nextAction;
      if (outcome.providerTransactionId && !locked.providerTransactionId)
        changes.providerTransactionId = outcome.providerTransactionId;
      if (outcome.card) changes.card = { ...locked.card, ...outcome.card };
      if (Object.keys(changes).length > 0) await this.payments.update(manager, locked.id, changes);
      return { payment: Object.assign(locked, changes), result: 'ignored' };
    }

    if (locked.status === target) return { payment: locked, result: 'duplicate' };
    if (target === 'succeeded' && (locked.status === 'closed' || locked.status === 'failed')) {
      return { payment: await this.lateSuccess(manager, locked, outcome, record), result: 'late_success' };
    }
    if (isTerminalPayment(locked.status) || !canTransition(locked.status, target, cause)) {
      this.logger.warn(
        { payment_id: locked.id, from: locked.status, to: target, cause },
        'ignored a transition the state machine does not allow',
      );
      return { payment: locked, result: 'ignored' };
    }
    return { payment: await this.moveTo(manager, locked, target, outcome, record), result: 'applied' };
  }

  /** A status change the platform decides itself (merchant close, expiry) with the same guarantees. */
  async moveTo(
    manager: EntityManager,
    locked: Payment,
    to: PaymentStatus,
    outcome: Partial<ProviderOutcome>,
    record: TransitionRecord,
  ): Promise<Payment> {
    const now = new Date();
    const changes: Partial<Payment> = { nextCheckAt: null, providerState: 'created' };
    if (outcome.providerTransactionId) changes.providerTransactionId = outcome.providerTransactionId;
    // Processor-tokenized cards: the processor's view of the card and its 3-D Secure result.
    if (outcome.card) changes.card = { ...locked.card, ...outcome.card };
    if (to === 'requires_action') {
      changes.nextAction = outcome.nextAction ?? locked.nextAction;
      changes.nextCheckAt = locked.expiresAt;
    }
    if (to === 'authorized') changes.nextAction = null;
    if (to === 'failed') {
      changes.nextAction = null;
      changes.failureCode = outcome.providerCode ?? 'provider_declined';
      changes.failureMessage = outcome.providerMessage ?? 'The provider declined the payment';
    }
    if (to === 'closed') {
      changes.nextAction = null;
      changes.closedAt = now;
    }
    let capturedEntry: JournalEntryInput | undefined;
    if (to === 'succeeded') {
      const captured = outcome.capturedAmount ?? locked.amount;
      // From memory: no lookup inside the callback's transaction (a fee change applies within a second).
      const fee = feeFor(captured, await this.merchants.feeBpsOf(locked.merchantId));
      changes.nextAction = null;
      changes.succeededAt = now;
      changes.amountCaptured = captured;
      changes.feeAmount = fee;
      // Profit sharing: the money is frozen at the provider, open for splits until released.
      if (locked.profitSharing) changes.splitState = 'open';
      capturedEntry = paymentCapturedEntry(locked, captured, fee, now);
    }
    const updated = await this.payments.transition(manager, locked, to, changes, record);
    if (!updated) throw new Error(`payment ${locked.id} changed under its row lock`);
    const type = EVENT_FOR[to];
    if (type)
      await this.outbox.enqueue(manager, {
        type,
        merchantId: updated.merchantId,
        appId: updated.appId,
        object: toPaymentResponse(updated),
        aggregateId: updated.id,
      });
    if (capturedEntry) {
      // Posting locks the shared platform accounts until commit, so it comes last; only the parked refunds, which need its money, follow.
      // Callbacks are parked under the payment's row lock, which we hold: the list read before posting is the list after.
      // A parked refund result names a pending refund of this payment, and a refund exists only once its amount is
      // reserved on this row (reserveRefund): with nothing reserved there is nothing parked, and no lookup to make.
      const parked = locked.amountRefundReserved > 0n ? await this.payments.parkedCallbacks(manager, updated.id) : [];
      if (parked.length > 0) {
        await this.ledger.post(manager, capturedEntry);
        await this.applyParked(manager, parked);
      } else {
        // Nothing here needs the entry: post it right before COMMIT, after whatever the caller still writes.
        await beforeCommit(manager, () => this.ledger.post(manager, capturedEntry));
      }
    }
    return updated;
  }

  /**
   * Refund results that arrived before this payment's success (out of order)
   * were parked; now that it succeeded they are applied, in arrival order.
   */
  private async applyParked(manager: EntityManager, callbacks: ProviderCallback[]): Promise<void> {
    for (const parked of callbacks) {
      const cb = parked.parsed as {
        kind?: string;
        providerRefundId?: string;
        status?: 'succeeded' | 'failed' | 'pending';
        providerRefundTransactionId?: string;
      } | null;
      if (cb?.kind !== 'refund' || !cb.providerRefundId || !cb.status) continue;
      await this.refundsService.applyOutcomeIn(
        manager,
        cb.providerRefundId,
        { status: cb.status, providerRefundTransactionId: cb.providerRefundTransactionId },
        'provider_callback',
        parked.notificationId ?? undefined,
      );
      await this.payments.markCallback(manager, parked.id, 'applied', 'applied after the payment succeeded', true);
    }
  }

  /**
   * Decision (README "Late and duplicate provider news"): the payment stays
   * closed for the merchant, the money goes to a suspense account, and a
   * refund to the payer is started automatically. Nothing is dropped and the
   * ledger stays balanced.
   */
  private async lateSuccess(
    manager: EntityManager,
    locked: Payment,
    outcome: ProviderOutcome,
    record: TransitionRecord,
  ): Promise<Payment> {
    if (locked.lateSuccess) return locked;
    const amount = outcome.amount ?? locked.amount;
    await this.ledger.post(manager, lateSuccessEntry(locked, amount));
    await this.payments.update(manager, locked.id, {
      lateSuccess: true,
      providerTransactionId: outcome.providerTransactionId ?? locked.providerTransactionId,
    });
    const now = new Date();
    const refund: Refund = Object.assign(new Refund(), {
      id: newId('re'),
      merchantId: locked.merchantId,
      appId: locked.appId,
      paymentId: locked.id,
      outRefundNo: `late-${locked.id}`,
      amount,
      currency: locked.currency,
      reason: 'Automatic refund: the payer paid after the payment was closed',
      status: 'pending' as const,
      kind: 'late_success' as const,
      feeRefunded: 0n,
      providerRefundId: null,
      providerState: 'creating' as const,
      failureCode: null,
      failureMessage: null,
      attention: null,
      attentionSince: null,
      nextCheckAt: now,
      checkAttempts: 0,
      succeededAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.refunds.insert(manager, refund);
    await this.payments.addTimeline(manager, locked, locked.status, locked.status, {
      ...record,
      refundId: refund.id,
      detail: { ...(record.detail ?? {}), late_success: true, amount: amount.toString() },
    });
    this.logger.warn(
      { payment_id: locked.id, refund_id: refund.id },
      'late success after close: held in suspense, automatic refund started',
    );
    return Object.assign(locked, { lateSuccess: true });
  }
}
