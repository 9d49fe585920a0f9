import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { newId } from '../../common/ids/ids.util';
import { PG_UNIQUE_VIOLATION, sqlState, withTransaction } from '../../database/transaction.util';
import type { MerchantContext } from '../auth/merchant-context';
import { MerchantsRepository } from '../merchants/merchants.repository';
import { MerchantErrors } from '../merchants/merchants.errors';
import { providerError } from '../providers/provider-errors';
import { ProviderRegistry } from '../providers/provider-registry';
import type { CardInput, Channel, ProviderOutcome } from '../providers/provider.port';
import { CardVaultService, VaultedCard } from '../vault/card-vault.service';
import { CapturePaymentDto, CreatePaymentDto } from './dto/create-payment.dto';
import { Payment } from './entities/payment.entity';
import { PaymentLifecycleService } from './payment-lifecycle.service';
import { providerOf } from './payment-ledger.util';
import type { TransitionCause } from './payment-state-machine';
import { PaymentErrors } from './payments.errors';
import { PaymentFilter, PaymentsRepository } from './payments.repository';
import { nextCheckAfter } from './resolver-schedule.util';

const DEFAULT_EXPIRES_IN_S = 7200;

export interface Caller {
  cause: Extract<TransitionCause, 'merchant' | 'admin'>;
  actor: string;
}

/**
 * Merchant-facing payment operations. Each follows "write intent, call the
 * provider, record the outcome": no transaction is open during a provider
 * call, and each step is safe to repeat.
 */
@Injectable()
export class PaymentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly payments: PaymentsRepository,
    private readonly merchants: MerchantsRepository,
    private readonly registry: ProviderRegistry,
    private readonly lifecycle: PaymentLifecycleService,
    private readonly vault: CardVaultService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(ctx: MerchantContext, dto: CreatePaymentDto): Promise<Payment> {
    const app = await this.merchants.findApp(ctx.appId);
    if (!app) throw MerchantErrors.appNotFound(ctx.appId);
    if (!app.channels.includes(dto.channel)) throw PaymentErrors.channelNotEnabled(dto.channel);
    const provider = this.registry.forChannel(dto.channel);
    if (!provider.supportsCurrency(dto.channel, dto.currency)) throw PaymentErrors.currencyNotSupported(dto.channel, dto.currency);
    this.checkChannelInput(dto);

    let vaulted: VaultedCard | undefined;
    if (dto.channel === 'card') {
      // Only cards look before inserting: vaulting is work a duplicate must not do. Elsewhere the unique key below decides.
      const existing = await this.payments.findByOutTradeNo(ctx.appId, dto.out_trade_no);
      if (existing) throw PaymentErrors.duplicateOutTradeNo(existing.id);
      vaulted = dto.card!.encrypted
        ? await this.vault.fromJwe(ctx.merchantId, dto.card!.encrypted)
        : await this.vault.fromToken(ctx.merchantId, dto.card!.token!);
    }

    const now = new Date();
    const payment = Object.assign(new Payment(), {
      id: newId('pay'),
      merchantId: ctx.merchantId,
      appId: ctx.appId,
      outTradeNo: dto.out_trade_no,
      channel: dto.channel,
      amount: BigInt(dto.amount),
      currency: dto.currency,
      status: 'pending' as const,
      subject: dto.subject,
      description: dto.description ?? null,
      captureMethod: dto.capture_method ?? 'automatic',
      amountCaptured: 0n,
      amountRefunded: 0n,
      amountRefundReserved: 0n,
      feeAmount: 0n,
      feeRefunded: 0n,
      metadata: dto.metadata ?? {},
      returnUrl: dto.return_url ?? null,
      payer: dto.payer?.openid ? { openid: dto.payer.openid } : null,
      card: vaulted?.view ?? null,
      nextAction: null,
      providerTransactionId: null,
      providerState: 'creating' as const,
      failureCode: null,
      failureMessage: null,
      lateSuccess: false,
      expiresAt: new Date(now.getTime() + (dto.expires_in ?? DEFAULT_EXPIRES_IN_S) * 1000),
      // If we crash before recording the provider's answer, the resolver picks it up.
      nextCheckAt: new Date(now.getTime() + 30_000),
      checkAttempts: 0,
      version: 0,
      succeededAt: null,
      closedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      // One INSERT is atomic on its own: no BEGIN/COMMIT round trips around it.
      await this.payments.insert(this.dataSource.manager, payment);
    } catch (err) {
      if (sqlState(err) !== PG_UNIQUE_VIOLATION) throw err;
      const winner = await this.payments.findByOutTradeNo(ctx.appId, dto.out_trade_no);
      throw PaymentErrors.duplicateOutTradeNo(winner?.id ?? 'unknown');
    }

    const outcome = await this.callProvider(() =>
      provider.createPayment({
        channel: dto.channel,
        providerOrderId: payment.id,
        amount: payment.amount,
        currency: payment.currency,
        subject: payment.subject,
        description: payment.description ?? undefined,
        expiresAt: payment.expiresAt,
        returnUrl: payment.returnUrl ?? undefined,
        notifyUrl: this.notifyUrl(dto.channel),
        payer: payment.payer ?? undefined,
        card: vaulted?.card as CardInput | undefined,
        captureMethod: payment.captureMethod,
      }),
    );
    return this.recordCreateOutcome(payment.id, payment.expiresAt, outcome);
  }

  private async recordCreateOutcome(paymentId: string, expiresAt: Date, outcome: ProviderOutcome): Promise<Payment> {
    // No status change: one UPDATE … RETURNING takes the row lock and writes, as lock-then-update in a transaction did.
    if (outcome.status === 'unknown') {
      // Never fail a payment blindly: the resolver asks the provider until it knows.
      return (await this.payments.updateReturning(paymentId, {
        providerState: 'unknown',
        nextCheckAt: nextCheckAfter(0, this.config.resolverBaseMs, expiresAt),
      }))!;
    }
    if (outcome.status === 'pending') {
      return (await this.payments.updateReturning(paymentId, {
        providerState: 'created',
        nextAction: outcome.nextAction ?? null,
        providerTransactionId: outcome.providerTransactionId ?? null,
        nextCheckAt: nextCheckAfter(0, this.config.resolverBaseMs, expiresAt),
      }))!;
    }
    return withTransaction(this.dataSource, async (m) => {
      const locked = (await this.payments.lock(m, paymentId))!;
      if (outcome.status === 'failed') {
        return this.lifecycle.moveTo(m, locked, 'failed', outcome, { cause: 'provider_response', detail: { provider_code: outcome.providerCode ?? null } });
      }
      return (await this.lifecycle.applyOutcome(m, locked, outcome, 'provider_response')).payment;
    });
  }

  async get(merchantId: string, id: string): Promise<Payment> {
    const p = await this.payments.findForMerchant(merchantId, id);
    if (!p) throw PaymentErrors.paymentNotFound(id);
    return p;
  }

  list(filter: PaymentFilter): Promise<Payment[]> {
    return this.payments.list(filter);
  }

  /** Close an unpaid payment at the provider, then here. A payment that got paid meanwhile is recorded as paid. */
  async close(merchantId: string, id: string, caller: Caller): Promise<Payment> {
    const payment = await this.get(merchantId, id);
    if (!['pending', 'requires_action', 'authorized'].includes(payment.status)) throw PaymentErrors.invalidState(id, payment.status, 'closed');
    const provider = this.registry.forChannel(payment.channel as Channel);
    const outcome = await this.callProvider(() => provider.close(payment.channel as Channel, payment.id));
    if (outcome.status === 'unknown' || outcome.status === 'failed') throw providerError(provider.name, outcome);
    return withTransaction(this.dataSource, async (m) => {
      const locked = (await this.payments.lock(m, payment.id))!;
      if (outcome.status !== 'closed') {
        const { payment: after } = await this.lifecycle.applyOutcome(m, locked, outcome, 'provider_response');
        throw PaymentErrors.invalidState(id, after.status, 'closed');
      }
      if (locked.status === 'closed') return locked;
      if (!['pending', 'requires_action', 'authorized'].includes(locked.status)) throw PaymentErrors.invalidState(id, locked.status, 'closed');
      return this.lifecycle.moveTo(m, locked, 'closed', outcome, { cause: caller.cause, actor: caller.actor });
    });
  }

  /** Capture an authorized card payment, in full or in part (the rest of the hold is released). */
  async capture(merchantId: string, id: string, dto: CapturePaymentDto, caller: Caller): Promise<Payment> {
    const payment = await this.get(merchantId, id);
    if (payment.status !== 'authorized') throw PaymentErrors.invalidState(id, payment.status, 'captured');
    const amount = dto.amount !== undefined ? BigInt(dto.amount) : payment.amount;
    if (amount > payment.amount) throw PaymentErrors.captureTooLarge();
    const provider = this.registry.forChannel(payment.channel as Channel);
    if (!provider.capture) throw PaymentErrors.invalidState(id, payment.status, 'captured');
    const outcome = await this.callProvider(() => provider.capture!(payment.id, amount, payment.currency));
    if (outcome.status !== 'succeeded') throw providerError(provider.name, outcome.status === 'failed' ? outcome : { ...outcome, status: 'unknown' });
    return withTransaction(this.dataSource, async (m) => {
      const locked = (await this.payments.lock(m, payment.id))!;
      if (locked.status === 'succeeded') return locked;
      return this.lifecycle.moveTo(
        m,
        locked,
        'succeeded',
        { ...outcome, capturedAmount: outcome.capturedAmount ?? amount },
        { cause: caller.cause, actor: caller.actor },
      );
    });
  }

  timeline(paymentId: string) {
    return this.payments.timeline(paymentId);
  }

  notifyUrl(channel: string): string {
    return `${this.config.publicBaseUrl}/callbacks/${providerOf(channel)}`;
  }

  /** An adapter that throws instead of returning an outcome is treated as "we do not know". */
  private async callProvider(call: () => Promise<ProviderOutcome>): Promise<ProviderOutcome> {
    try {
      return await call();
    } catch (err) {
      return { status: 'unknown', providerCode: 'adapter_error', providerMessage: (err as Error).message, retryable: true };
    }
  }

  private checkChannelInput(dto: CreatePaymentDto): void {
    if (dto.channel === 'wechat_jsapi' && !dto.payer?.openid) throw PaymentErrors.payerRequired();
    if (dto.channel === 'card' && !dto.card?.encrypted === !dto.card?.token) throw PaymentErrors.cardRequired();
    if (dto.channel !== 'card' && dto.card) throw PaymentErrors.cardNotAllowed();
    if (dto.channel !== 'card' && dto.capture_method === 'manual') throw PaymentErrors.captureMethodNotAllowed();
  }
}
