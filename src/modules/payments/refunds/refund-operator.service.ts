import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { serviceUnavailable } from '../../../common/errors/domain-error';
import { withTransaction } from '../../../persistence/transaction.util';
import { ProviderRegistry } from '../../providers/provider-registry';
import { canRetryAbnormalRefund } from '../../providers/provider.port';
import type { AbnormalRefundRetry, RefundOutcome } from '../../providers/provider.port';
import { Refund } from '../entities/refund.entity';
import { PaymentErrors } from '../payments.errors';
import { PaymentsRepository } from '../payments.repository';
import { RetryAbnormalRefundDto, ResolveRefundDto } from './dto/refund-operator.dto';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';

/** Writes the audit row inside the transaction that changes the refund (before: as it was). */
export type RefundAudit = (m: EntityManager, before: Refund, after: Refund) => Promise<void>;

/**
 * What an operator does with a refund flagged for them (WeChat ABNORMAL: the
 * payer's account could not take the money, the refund stays pending and the
 * ledger has not moved). Either it goes to WeChat again through
 * apply-abnormal-refund, or the operator settles it by hand after checking the
 * merchant platform. Both go through RefundsService.applyOutcomeIn, so the
 * ledger posts a success exactly once, and a failure releases the amount.
 */
@Injectable()
export class RefundOperatorService {
  private readonly logger = new Logger(RefundOperatorService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly refunds: RefundsRepository,
    private readonly payments: PaymentsRepository,
    private readonly registry: ProviderRegistry,
    private readonly refundsService: RefundsService,
  ) {}

  private async flagged(id: string): Promise<Refund> {
    const refund = await this.refunds.findById(id);
    if (!refund) throw PaymentErrors.refundNotFound(id);
    if (refund.status !== 'pending' || !refund.attention)
      throw PaymentErrors.refundNotAwaitingOperator(id, refund.status);
    return refund;
  }

  /**
   * Locks payment then refund (the order used everywhere) and checks again that
   * the refund still waits for an operator: the resolver or a notification may
   * have settled it since it was read.
   */
  private async lockFlagged(m: EntityManager, refund: Refund): Promise<Refund> {
    await this.payments.lock(m, refund.paymentId);
    const locked = (await this.refunds.lock(m, refund.id))!;
    if (locked.status !== 'pending' || !locked.attention)
      throw PaymentErrors.refundNotAwaitingOperator(locked.id, locked.status);
    return locked;
  }

  async retryAbnormal(id: string, dto: RetryAbnormalRefundDto, actor: string, audit: RefundAudit): Promise<Refund> {
    const bankFields = [dto.bank_type, dto.bank_account, dto.real_name];
    if (dto.type === 'USER_BANK_CARD' && bankFields.some((v) => v === undefined))
      throw PaymentErrors.bankCardRequired();
    if (dto.type === 'MERCHANT_BANK_CARD' && bankFields.some((v) => v !== undefined))
      throw PaymentErrors.bankCardNotAllowed();
    const refund = await this.flagged(id);
    const payment = (await this.payments.findById(refund.paymentId))!;
    const provider = this.registry.forChannel(payment.channel);
    if (!canRetryAbnormalRefund(provider) || !refund.providerRefundId)
      throw PaymentErrors.abnormalRetryUnsupported(payment.channel);
    const target: AbnormalRefundRetry['target'] =
      dto.type === 'USER_BANK_CARD'
        ? { type: 'USER_BANK_CARD', bankType: dto.bank_type!, bankAccount: dto.bank_account!, realName: dto.real_name! }
        : { type: 'MERCHANT_BANK_CARD' };
    let outcome: RefundOutcome;
    try {
      outcome = await provider.retryAbnormalRefund({
        providerOrderId: payment.id,
        providerRefundId: refund.id,
        providerRefundTransactionId: refund.providerRefundId,
        // A direct-mode (service-provider) merchant's refund is retried under its sub_mchid, as it was made.
        ...(payment.subMchid ? { subMchid: payment.subMchid } : {}),
        target,
      });
    } catch (err) {
      outcome = { status: 'unknown', providerCode: 'adapter_error', providerMessage: (err as Error).message };
    }
    // A refused retry is not a refused refund: the refund stays pending and flagged, nothing changes.
    if (outcome.status === 'failed') {
      this.logger.warn(
        { refund_id: refund.id, provider_code: outcome.providerCode },
        'abnormal refund retry refused by the provider',
      );
      throw PaymentErrors.providerRefusedRetry(outcome.providerCode ?? 'unknown', outcome.providerMessage ?? '');
    }
    if (outcome.status === 'unknown')
      throw serviceUnavailable(
        'The provider gave no usable answer; the refund is unchanged (its next check will see whether the retry arrived)',
        5,
      );
    return withTransaction(this.dataSource, async (m) => {
      const before = { ...(await this.lockFlagged(m, refund)) };
      const after = await this.refundsService.applyOutcomeIn(m, refund.id, outcome, 'admin', actor);
      await audit(m, before, after);
      return after;
    });
  }

  async resolve(id: string, dto: ResolveRefundDto, actor: string, audit: RefundAudit): Promise<Refund> {
    const refund = await this.flagged(id);
    const outcome: RefundOutcome =
      dto.outcome === 'succeeded'
        ? { status: 'succeeded', providerCode: 'resolved_by_operator' }
        : { status: 'failed', providerCode: 'resolved_by_operator', providerMessage: dto.reason };
    return withTransaction(this.dataSource, async (m) => {
      const before = { ...(await this.lockFlagged(m, refund)) };
      const after = await this.refundsService.applyOutcomeIn(m, refund.id, outcome, 'admin', actor);
      await audit(m, before, after);
      return after;
    });
  }
}
