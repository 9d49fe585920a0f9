import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '../../../common/ids/ids.util';
import { withTransaction } from '../../../persistence/transaction.util';
import { callbackMismatches } from '../../providers/provider-outcome.util';
import { ProviderRegistry } from '../../providers/provider-registry';
import type { CallbackAnswer, CallbackRequest, ParsedCallback, ProviderName } from '../../providers/provider.port';
import { ProviderCallback } from '../entities/provider-callback.entity';
import { PaymentLifecycleService } from '../payment-lifecycle.service';
import { PaymentsRepository } from '../payments.repository';
import { RefundsRepository } from '../refunds/refunds.repository';
import { RefundsService } from '../refunds/refunds.service';

/** JSON-safe copy of a parsed callback (bigints as strings) for the raw-callback log. */
const plain = (cb: ParsedCallback): Record<string, unknown> =>
  JSON.parse(JSON.stringify({ ...cb, raw: undefined }, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));

/**
 * Incoming provider callbacks (CONVENTIONS "Providers"): verify the signature
 * before reading anything, store the raw callback, check it against the
 * order, apply it idempotently through the payment lifecycle, and answer in
 * the provider's format. A refund result for a payment we have not yet seen
 * succeed is parked and applied right after the payment's success.
 */
@Injectable()
export class ProviderCallbacksService {
  private readonly logger = new Logger(ProviderCallbacksService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ProviderRegistry,
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsRepository,
    private readonly lifecycle: PaymentLifecycleService,
    private readonly refundsService: RefundsService,
  ) {}

  async handle(providerName: ProviderName, req: CallbackRequest): Promise<CallbackAnswer> {
    const provider = this.registry.forProvider(providerName);
    if (!provider) return { status: 404, contentType: 'text/plain', body: 'unknown provider' };
    const parsed = await provider
      .parseCallback(req)
      .catch(() => ({ ok: false as const, reason: 'malformed' as const }));
    const record: ProviderCallback = {
      id: newId('cb'),
      provider: providerName,
      notificationId: parsed.ok ? parsed.callback.notificationId : null,
      providerOrderId: parsed.ok ? parsed.callback.providerOrderId : null,
      verified: parsed.ok,
      outcome: parsed.ok ? 'received' : `rejected_${parsed.reason}`,
      detail: null,
      rawBody: req.rawBody.toString('utf8').slice(0, 65_536),
      parsed: parsed.ok ? plain(parsed.callback) : null,
      receivedAt: new Date(),
      appliedAt: null,
    };
    await this.payments.saveCallback(undefined, record);
    if (!parsed.ok && parsed.reason === 'not_tracked') return provider.callbackAnswer(true);
    if (!parsed.ok) {
      this.logger.warn(
        { provider: providerName, reason: parsed.reason, callback_id: record.id },
        'refused an unverified provider callback',
      );
      return provider.callbackAnswer(false);
    }
    const accepted = await withTransaction(this.dataSource, (m) => this.apply(m, record.id, parsed.callback));
    return provider.callbackAnswer(accepted);
  }

  /** Returns whether the provider may stop resending (applied, duplicate or parked). */
  private async apply(m: EntityManager, callbackId: string, cb: ParsedCallback): Promise<boolean> {
    const payment = await this.payments.lock(m, cb.providerOrderId);
    if (!payment) {
      await this.payments.markCallback(
        m,
        callbackId,
        'rejected_unknown_order',
        `no payment ${cb.providerOrderId}`,
        false,
      );
      this.logger.error(
        { callback_id: callbackId, provider_order_id: cb.providerOrderId },
        'verified callback for an unknown order',
      );
      return false;
    }
    if (cb.kind === 'payment') {
      const mismatches = callbackMismatches(cb, {
        providerOrderId: payment.id,
        amount: payment.amount,
        currency: payment.currency,
        subMchid: payment.subMchid,
        authAppId: payment.authAppId,
      });
      if (mismatches.length > 0) {
        // Never believed: the money or currency is not what was ordered. An operator must look.
        await this.payments.markCallback(m, callbackId, 'rejected_mismatch', mismatches.join(','), false);
        this.logger.error(
          { callback_id: callbackId, payment_id: payment.id, mismatches },
          'ALERT: provider callback does not match the order',
        );
        return false;
      }
      const { result } = await this.lifecycle.applyOutcome(
        m,
        payment,
        {
          status: cb.status,
          providerTransactionId: cb.providerTransactionId,
          amount: cb.amount,
          currency: cb.currency,
          capturedAmount: cb.capturedAmount,
          card: cb.card,
        },
        'provider_callback',
        cb.notificationId,
      );
      await this.payments.markCallback(m, callbackId, result, null, result !== 'ignored');
      return true;
    }

    const refund = await this.refunds.findById(cb.providerRefundId, m);
    if (!refund || refund.paymentId !== payment.id) {
      await this.payments.markCallback(
        m,
        callbackId,
        'rejected_unknown_refund',
        `no refund ${cb.providerRefundId} on ${payment.id}`,
        false,
      );
      return false;
    }
    const mismatches = callbackMismatches(cb, {
      providerOrderId: payment.id,
      amount: refund.kind === 'late_success' ? refund.amount : payment.amountCaptured,
      currency: payment.currency,
      subMchid: payment.subMchid,
      authAppId: payment.authAppId,
    });
    if (mismatches.length > 0 || (cb.amount !== undefined && cb.amount !== refund.amount)) {
      await this.payments.markCallback(m, callbackId, 'rejected_mismatch', mismatches.join(',') || 'amount', false);
      this.logger.error(
        { callback_id: callbackId, refund_id: refund.id },
        'ALERT: refund callback does not match the refund',
      );
      return false;
    }
    if (payment.status !== 'succeeded' && refund.kind !== 'late_success') {
      // Out of order: hold it until the payment's success is applied.
      await this.payments.markCallback(m, callbackId, 'parked', 'payment not succeeded yet', false);
      return true;
    }
    const before = { status: refund.status, attention: refund.attention };
    const after = await this.refundsService.applyOutcomeIn(
      m,
      refund.id,
      {
        status: cb.status,
        providerRefundTransactionId: cb.providerRefundTransactionId,
        providerCode: cb.providerCode,
        needsOperator: cb.needsOperator,
      },
      'provider_callback',
      cb.notificationId,
    );
    // An ABNORMAL notification changes no status but flags the refund: that is news, not a duplicate.
    const changed = before.status !== after.status || before.attention !== after.attention;
    await this.payments.markCallback(m, callbackId, changed ? 'applied' : 'duplicate', null, changed);
    return true;
  }
}
