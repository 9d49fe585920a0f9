import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { newId } from '../../../common/ids/ids.util';
import { PG_UNIQUE_VIOLATION, sqlState, withTransaction } from '../../../persistence/transaction.util';
import { LedgerService } from '../../ledger/ledger.service';
import { OutboxService } from '../../notifications/outbox.service';
import { ProviderRegistry } from '../../providers/provider-registry';
import type { RefundOutcome } from '../../providers/provider.port';
import { CreateRefundDto } from './dto/refund.dto';
import { Payment } from '../entities/payment.entity';
import { Refund } from '../entities/refund.entity';
import { RefundSource, isDirect, lateRefundEntry, refundSucceededEntry } from '../payment-ledger.util';
import { feeRefundFor } from '../payment-money.util';
import type { TransitionCause } from '../payment-state-machine';
import { PaymentErrors } from '../payments.errors';
import { toRefundResponse } from '../payments.mapper';
import { PaymentsRepository } from '../payments.repository';
import { RefundFilter, RefundsRepository } from './refunds.repository';
import { ProviderAccountsService } from '../../merchants/provider-accounts.service';
import { orderRefOf } from '../provider-order-ref.util';
import { nextCheckAfter } from '../resolution/resolver-schedule.util';

export interface RefundCaller {
  merchantId: string;
  appId: string;
  kind: 'merchant' | 'admin';
  actor: string;
}

/**
 * Refunds: the limit is taken with one conditional update on the payment
 * (never read-then-write), the provider is called outside any transaction
 * with our refund id as its idempotency key, and the outcome (ledger entry,
 * payment totals, event) commits in one transaction.
 */
@Injectable()
export class RefundsService {
  private readonly logger = new Logger(RefundsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly refunds: RefundsRepository,
    private readonly payments: PaymentsRepository,
    private readonly registry: ProviderRegistry,
    private readonly ledger: LedgerService,
    private readonly outbox: OutboxService,
    private readonly providerAccounts: ProviderAccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `audit` runs inside the reserving transaction, so an admin refund and its audit row commit together. */
  async create(
    caller: RefundCaller,
    dto: CreateRefundDto,
    audit?: (m: EntityManager, refund: Refund) => Promise<void>,
  ): Promise<Refund> {
    const payment = await this.payments.findForMerchant(caller.merchantId, dto.payment_id);
    if (!payment) throw PaymentErrors.paymentNotFound(dto.payment_id);
    if (payment.status !== 'succeeded') throw PaymentErrors.paymentNotRefundable(payment.id, payment.status);
    const existing = await this.refunds.findByOutRefundNo(caller.appId, dto.out_refund_no);
    if (existing) throw PaymentErrors.duplicateOutRefundNo(existing.id);
    const amount =
      dto.amount !== undefined ? BigInt(dto.amount) : payment.amountCaptured - payment.amountRefundReserved;
    if (amount <= 0n) throw PaymentErrors.refundTooLarge();

    const now = new Date();
    const refund = Object.assign(new Refund(), {
      id: newId('re'),
      merchantId: payment.merchantId,
      appId: caller.appId,
      paymentId: payment.id,
      outRefundNo: dto.out_refund_no,
      amount,
      currency: payment.currency,
      reason: dto.reason ?? null,
      status: 'pending' as const,
      kind: caller.kind,
      feeRefunded: 0n,
      providerRefundId: null,
      providerState: 'creating' as const,
      failureCode: null,
      failureMessage: null,
      attention: null,
      attentionSince: null,
      nextCheckAt: new Date(now.getTime() + 30_000),
      checkAttempts: 0,
      succeededAt: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await withTransaction(this.dataSource, async (m) => {
        if (!(await this.payments.reserveRefund(m, payment.id, amount))) throw PaymentErrors.refundTooLarge();
        await this.refunds.insert(m, refund);
        const locked = (await this.payments.findById(payment.id, m))!;
        await this.payments.addTimeline(m, locked, locked.status, locked.status, {
          cause: caller.kind,
          actor: caller.actor,
          refundId: refund.id,
          detail: { refund: 'requested', amount: amount.toString() },
        });
        if (audit) await audit(m, refund);
      });
    } catch (err) {
      if (sqlState(err) !== PG_UNIQUE_VIOLATION) throw err;
      const winner = await this.refunds.findByOutRefundNo(caller.appId, dto.out_refund_no);
      throw PaymentErrors.duplicateOutRefundNo(winner?.id ?? 'unknown');
    }
    return this.execute(refund, payment);
  }

  /** Sends the refund to the provider (again: the refund id is its idempotency key) and records the answer. */
  async execute(refund: Refund, payment: Payment): Promise<Refund> {
    const provider = this.registry.forChannel(payment.channel);
    let outcome: RefundOutcome;
    try {
      const { appAuthToken } = await orderRefOf(payment, this.providerAccounts);
      outcome = await provider.refund({
        channel: payment.channel,
        providerOrderId: payment.id,
        providerTransactionId: payment.providerTransactionId ?? undefined,
        providerRefundId: refund.id,
        amount: refund.amount,
        paymentAmount: refund.kind === 'late_success' ? refund.amount : payment.amountCaptured,
        currency: refund.currency,
        reason: refund.reason ?? undefined,
        notifyUrl: `${this.config.publicBaseUrl}/callbacks/${provider.name}`,
        subMchid: payment.subMchid ?? undefined,
        appAuthToken,
      });
    } catch (err) {
      outcome = {
        status: 'unknown',
        providerCode: 'adapter_error',
        providerMessage: (err as Error).message,
        retryable: true,
      };
    }
    return this.applyOutcome(refund.id, outcome, 'provider_response');
  }

  /** Records a provider's word about a refund; repeated or late news changes nothing. */
  async applyOutcome(
    refundId: string,
    outcome: RefundOutcome,
    cause: TransitionCause,
    actor?: string,
  ): Promise<Refund> {
    return withTransaction(this.dataSource, (m) => this.applyOutcomeIn(m, refundId, outcome, cause, actor));
  }

  async applyOutcomeIn(
    m: EntityManager,
    refundId: string,
    outcome: RefundOutcome,
    cause: TransitionCause,
    actor?: string,
  ): Promise<Refund> {
    // Lock order everywhere: payment, then refund.
    const peek = (await this.refunds.findById(refundId, m))!;
    const payment = (await this.payments.lock(m, peek.paymentId))!;
    const refund = (await this.refunds.lock(m, refundId))!;
    if (refund.status !== 'pending') return refund;
    const providerRefundId = outcome.providerRefundTransactionId ?? refund.providerRefundId;
    // A refund cannot complete before its payment here: wait (the callback path parks it) until the payment's success is applied.
    const early = outcome.status === 'succeeded' && payment.status !== 'succeeded' && refund.kind !== 'late_success';

    if (outcome.status === 'pending' || outcome.status === 'unknown' || early) {
      const changes: Partial<Refund> = {
        ...this.attentionChange(refund, outcome),
        providerState:
          outcome.status === 'pending'
            ? 'created'
            : refund.providerState === 'creating'
              ? 'unknown'
              : refund.providerState,
        providerRefundId,
        nextCheckAt: nextCheckAfter(refund.checkAttempts, this.config.resolverBaseMs),
        checkAttempts: refund.checkAttempts + 1,
      };
      await this.refunds.update(m, refund.id, changes);
      return Object.assign(refund, changes);
    }

    if (outcome.status === 'failed') {
      await this.refunds.transition(m, refund, 'failed', {
        providerRefundId,
        providerState: 'created',
        failureCode: outcome.providerCode ?? 'provider_declined',
        failureMessage: outcome.providerMessage ?? 'The provider refused the refund',
        attention: null,
        attentionSince: null,
        nextCheckAt: null,
      });
      const failed = Object.assign(refund, {
        status: 'failed' as const,
        failureCode: outcome.providerCode ?? 'provider_declined',
        failureMessage: outcome.providerMessage ?? 'The provider refused the refund',
        attention: null,
        attentionSince: null,
      });
      if (refund.kind !== 'late_success') {
        await this.payments.releaseRefund(m, payment.id, refund.amount);
        await this.event(m, 'refund.failed', failed);
      } else {
        this.logger.error(
          { refund_id: refund.id, payment_id: payment.id },
          'automatic refund of a late payment failed: money stays in late_payments_suspense for an operator',
        );
      }
      await this.payments.addTimeline(m, payment, payment.status, payment.status, {
        cause,
        actor,
        refundId: refund.id,
        detail: { refund: 'failed', provider_code: outcome.providerCode ?? null },
      });
      return failed;
    }

    // succeeded
    const now = new Date();
    let feeBack = 0n;
    if (refund.kind === 'late_success') {
      await this.ledger.post(m, lateRefundEntry(payment, refund));
    } else {
      feeBack = feeRefundFor(payment.feeAmount, payment.amountCaptured, payment.amountRefunded, refund.amount);
      await this.postRefund(m, payment, refund, feeBack, now);
      await this.payments.recordRefunded(m, payment.id, refund.amount, feeBack);
    }
    await this.refunds.transition(m, refund, 'succeeded', {
      providerRefundId,
      providerState: 'created',
      feeRefunded: feeBack,
      succeededAt: now,
      attention: null,
      attentionSince: null,
      nextCheckAt: null,
    });
    const succeeded = Object.assign(refund, {
      status: 'succeeded' as const,
      feeRefunded: feeBack,
      succeededAt: now,
      providerRefundId,
      attention: null,
      attentionSince: null,
    });
    if (refund.kind !== 'late_success') await this.event(m, 'refund.succeeded', succeeded);
    await this.payments.addTimeline(m, payment, payment.status, payment.status, {
      cause,
      actor,
      refundId: refund.id,
      detail: { refund: 'succeeded', amount: refund.amount.toString() },
    });
    return succeeded;
  }

  /**
   * A definite pending answer says whether an operator must act now (WeChat
   * ABNORMAL) or not (PROCESSING again, e.g. after apply-abnormal-refund); an
   * unknown one (a timeout, an unverifiable answer) changes nothing.
   */
  private attentionChange(refund: Refund, outcome: RefundOutcome): Partial<Refund> {
    if (outcome.status !== 'pending') return {};
    if (!outcome.needsOperator) return { attention: null, attentionSince: null };
    if (refund.attention === 'provider_abnormal') return {};
    this.logger.warn(
      { refund_id: refund.id, payment_id: refund.paymentId, provider_code: outcome.providerCode },
      'refund needs an operator: the provider could not pay it back (retry or resolve it in the admin API)',
    );
    return { attention: 'provider_abnormal', attentionSince: new Date() };
  }

  /**
   * The refund comes out of the merchant's pending balance, or out of the
   * available one once the payment was settled, or, when neither alone
   * covers it, out of both: all of pending, the rest from available. Each
   * try runs in a savepoint, so a refusal by the ledger's non-negative
   * constraint does not abort the transaction; the constraint, not the
   * balances read here, is what keeps an account from going negative (a
   * settlement moving money meanwhile makes the split fail and the refund is
   * tried again at its next check). If even both together fall short, the
   * last `insufficient_funds` propagates and the refund stays pending.
   */
  private async postRefund(
    m: EntityManager,
    payment: Payment,
    refund: Refund,
    feeBack: bigint,
    succeededAt: Date,
  ): Promise<void> {
    const post = (from: RefundSource) =>
      this.ledger.post(m, refundSucceededEntry(payment, refund, feeBack, from, succeededAt));
    // Direct mode: the provider paid it from the merchant's own account; no Paygrid balance of the merchant pays.
    if (isDirect(payment)) return void (await post('merchant_pending'));
    if (await this.tryPost(m, () => post('merchant_pending'))) return;
    if (await this.tryPost(m, () => post('merchant_available'))) return;
    const share = refund.amount - feeBack;
    const pendingBalance = await this.ledger.accountBalance(
      { code: 'merchant_pending', currency: refund.currency, merchantId: payment.merchantId },
      m,
    );
    const fromPending = pendingBalance > share ? share : pendingBalance > 0n ? pendingBalance : 0n;
    await post({ pending: fromPending, available: share - fromPending });
  }

  /** True when `fn` posted; false (rolled back to before it) when the ledger answered insufficient_funds. */
  private async tryPost(m: EntityManager, fn: () => Promise<unknown>): Promise<boolean> {
    await m.query('SAVEPOINT refund_posting');
    try {
      await fn();
      await m.query('RELEASE SAVEPOINT refund_posting');
      return true;
    } catch (err) {
      await m.query('ROLLBACK TO SAVEPOINT refund_posting');
      if ((err as { code?: string }).code !== 'insufficient_funds') throw err;
      return false;
    }
  }

  private async event(m: EntityManager, type: 'refund.succeeded' | 'refund.failed', refund: Refund): Promise<void> {
    await this.outbox.enqueue(m, {
      type,
      merchantId: refund.merchantId,
      appId: refund.appId,
      object: toRefundResponse(refund),
      aggregateId: refund.paymentId,
    });
  }

  async get(merchantId: string, id: string): Promise<Refund> {
    const r = await this.refunds.findForMerchant(merchantId, id);
    if (!r) throw PaymentErrors.refundNotFound(id);
    return r;
  }

  list(filter: RefundFilter): Promise<Refund[]> {
    return this.refunds.list(filter);
  }

  forPayment(paymentId: string): Promise<Refund[]> {
    return this.refunds.forPayment(paymentId);
  }
}
