import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { newId } from '../../common/ids/ids.util';
import { PG_UNIQUE_VIOLATION, sqlState, withTransaction } from '../../persistence/transaction.util';
import type { MerchantContext } from '../auth/merchant-context';
import { MerchantDirectory } from '../merchants/merchant-directory';
import { MerchantErrors } from '../merchants/merchants.errors';
import { providerError } from '../providers/provider-errors';
import { ProviderRegistry } from '../providers/provider-registry';
import {
  canCapture,
  checksFields,
  type CardInput,
  type Channel,
  type ProviderOutcome,
} from '../providers/provider.port';
import { CardVaultService, VaultedCard } from '../vault/card-vault.service';
import { CapturePaymentDto, CreatePaymentDto } from './dto/create-payment.dto';
import { Payment } from './entities/payment.entity';
import { PaymentLifecycleService } from './payment-lifecycle.service';
import { providerOf } from './payment-ledger.util';
import type { PaymentStatus, TransitionCause } from './payment-state-machine';
import { PaymentErrors } from './payments.errors';
import { ProviderAccountsService } from '../merchants/provider-accounts.service';
import { PaymentFilter, PaymentsRepository } from './payments.repository';
import { orderRefOf } from './provider-order-ref.util';
import { canSplit, type ProviderOrderRef } from '../providers/provider.port';
import { nextCheckAfter } from './resolution/resolver-schedule.util';

const DEFAULT_EXPIRES_IN_S = 7200;

/**
 * Channels whose create can be re-sent from the stored row alone. The others
 * need what is never stored: the payer's IP (wechat_h5), a one-time barcode
 * (alipay_barcode), card data or a processor PaymentMethod.
 */
const RESENDABLE_FROM_ROW = new Set<Channel>([
  'alipay_qr',
  'alipay_page',
  'alipay_wap',
  'alipay_app',
  'wechat_native',
  'wechat_jsapi',
  'wechat_app',
  'wechat_miniprogram',
]);

/** What a create's request carried that its row does not keep. */
interface CreateExtras {
  payer?: { openid?: string; ip?: string; auth_code?: string };
  card?: CardInput;
  paymentMethod?: string;
  /** Alipay direct mode: the token just read at create (later sends read it again, it may have been refreshed). */
  appAuthToken?: string;
}

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
    private readonly merchants: MerchantDirectory,
    private readonly registry: ProviderRegistry,
    private readonly lifecycle: PaymentLifecycleService,
    private readonly vault: CardVaultService,
    private readonly providerAccounts: ProviderAccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `idempotencyKey`: the key this request holds. It is stored on the row, so
   * a retry under it after a crash between the INSERT and the provider's
   * answer finds its own payment and completes it (API.md Idempotency)
   * instead of answering duplicate_out_trade_no.
   */
  async create(ctx: MerchantContext, dto: CreatePaymentDto, idempotencyKey?: string): Promise<Payment> {
    const app = await this.merchants.findApp(ctx.appId);
    if (!app) throw MerchantErrors.appNotFound(ctx.appId);
    if (!app.channels.includes(dto.channel)) throw PaymentErrors.channelNotEnabled(dto.channel);
    const provider = this.registry.forChannel(dto.channel);
    if (!provider.supportsCurrency(dto.channel, dto.currency))
      throw PaymentErrors.currencyNotSupported(dto.channel, dto.currency);
    this.checkChannelInput(dto);
    const violation = checksFields(provider)
      ? provider.checkFields({
          channel: dto.channel,
          amount: BigInt(dto.amount),
          subject: dto.subject,
          description: dto.description,
          notifyUrl: this.notifyUrl(dto.channel),
        })
      : undefined;
    if (violation) throw PaymentErrors.providerFieldInvalid(violation.field, violation.message);

    let vaulted: VaultedCard | undefined;
    if (dto.channel === 'card') {
      // Only cards look before inserting: vaulting is work a duplicate must not do. Elsewhere the unique key below decides.
      const existing = await this.payments.findByOutTradeNo(ctx.appId, dto.out_trade_no);
      if (existing && !isRetryOf(existing, dto, idempotencyKey)) throw PaymentErrors.duplicateOutTradeNo(existing.id);
      vaulted = dto.card!.encrypted
        ? await this.vault.fromJwe(ctx.merchantId, dto.card!.encrypted)
        : await this.vault.fromToken(ctx.merchantId, dto.card!.token!);
      if (existing) return this.resume(existing, extrasOf(dto, vaulted));
    }

    // Direct mode (docs/provider-accounts.md): the order is made for the merchant's own sub-merchant,
    // or (Alipay) under the merchant's authorisation, with the merchant as seller.
    const sub = dto.channel.startsWith('wechat_')
      ? await this.providerAccounts.wechatSubMerchant(ctx.merchantId)
      : undefined;
    const seller = dto.channel.startsWith('alipay_')
      ? await this.providerAccounts.alipaySeller(ctx.merchantId)
      : undefined;
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
      profitSharing: dto.profit_sharing ?? false,
      splitState: null,
      amountSplit: 0n,
      amountSplitReturned: 0n,
      feeAmount: 0n,
      feeRefunded: 0n,
      metadata: dto.metadata ?? {},
      returnUrl: dto.return_url ?? null,
      payer: dto.payer?.openid ? { openid: dto.payer.openid } : null,
      card: vaulted?.view ?? null,
      nextAction: null,
      providerTransactionId: null,
      subMchid: sub?.subMchid ?? null,
      subAppid: sub?.subAppid ?? null,
      authAppId: seller?.authAppId ?? null,
      moneyMode: sub || seller ? ('direct' as const) : ('collected' as const),
      providerState: 'creating' as const,
      createIdempotencyKey: idempotencyKey ?? null,
      failureCode: null,
      failureMessage: null,
      lateSuccess: false,
      expiresAt: new Date(now.getTime() + (dto.expires_in ?? DEFAULT_EXPIRES_IN_S) * 1000),
      // If we crash before recording the provider's answer, our retry completes it, or else the resolver after the grace.
      nextCheckAt: new Date(now.getTime() + this.config.resolverCreateGraceMs),
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
      if (winner && isRetryOf(winner, dto, idempotencyKey)) return this.resume(winner, extrasOf(dto, vaulted));
      throw PaymentErrors.duplicateOutTradeNo(winner?.id ?? 'unknown');
    }
    return this.sendCreate(payment, { ...extrasOf(dto, vaulted), appAuthToken: seller?.appAuthToken });
  }

  /** The payment as adapters address it (an Alipay direct trade: with the merchant's current token). */
  orderRef(payment: Payment): Promise<Payment & ProviderOrderRef> {
    return orderRefOf(payment, this.providerAccounts);
  }

  /**
   * The retry of a create whose first attempt died after its INSERT: send
   * the create again if its answer was never recorded (same out_trade_no,
   * which the provider deduplicates: the same QR code or prepay id comes
   * back), else answer with the payment as it is now.
   */
  private async resume(payment: Payment, extras: CreateExtras): Promise<Payment> {
    if (payment.status !== 'pending' || !['creating', 'unknown'].includes(payment.providerState)) return payment;
    return this.sendCreate(payment, extras);
  }

  /**
   * The resolver's way to finish a create that no retry finished: re-sent
   * from the stored row when the channel allows it; undefined when it needs
   * what only the request had (the resolver then closes the payment).
   */
  async resendCreate(payment: Payment): Promise<Payment | undefined> {
    if (!RESENDABLE_FROM_ROW.has(payment.channel)) return undefined;
    return this.sendCreate(payment, { payer: payment.payer?.openid ? { openid: payment.payer.openid } : undefined });
  }

  private async sendCreate(payment: Payment, extras: CreateExtras): Promise<Payment> {
    const channel = payment.channel;
    const provider = this.registry.forChannel(channel);
    const appAuthToken = payment.authAppId
      ? (extras.appAuthToken ?? (await this.orderRef(payment)).appAuthToken)
      : undefined;
    const outcome = await this.callProvider(() =>
      provider.createPayment({
        channel,
        providerOrderId: payment.id,
        amount: payment.amount,
        currency: payment.currency,
        subject: payment.subject,
        description: payment.description ?? undefined,
        expiresAt: payment.expiresAt,
        returnUrl: payment.returnUrl ?? undefined,
        notifyUrl: this.notifyUrl(channel),
        payer: extras.payer
          ? { openid: extras.payer.openid, ip: extras.payer.ip, authCode: extras.payer.auth_code }
          : undefined,
        card: extras.card,
        paymentMethod: channel === 'stripe_card' ? extras.paymentMethod : undefined,
        captureMethod: payment.captureMethod,
        subMerchant: payment.subMchid
          ? { subMchid: payment.subMchid, subAppid: payment.subAppid ?? undefined }
          : undefined,
        appAuthToken,
        ...(payment.profitSharing ? { profitSharing: true } : {}),
      }),
    );
    return this.recordCreateOutcome(payment.id, payment.expiresAt, outcome);
  }

  private async recordCreateOutcome(paymentId: string, expiresAt: Date, outcome: ProviderOutcome): Promise<Payment> {
    // No status change: one UPDATE … RETURNING takes the row lock and writes, as lock-then-update in a transaction did.
    // Only while the create's answer is still unrecorded: a re-sent create (a retry, the resolver) that lost the
    // race to a callback or to the other sender leaves the row as the winner wrote it.
    if (outcome.status === 'unknown') {
      // Never fail a payment blindly: the resolver asks the provider until it knows.
      return (
        (await this.payments.updateCreateOutcome(paymentId, {
          providerState: 'unknown',
          nextCheckAt: nextCheckAfter(0, this.config.resolverBaseMs, expiresAt),
        })) ?? (await this.payments.findById(paymentId))!
      );
    }
    if (outcome.status === 'pending') {
      return (
        (await this.payments.updateCreateOutcome(paymentId, {
          providerState: 'created',
          nextAction: outcome.nextAction ?? null,
          providerTransactionId: outcome.providerTransactionId ?? null,
          nextCheckAt: nextCheckAfter(0, this.config.resolverBaseMs, expiresAt),
        })) ?? (await this.payments.findById(paymentId))!
      );
    }
    return withTransaction(this.dataSource, async (m) => {
      const locked = (await this.payments.lock(m, paymentId))!;
      // Already decided (a callback, or the other of two senders): nothing to move.
      if (locked.status !== 'pending') return locked;
      if (outcome.status === 'failed') {
        return this.lifecycle.moveTo(m, locked, 'failed', outcome, {
          cause: 'provider_response',
          detail: { provider_code: outcome.providerCode ?? null },
        });
      }
      return (await this.lifecycle.applyOutcome(m, locked, outcome, 'provider_response')).payment;
    });
  }

  async get(merchantId: string, id: string): Promise<Payment> {
    const p = await this.payments.findForMerchant(merchantId, id);
    if (!p) throw PaymentErrors.paymentNotFound(id);
    return p;
  }

  /** Many payments' statuses at once, by id (no tenancy: callers hold ids they were given by their own rows). */
  statuses(ids: string[]): Promise<Map<string, PaymentStatus>> {
    return this.payments.statuses(ids);
  }

  list(filter: PaymentFilter): Promise<Payment[]> {
    return this.payments.list(filter);
  }

  /** Close an unpaid payment at the provider, then here. A payment that got paid meanwhile is recorded as paid. */
  async close(merchantId: string, id: string, caller: Caller): Promise<Payment> {
    const payment = await this.get(merchantId, id);
    if (!['pending', 'requires_action', 'authorized'].includes(payment.status))
      throw PaymentErrors.invalidState(id, payment.status, 'closed');
    const provider = this.registry.forChannel(payment.channel);
    const ref = await this.orderRef(payment);
    const outcome = await this.callProvider(() => provider.close(payment.channel, payment.id, ref));
    if (outcome.status === 'unknown' || outcome.status === 'failed') throw providerError(provider.name, outcome);
    return withTransaction(this.dataSource, async (m) => {
      const locked = (await this.payments.lock(m, payment.id))!;
      if (outcome.status !== 'closed') {
        const { payment: after } = await this.lifecycle.applyOutcome(m, locked, outcome, 'provider_response');
        throw PaymentErrors.invalidState(id, after.status, 'closed');
      }
      if (locked.status === 'closed') return locked;
      if (!['pending', 'requires_action', 'authorized'].includes(locked.status))
        throw PaymentErrors.invalidState(id, locked.status, 'closed');
      return this.lifecycle.moveTo(m, locked, 'closed', outcome, { cause: caller.cause, actor: caller.actor });
    });
  }

  /** Capture an authorized card payment, in full or in part (the rest of the hold is released). */
  async capture(merchantId: string, id: string, dto: CapturePaymentDto, caller: Caller): Promise<Payment> {
    const payment = await this.get(merchantId, id);
    if (payment.status !== 'authorized') throw PaymentErrors.invalidState(id, payment.status, 'captured');
    const amount = dto.amount !== undefined ? BigInt(dto.amount) : payment.amount;
    if (amount > payment.amount) throw PaymentErrors.captureTooLarge();
    const provider = this.registry.forChannel(payment.channel);
    if (!canCapture(provider)) throw PaymentErrors.invalidState(id, payment.status, 'captured');
    const outcome = await this.callProvider(() => provider.capture(payment.id, amount, payment.currency, payment));
    if (outcome.status !== 'succeeded')
      throw providerError(provider.name, outcome.status === 'failed' ? outcome : { ...outcome, status: 'unknown' });
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

  notifyUrl(channel: Channel): string {
    return `${this.config.publicBaseUrl}/callbacks/${providerOf(channel)}`;
  }

  /** An adapter that throws instead of returning an outcome is treated as "we do not know". */
  private async callProvider(call: () => Promise<ProviderOutcome>): Promise<ProviderOutcome> {
    try {
      return await call();
    } catch (err) {
      return {
        status: 'unknown',
        providerCode: 'adapter_error',
        providerMessage: (err as Error).message,
        retryable: true,
      };
    }
  }

  private checkChannelInput(dto: CreatePaymentDto): void {
    const cardRail = dto.channel === 'card' || dto.channel === 'stripe_card';
    if ((dto.channel === 'wechat_jsapi' || dto.channel === 'wechat_miniprogram') && !dto.payer?.openid)
      throw PaymentErrors.payerRequired(dto.channel, 'payer.openid');
    if (dto.channel === 'wechat_h5' && !dto.payer?.ip) throw PaymentErrors.payerRequired(dto.channel, 'payer.ip');
    if (dto.channel === 'alipay_barcode' && !dto.payer?.auth_code)
      throw PaymentErrors.payerRequired(dto.channel, 'payer.auth_code');
    if (dto.payer?.auth_code && dto.channel !== 'alipay_barcode') throw PaymentErrors.authCodeNotAllowed();
    if (dto.channel === 'card' && (!dto.card?.encrypted === !dto.card?.token || dto.card?.payment_method))
      throw PaymentErrors.cardRequired();
    // The processor holds the card: only its PaymentMethod id may come here, never card data or our tokens.
    if (dto.channel === 'stripe_card' && (!dto.card?.payment_method || dto.card.encrypted || dto.card.token))
      throw PaymentErrors.paymentMethodRequired();
    if (dto.channel === 'stripe_card' && !dto.return_url) throw PaymentErrors.returnUrlRequired();
    if (!cardRail && dto.card) throw PaymentErrors.cardNotAllowed();
    if (!cardRail && dto.capture_method === 'manual') throw PaymentErrors.captureMethodNotAllowed();
    // Only providers with profit sharing can freeze the money for splits; elsewhere the flag would promise nothing.
    if (dto.profit_sharing && !canSplit(this.registry.forChannel(dto.channel)))
      throw PaymentErrors.providerFieldInvalid('profit_sharing', `Channel ${dto.channel} has no profit sharing`);
  }
}

/** The same create again: the payment was inserted under this request's Idempotency-Key, with the same order. */
function isRetryOf(existing: Payment, dto: CreatePaymentDto, idempotencyKey: string | undefined): boolean {
  return (
    idempotencyKey !== undefined &&
    existing.createIdempotencyKey === idempotencyKey &&
    existing.channel === dto.channel &&
    existing.amount === BigInt(dto.amount) &&
    existing.currency === dto.currency
  );
}

function extrasOf(dto: CreatePaymentDto, vaulted: VaultedCard | undefined): CreateExtras {
  return {
    payer: dto.payer,
    card: vaulted?.card as CardInput | undefined,
    paymentMethod: dto.card?.payment_method,
  };
}
