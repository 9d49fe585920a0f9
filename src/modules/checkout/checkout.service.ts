import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { newId } from '../../common/ids/ids.util';
import { PG_UNIQUE_VIOLATION, sqlState } from '../../persistence/transaction.util';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { PlatformKeysService } from '../auth/platform-keys.service';
import type { MerchantContext } from '../auth/merchant-context';
import { MerchantErrors } from '../merchants/merchants.errors';
import { MerchantDirectory } from '../merchants/merchant-directory';
import type { Payment } from '../payments/entities/payment.entity';
import { PaymentsService } from '../payments/payments.service';
import { ProviderRegistry } from '../providers/provider-registry';
import { isChannel, type Channel } from '../providers/provider.port';
import { CHECKOUT_CONFIG, CheckoutConfig } from './checkout.config';
import { attemptOutTradeNo } from './checkout-attempt.util';
import { CashierStatus, cashierStatus } from './cashier-status.util';
import { CheckoutLifecycleService } from './checkout-lifecycle.service';
import { CheckoutErrors } from './checkout.errors';
import { cashierUrl } from './checkout.mapper';
import { CheckoutRepository } from './checkout.repository';
import type { CreateCheckoutSessionDto, CreateCounterCodeDto } from './dto/checkout.dto';
import { CheckoutSession } from './entities/checkout-session.entity';
import { CounterCode } from './entities/counter-code.entity';
import { CASHIER_CHANNELS } from './payer-app.util';
import { signedReturnUrl } from './return-signature.util';
import { WechatOauthClient } from './wechat-oauth.client';

const DEFAULT_SESSION_S = 1800;
/** A counter code's session: long enough to pay, short enough that an abandoned one does not linger. */
const COUNTER_SESSION_S = 900;

export interface SessionState {
  session: CheckoutSession;
  payment: Payment | null;
}

/**
 * Checkout sessions: the merchant creates one, the payer's page (cashier)
 * starts a payment per choice of channel through PaymentsService, exactly as
 * a merchant's own server would, and the session completes with the first
 * payment that succeeds.
 */
@Injectable()
export class CheckoutService {
  readonly oauth: WechatOauthClient | undefined;

  constructor(
    private readonly repo: CheckoutRepository,
    private readonly lifecycle: CheckoutLifecycleService,
    private readonly merchants: MerchantDirectory,
    private readonly payments: PaymentsService,
    private readonly registry: ProviderRegistry,
    private readonly platformKeys: PlatformKeysService,
    @Inject(CHECKOUT_CONFIG) readonly cfg: CheckoutConfig,
    @Inject(APP_CONFIG) appConfig: AppConfig,
  ) {
    this.oauth = cfg.wechatOauth && new WechatOauthClient(cfg.wechatOauth, appConfig.providerTimeoutMs);
  }

  sessionUrl(id: string): string {
    return cashierUrl(this.cfg.publicBaseUrl, id);
  }

  counterCodeUrl(id: string): string {
    return `${this.cfg.publicBaseUrl}/checkout/counter/${id}`;
  }

  get sandbox(): boolean {
    return this.cfg.sandboxBaseUrl !== undefined;
  }

  /** Channels this install's cashier can run: configured, known, and (JSAPI) with the OAuth step configured. */
  private runnable(): Channel[] {
    return CASHIER_CHANNELS.filter(
      (c) => this.registry.hasChannel(c) && (c !== 'wechat_jsapi' || this.oauth !== undefined),
    );
  }

  private async offeredChannels(appId: string, currency: string, requested?: string[]): Promise<string[]> {
    const app = await this.merchants.findApp(appId);
    if (!app) throw MerchantErrors.appNotFound(appId);
    const runnable: readonly string[] = this.runnable();
    const isRunnable = (c: string): c is Channel => runnable.includes(c);
    let offered: Channel[];
    if (requested) {
      for (const c of requested) {
        if (!(app.channels as string[]).includes(c)) throw CheckoutErrors.channelNotEnabled(c);
        if (!isRunnable(c)) throw CheckoutErrors.channelNotOffered(c);
      }
      offered = requested.filter(isRunnable);
    } else {
      offered = app.channels.filter(isRunnable);
    }
    if (offered.length === 0) throw CheckoutErrors.noChannels();
    for (const c of offered)
      if (!this.registry.forChannel(c).supportsCurrency(c, currency))
        throw CheckoutErrors.currencyNotSupported(c, currency);
    return offered;
  }

  async createSession(ctx: MerchantContext, dto: CreateCheckoutSessionDto): Promise<CheckoutSession> {
    const channels = await this.offeredChannels(ctx.appId, dto.currency, dto.channels);
    const now = new Date();
    const session = this.newSession(ctx, {
      outTradeNo: dto.out_trade_no,
      amount: BigInt(dto.amount),
      currency: dto.currency,
      subject: dto.subject,
      channels,
      returnUrl: dto.return_url ?? null,
      expiresAt: new Date(now.getTime() + (dto.expires_in ?? DEFAULT_SESSION_S) * 1000),
      now,
    });
    try {
      await this.repo.insertSession(session);
    } catch (err) {
      if (sqlState(err) !== PG_UNIQUE_VIOLATION) throw err;
      const winner = await this.repo.findSessionByOutTradeNo(ctx.appId, dto.out_trade_no);
      throw CheckoutErrors.duplicateOutTradeNo(winner?.id ?? 'unknown');
    }
    return session;
  }

  private newSession(
    ctx: Pick<MerchantContext, 'merchantId' | 'appId'>,
    f: Pick<
      CheckoutSession,
      'outTradeNo' | 'amount' | 'currency' | 'subject' | 'channels' | 'returnUrl' | 'expiresAt'
    > & {
      now: Date;
      id?: string;
      counterCodeId?: string;
    },
  ): CheckoutSession {
    return Object.assign(new CheckoutSession(), {
      id: f.id ?? newId('cs'),
      merchantId: ctx.merchantId,
      appId: ctx.appId,
      outTradeNo: f.outTradeNo,
      amount: f.amount,
      currency: f.currency,
      subject: f.subject,
      channels: f.channels,
      returnUrl: f.returnUrl,
      status: 'open' as const,
      paymentId: null,
      attempts: 0,
      counterCodeId: f.counterCodeId ?? null,
      expiresAt: f.expiresAt,
      completedAt: null,
      createdAt: f.now,
      updatedAt: f.now,
    });
  }

  async getSession(merchantId: string, id: string): Promise<CheckoutSession> {
    const s = await this.repo.findSessionForMerchant(merchantId, id);
    if (!s) throw CheckoutErrors.sessionNotFound(id);
    return (await this.refresh(s)).session;
  }

  async listSessions(merchantId: string, limit: number, startingAfter?: string): Promise<CheckoutSession[]> {
    const rows = await this.repo.listSessions(merchantId, limit, startingAfter);
    return Promise.all(rows.map(async (s) => (await this.refresh(s)).session));
  }

  async createCounterCode(ctx: MerchantContext, dto: CreateCounterCodeDto): Promise<CounterCode> {
    const channels = await this.offeredChannels(ctx.appId, dto.currency, dto.channels);
    const code = Object.assign(new CounterCode(), {
      id: newId('cc'),
      merchantId: ctx.merchantId,
      appId: ctx.appId,
      currency: dto.currency,
      subject: dto.subject,
      channels,
      returnUrl: dto.return_url ?? null,
      createdAt: new Date(),
    });
    await this.repo.insertCounterCode(code);
    return code;
  }

  async getCounterCode(merchantId: string, id: string): Promise<CounterCode> {
    const c = await this.repo.findCounterCodeForMerchant(merchantId, id);
    if (!c) throw CheckoutErrors.counterCodeNotFound(id);
    return c;
  }

  // ---- the payer's side (cashier) ----

  async counterCode(id: string): Promise<CounterCode> {
    const c = await this.repo.findCounterCode(id);
    if (!c) throw CheckoutErrors.counterCodeNotFound(id);
    return c;
  }

  /** A payer at the counter entered an amount: a session of its own, with a generated order number. */
  async sessionFromCounterCode(code: CounterCode, amount: bigint): Promise<CheckoutSession> {
    const now = new Date();
    const id = newId('cs');
    const session = this.newSession(code, {
      id,
      outTradeNo: `cc${id.slice(3)}`,
      amount,
      currency: code.currency,
      subject: code.subject,
      channels: code.channels,
      returnUrl: code.returnUrl,
      expiresAt: new Date(now.getTime() + COUNTER_SESSION_S * 1000),
      counterCodeId: code.id,
      now,
    });
    await this.repo.insertSession(session);
    return session;
  }

  async merchantName(merchantId: string): Promise<string> {
    return (await this.merchants.findMerchant(merchantId))?.name ?? '';
  }

  async load(id: string): Promise<SessionState> {
    const s = await this.repo.findSession(id);
    if (!s) throw CheckoutErrors.sessionNotFound(id);
    return this.refresh(s);
  }

  /**
   * The statuses of many sessions, in two queries whatever their number
   * (sessions, then their payments); a session its payment or its clock has
   * overtaken is brought up to date one by one, as a page view would (rare).
   */
  async statuses(ids: string[]): Promise<Map<string, CashierStatus>> {
    const sessions = await this.repo.findSessions(ids);
    const payments = await this.payments.statuses(sessions.flatMap((s) => (s.paymentId ? [s.paymentId] : [])));
    const out = new Map<string, CashierStatus>();
    for (const s of sessions) {
      const paymentStatus = (s.paymentId && payments.get(s.paymentId)) || null;
      const overtaken =
        (s.status !== 'complete' && paymentStatus === 'succeeded') ||
        (s.status === 'open' && s.expiresAt.getTime() <= Date.now());
      if (overtaken) {
        const fresh = await this.refresh(s);
        out.set(s.id, cashierStatus(fresh.session, fresh.payment?.status ?? null));
      } else out.set(s.id, cashierStatus(s, paymentStatus));
    }
    return out;
  }

  /**
   * Brings a session up to date with its payment (complete) and its clock
   * (expired) when someone looks at it, through the same changes (and events)
   * as the payment consumer and the sweeper: whichever comes first emits.
   */
  private async refresh(s: CheckoutSession): Promise<SessionState> {
    const payment = s.paymentId ? await this.payments.get(s.merchantId, s.paymentId) : null;
    if (s.status !== 'complete' && payment?.status === 'succeeded') {
      await this.lifecycle.complete(s.id, payment.id);
      return { session: (await this.repo.findSession(s.id))!, payment };
    }
    if (s.status === 'open' && s.expiresAt.getTime() <= Date.now()) {
      await this.lifecycle.expire(s.id);
      return { session: (await this.repo.findSession(s.id))!, payment };
    }
    return { session: s, payment };
  }

  /**
   * The payer chose a channel (or their wallet chose it): a new payment for
   * the session. The previous attempt, if still open, is closed at the
   * provider first, so one session is not paid twice; if it got paid
   * meanwhile, the session completes with it instead.
   */
  async startPayment(id: string, channel: string, payer?: { openid: string }): Promise<SessionState> {
    const { session } = await this.load(id);
    if (session.status !== 'open') throw CheckoutErrors.sessionNotOpen(id, session.status);
    // A session offers only channels (a choice of them), so anything else is not offered.
    if (!isChannel(channel) || !session.channels.includes(channel)) throw CheckoutErrors.channelNotOffered(channel);
    const claim = await this.repo.claimAttempt(id, new Date());
    if (!claim) {
      const now = await this.load(id);
      if (now.session.status !== 'open') throw CheckoutErrors.sessionNotOpen(id, now.session.status);
      throw CheckoutErrors.tooManyAttempts(id);
    }
    if (claim.paymentId) {
      const previous = await this.payments.get(session.merchantId, claim.paymentId);
      if (previous.status === 'pending' || previous.status === 'requires_action') {
        try {
          await this.payments.close(session.merchantId, previous.id, { cause: 'merchant', actor: `checkout:${id}` });
        } catch (err) {
          if (!(err instanceof DomainError && err.code === 'payment_invalid_state')) throw err;
        }
      }
      const after = await this.load(id);
      if (after.session.status !== 'open') return after;
    }
    const ctx: MerchantContext = {
      merchantId: session.merchantId,
      appId: session.appId,
      keyId: 'checkout',
      requestId: `checkout:${id}`,
    };
    const remainingS = Math.floor((session.expiresAt.getTime() - Date.now()) / 1000);
    const payment = await this.payments.create(ctx, {
      out_trade_no: attemptOutTradeNo(id, claim.attempts),
      amount: Number(session.amount),
      currency: session.currency,
      channel,
      subject: session.subject,
      expires_in: Math.max(60, remainingS),
      // Alipay's cashiers send the payer back here, where the session's status is shown.
      return_url: this.sessionUrl(id),
      metadata: { checkout_session_id: id, out_trade_no: session.outTradeNo },
      ...(payer ? { payer } : {}),
    });
    await this.repo.setPayment(id, payment.id, new Date());
    return this.load(id);
  }

  /** Where a paid session sends the buyer: return_url with freshly signed `paygrid_*` parameters. */
  signedReturn(s: CheckoutSession): string | undefined {
    if (s.status !== 'complete' || !s.returnUrl || !s.paymentId) return undefined;
    const key = this.platformKeys.currentSigningKey();
    return signedReturnUrl(
      s.returnUrl,
      {
        checkout_session_id: s.id,
        out_trade_no: s.outTradeNo,
        payment_id: s.paymentId,
        status: 'complete',
        amount: s.amount.toString(),
        currency: s.currency,
        timestamp: String(Math.floor(Date.now() / 1000)),
        key_id: key.kid,
      },
      key.privateKey,
    );
  }

  /**
   * Sandbox only: the payer's decision, sent to the simulator exactly as a
   * script would (POST {"outcome"} to the payer URL; the JSAPI bridge for
   * WeChat in-app). The simulator then sends its signed callback.
   */
  async sandboxOutcome(id: string, outcome: 'success' | 'fail'): Promise<void> {
    const base = this.cfg.sandboxBaseUrl;
    if (base === undefined) throw CheckoutErrors.sandboxOnly();
    const { payment } = await this.load(id);
    const action = payment?.status === 'pending' ? payment.nextAction : null;
    if (!action) return;
    let url: string;
    let body: Record<string, string>;
    if (action.type === 'qr_code') [url, body] = [action.qr_code, { outcome }];
    else if (action.type === 'redirect') [url, body] = [action.url, { outcome }];
    else if (action.type === 'wechat_jsapi')
      [url, body] = [`${base}/sandbox/wechatpay/jsapi/pay`, { ...action.params, outcome }];
    else return;
    // Only ever the simulators: the URL came from an adapter, but the server must not post anywhere else.
    if (!url.startsWith(`${base}/sandbox/`)) return;
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  }
}
