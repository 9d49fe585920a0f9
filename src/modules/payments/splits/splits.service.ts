import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { newId } from '../../../common/ids/ids.util';
import { serviceUnavailable } from '../../../common/errors/domain-error';
import { withTransaction } from '../../../persistence/transaction.util';
import { LedgerService } from '../../ledger/ledger.service';
import { ProviderAccountsService } from '../../merchants/provider-accounts.service';
import { OutboxService } from '../../notifications/outbox.service';
import { ProviderRegistry } from '../../providers/provider-registry';
import {
  canSplit,
  type ProfitSharingProvider,
  type SplitOutcome,
  type SplitReceiver,
} from '../../providers/provider.port';
import type { Payment } from '../entities/payment.entity';
import { Split, SplitReceiverLine } from '../entities/split.entity';
import { SplitReturn } from '../entities/split-return.entity';
import { isDirect, providerOf } from '../payment-ledger.util';
import type { TransitionCause } from '../payment-state-machine';
import { PaymentErrors } from '../payments.errors';
import { PaymentsRepository } from '../payments.repository';
import { orderRefOf } from '../provider-order-ref.util';
import { nextCheckAfter } from '../resolution/resolver-schedule.util';
import { CreateSplitDto, CreateSplitReturnDto, ReleaseSplitsDto } from './dto/split.dto';
import { SplitAmounts, SplitSource, splitReturnedEntry, splitSucceededEntry } from './split-ledger.util';
import { SplitErrors } from './splits.errors';
import { toSplitResponse } from './splits.mapper';
import { SplitsRepository } from './splits.repository';

export interface SplitCaller {
  merchantId: string;
  appId: string;
  actor: string;
}

type ResolvedReceiver = SplitReceiver & { amount: bigint; description: string; platform: boolean };

/**
 * Profit sharing (docs/api.md "Splits"). As refunds: the limit is taken with
 * one conditional update on the payment row (never read-then-write) in the
 * transaction that inserts the split; the provider is called outside any
 * transaction with our split id as its idempotency key; the outcome (state,
 * ledger entry, event) commits in one transaction under the payment's and
 * then the split's row lock. Answers that come back pending are completed
 * by the resolver (PaymentResolverWorker), never by waiting here.
 */
@Injectable()
export class SplitsService {
  private readonly logger = new Logger(SplitsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly splits: SplitsRepository,
    private readonly payments: PaymentsRepository,
    private readonly registry: ProviderRegistry,
    private readonly ledger: LedgerService,
    private readonly outbox: OutboxService,
    private readonly providerAccounts: ProviderAccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(caller: SplitCaller, paymentId: string, dto: CreateSplitDto): Promise<Split> {
    const payment = await this.splittablePayment(caller.merchantId, paymentId);
    const provider = this.providerFor(payment);
    const receivers = this.resolveReceivers(payment, dto);
    const amount = receivers.reduce((s, r) => s + r.amount, 0n);
    // A cheap early answer; the conditional update below is what decides.
    const available = splittableOf(payment);
    if (amount > available) throw SplitErrors.tooLarge(payment.id, available);
    await this.bindReceivers(payment, provider, receivers);

    const split = this.newSplit(caller, payment, 'split', amount, dto.finish ?? false, receivers);
    await withTransaction(this.dataSource, async (m) => {
      if (!(await this.splits.reserve(m, payment.id, amount, split.finish))) {
        const now = (await this.payments.findById(payment.id, m))!;
        if (now.splitState !== 'open') throw SplitErrors.released(payment.id);
        throw SplitErrors.tooLarge(payment.id, splittableOf(now));
      }
      await this.splits.insert(m, split);
      await this.timeline(m, payment, caller.actor, { split: 'requested', split_id: split.id, amount: String(amount) });
    });
    return this.execute(split, payment);
  }

  /** Release what was not split to the merchant (WeChat orders/unfreeze); no more splits after it. */
  async release(caller: SplitCaller, paymentId: string, dto: ReleaseSplitsDto): Promise<Split> {
    const payment = await this.splittablePayment(caller.merchantId, paymentId);
    this.providerFor(payment);
    const left = splittableOf(payment);
    const release = this.newSplit(caller, payment, 'release', left > 0n ? left : 0n, true, []);
    await withTransaction(this.dataSource, async (m) => {
      if (!(await this.splits.beginRelease(m, payment.id))) throw SplitErrors.released(payment.id);
      await this.splits.insert(m, release);
      await this.timeline(m, payment, caller.actor, { split: 'release_requested', split_id: release.id });
    });
    return this.execute(release, payment, dto.description);
  }

  async createReturn(caller: SplitCaller, splitId: string, dto: CreateSplitReturnDto): Promise<SplitReturn> {
    const split = await this.get(caller.merchantId, splitId);
    if (split.kind !== 'split') throw SplitErrors.notReturnable(split.id, 'it is a release');
    if (split.status !== 'succeeded') throw SplitErrors.notReturnable(split.id, `it is ${split.status}`);
    const line = this.lineFor(split, dto.receiver_account);
    const amount = BigInt(dto.amount);
    const now = new Date();
    const ret = Object.assign(new SplitReturn(), {
      id: newId('spr'),
      merchantId: split.merchantId,
      splitId: split.id,
      paymentId: split.paymentId,
      receiverAccount: line.account,
      amount,
      currency: split.currency,
      description: dto.description,
      status: 'pending' as const,
      providerReturnId: null,
      failureCode: null,
      failureMessage: null,
      nextCheckAt: new Date(now.getTime() + 30_000),
      checkAttempts: 0,
      succeededAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await withTransaction(this.dataSource, async (m) => {
      // Under the split's row lock: concurrent returns of one receiver queue here and see each other.
      const locked = (await this.splits.lock(m, split.id))!;
      const taken = await this.splits.returnedOrPending(m, split.id, line.account);
      if (taken + amount > BigInt(line.amount)) throw SplitErrors.returnTooLarge(split.id);
      if (!(await this.splits.reserveReturn(m, locked.id, amount))) throw SplitErrors.returnTooLarge(split.id);
      await this.splits.insertReturn(m, ret);
    });
    return this.executeReturn(ret);
  }

  /** Sends a split or release (again: our id is its idempotency key) and records the answer. */
  async execute(split: Split, payment: Payment, description?: string): Promise<Split> {
    const provider = this.providerFor(payment);
    const base = await this.orderBase(payment);
    const outcome = await this.safe(() =>
      split.kind === 'release'
        ? provider.releaseSplitRemainder({
            ...base,
            providerReleaseId: split.id,
            description: description ?? 'Release the unsplit remainder',
          })
        : provider.split({
            ...base,
            providerSplitId: split.id,
            receivers: split.receivers.map((l) => ({
              receiver: { type: l.type, account: l.account },
              amount: BigInt(l.amount),
              description: l.description,
            })),
            currency: split.currency,
            finish: split.finish,
          }),
    );
    return this.applyOutcome(split.id, outcome, 'provider_response');
  }

  /** The resolver's pass over a pending split: ask (or re-send, which the provider deduplicates) and apply. */
  async resolve(split: Split): Promise<void> {
    if (split.status !== 'pending') return;
    const payment = (await this.payments.findById(split.paymentId))!;
    if (split.kind === 'release' || split.providerState === 'creating') {
      await this.execute(split, payment);
      return;
    }
    const provider = this.providerFor(payment);
    const base = await this.orderBase(payment);
    const outcome = await this.safe(() =>
      provider.querySplit({
        ...base,
        providerSplitId: split.id,
      }),
    );
    if (outcome.status === 'unknown' && split.providerState === 'unknown') {
      // The provider has no such split: our request never arrived. Send it again with the same id.
      await this.execute(split, payment);
      return;
    }
    await this.applyOutcome(split.id, outcome, 'provider_query');
  }

  async resolveReturn(r: SplitReturn): Promise<void> {
    if (r.status !== 'pending') return;
    // Re-sending with the same out_return_no answers the return's current state (WeChat, Alipay are idempotent on it).
    await this.executeReturn(r);
  }

  async applyOutcome(splitId: string, outcome: SplitOutcome, cause: TransitionCause): Promise<Split> {
    return withTransaction(this.dataSource, async (m) => {
      // Lock order everywhere: payment, then split.
      const peek = (await this.splits.findById(splitId, m))!;
      const payment = (await this.payments.lock(m, peek.paymentId))!;
      const split = (await this.splits.lock(m, splitId))!;
      if (split.status !== 'pending') return split;
      const providerSplitId = outcome.providerSplitTransactionId ?? split.providerSplitId;
      if (outcome.status === 'pending' || outcome.status === 'unknown') {
        const changes: Partial<Split> = {
          providerState:
            outcome.status === 'pending'
              ? 'created'
              : split.providerState === 'creating'
                ? 'unknown'
                : split.providerState,
          providerSplitId,
          nextCheckAt: nextCheckAfter(split.checkAttempts, this.config.resolverBaseMs),
          checkAttempts: split.checkAttempts + 1,
        };
        await this.splits.update(m, split.id, changes);
        return Object.assign(split, changes);
      }
      const receivers = withResults(split.receivers, outcome);
      const ok = receivers.filter((l) => l.result !== 'failed');
      if (outcome.status === 'failed' || (split.kind === 'split' && ok.length === 0)) {
        const changes: Partial<Split> = {
          providerSplitId,
          providerState: 'created',
          receivers,
          failureCode: outcome.providerCode ?? 'provider_declined',
          failureMessage: outcome.providerMessage ?? 'The provider refused the split',
          nextCheckAt: null,
        };
        await this.splits.transition(m, split, 'failed', changes);
        if (split.kind === 'release') await this.splits.endRelease(m, payment.id, false);
        else await this.splits.unreserve(m, payment.id, split.amount, split.finish);
        const failed = Object.assign(split, changes, { status: 'failed' as const });
        await this.event(m, 'split.failed', failed);
        await this.timeline(m, payment, undefined, { split: 'failed', split_id: split.id }, cause);
        return failed;
      }
      // succeeded (a split some of whose lines failed: only the others moved money, the rest is splittable again)
      const now = new Date();
      const amount = ok.reduce((s, l) => s + BigInt(l.amount), 0n);
      if (split.kind === 'split') {
        if (amount < split.amount) await this.splits.unreserve(m, payment.id, split.amount - amount, false);
        const platform = ok.filter((l) => l.platform).reduce((s, l) => s + BigInt(l.amount), 0n);
        await this.post(m, payment, split, { total: amount, platform }, now);
      }
      const changes: Partial<Split> = {
        providerSplitId,
        providerState: 'created',
        receivers,
        ...(split.kind === 'split' ? { amount } : {}),
        succeededAt: now,
        nextCheckAt: null,
      };
      await this.splits.transition(m, split, 'succeeded', changes);
      if (split.kind === 'release' || split.finish) await this.splits.endRelease(m, payment.id, true);
      const done = Object.assign(split, changes, { status: 'succeeded' as const });
      await this.event(m, split.kind === 'release' ? 'split.released' : 'split.succeeded', done);
      await this.timeline(m, payment, undefined, { split: 'succeeded', split_id: split.id }, cause);
      return done;
    });
  }

  private async executeReturn(r: SplitReturn): Promise<SplitReturn> {
    const split = (await this.splits.findById(r.splitId))!;
    const payment = (await this.payments.findById(r.paymentId))!;
    const line = split.receivers.find((l) => l.account === r.receiverAccount)!;
    const provider = this.providerFor(payment);
    const base = await this.orderBase(payment);
    const outcome = await this.safe(() =>
      provider.returnSplit({
        ...base,
        providerSplitId: split.id,
        providerSplitTransactionId: split.providerSplitId ?? undefined,
        providerReturnId: r.id,
        receiver: { type: line.type, account: line.account },
        amount: r.amount,
        currency: r.currency,
        description: r.description,
      }),
    );
    return this.applyReturnOutcome(r.id, outcome);
  }

  private async applyReturnOutcome(returnId: string, outcome: SplitOutcome): Promise<SplitReturn> {
    return withTransaction(this.dataSource, async (m) => {
      const peek = (await this.splits.findReturn(returnId, m))!;
      const payment = (await this.payments.lock(m, peek.paymentId))!;
      const split = (await this.splits.lock(m, peek.splitId))!;
      const r = (await this.splits.lockReturn(m, returnId))!;
      if (r.status !== 'pending') return r;
      const providerReturnId = outcome.providerSplitTransactionId ?? r.providerReturnId;
      if (outcome.status === 'pending' || outcome.status === 'unknown') {
        const changes: Partial<SplitReturn> = {
          providerReturnId,
          nextCheckAt: nextCheckAfter(r.checkAttempts, this.config.resolverBaseMs),
          checkAttempts: r.checkAttempts + 1,
        };
        await this.splits.updateReturn(m, r.id, changes);
        return Object.assign(r, changes);
      }
      if (outcome.status === 'failed') {
        const changes: Partial<SplitReturn> = {
          providerReturnId,
          failureCode: outcome.providerCode ?? 'provider_declined',
          failureMessage: outcome.providerMessage ?? 'The provider refused the return',
          nextCheckAt: null,
        };
        await this.splits.transitionReturn(m, r, 'failed', changes);
        await this.splits.unreserveReturn(m, split.id, r.amount);
        return Object.assign(r, changes, { status: 'failed' as const });
      }
      const now = new Date();
      const line = split.receivers.find((l) => l.account === r.receiverAccount)!;
      await this.ledger.post(m, splitReturnedEntry(payment, split, r, line.platform, now));
      const receivers = split.receivers.map((l) =>
        l === line ? { ...l, returned: String(BigInt(l.returned) + r.amount) } : l,
      );
      const splitChanges: Partial<Split> = { receivers, amountReturned: split.amountReturned + r.amount };
      await this.splits.update(m, split.id, splitChanges);
      await this.splits.recordReturned(m, payment.id, r.amount);
      const changes: Partial<SplitReturn> = { providerReturnId, succeededAt: now, nextCheckAt: null };
      await this.splits.transitionReturn(m, r, 'succeeded', changes);
      await this.event(m, 'split.returned', Object.assign(split, splitChanges));
      return Object.assign(r, changes, { status: 'succeeded' as const });
    });
  }

  /**
   * Collected mode: out of the merchant's pending balance, else its
   * available one, else both (as refunds, docs/ledger.md "Refunds: which
   * balance pays"); each try in a savepoint so a refusal by the
   * non-negative constraint does not abort the transaction. Direct mode:
   * nothing of the merchant's is held here, there is no choice.
   */
  private async post(m: EntityManager, payment: Payment, split: Split, a: SplitAmounts, at: Date): Promise<void> {
    const post = (from: SplitSource) => this.ledger.post(m, splitSucceededEntry(payment, split, a, from, at));
    if (a.total === 0n) return;
    if (isDirect(payment)) return void (await post('merchant_pending'));
    if (await this.tryPost(m, () => post('merchant_pending'))) return;
    if (await this.tryPost(m, () => post('merchant_available'))) return;
    const pending = await this.ledger.accountBalance(
      { code: 'merchant_pending', currency: split.currency, merchantId: payment.merchantId },
      m,
    );
    const fromPending = pending > a.total ? a.total : pending > 0n ? pending : 0n;
    await post({ pending: fromPending, available: a.total - fromPending });
  }

  private async tryPost(m: EntityManager, fn: () => Promise<unknown>): Promise<boolean> {
    await m.query('SAVEPOINT split_posting');
    try {
      await fn();
      await m.query('RELEASE SAVEPOINT split_posting');
      return true;
    } catch (err) {
      await m.query('ROLLBACK TO SAVEPOINT split_posting');
      if ((err as { code?: string }).code !== 'insufficient_funds') throw err;
      return false;
    }
  }

  async get(merchantId: string, id: string): Promise<Split> {
    const s = await this.splits.findForMerchant(merchantId, id);
    if (!s) throw SplitErrors.splitNotFound(id);
    return s;
  }

  async forPayment(merchantId: string, paymentId: string): Promise<{ splits: Split[]; returns: SplitReturn[] }> {
    const payment = await this.payments.findForMerchant(merchantId, paymentId);
    if (!payment) throw PaymentErrors.paymentNotFound(paymentId);
    const splits = await this.splits.forPayment(payment.id);
    return { splits, returns: await this.splits.returnsOf(splits.map((s) => s.id)) };
  }

  returnsOf(splitIds: string[]): Promise<SplitReturn[]> {
    return this.splits.returnsOf(splitIds);
  }

  private async splittablePayment(merchantId: string, paymentId: string): Promise<Payment> {
    const payment = await this.payments.findForMerchant(merchantId, paymentId);
    if (!payment) throw PaymentErrors.paymentNotFound(paymentId);
    if (!payment.profitSharing) throw SplitErrors.notSplittable(payment.id, 'it was not made with profit_sharing');
    if (payment.status !== 'succeeded') throw SplitErrors.notSplittable(payment.id, `it is ${payment.status}`);
    if (payment.splitState !== 'open') throw SplitErrors.released(payment.id);
    return payment;
  }

  private providerFor(payment: Payment): ProfitSharingProvider {
    const provider = this.registry.forChannel(payment.channel);
    if (!canSplit(provider)) throw SplitErrors.notSplittable(payment.id, `${provider.name} has no profit sharing`);
    return provider;
  }

  private async providerIds(
    payment: Payment,
  ): Promise<{ subMchid?: string; subAppid?: string; appAuthToken?: string }> {
    const { appAuthToken } = await orderRefOf(payment, this.providerAccounts);
    return { subMchid: payment.subMchid ?? undefined, subAppid: payment.subAppid ?? undefined, appAuthToken };
  }

  /** What every split call names: the order it splits, and whose account it is (partner mode, app auth). */
  private async orderBase(payment: Payment) {
    return {
      channel: payment.channel,
      providerOrderId: payment.id,
      providerTransactionId: payment.providerTransactionId ?? '',
      ...(await this.providerIds(payment)),
    };
  }

  /**
   * `type: platform` names the platform's own receiver for this provider
   * (config SPLIT_PLATFORM_RECEIVER_*), and so does a merchant receiver with
   * that account. Its share is the platform's commission, which only direct
   * mode has: a collected payment's fee was withheld at capture.
   */
  private resolveReceivers(payment: Payment, dto: CreateSplitDto): ResolvedReceiver[] {
    const provider = providerOf(payment.channel);
    const own =
      provider === 'wechatpay' || provider === 'alipay' ? this.config.splits.platformReceivers[provider] : undefined;
    const seen = new Set<string>();
    return dto.receivers.map((r, i) => {
      const param = `receivers[${i}]`;
      if (r.type === 'platform' && r.account !== undefined)
        throw SplitErrors.badInput('a platform receiver takes no account', `${param}.account`);
      if (r.type !== 'platform' && r.account === undefined)
        throw SplitErrors.badInput(`${param}.account is required`, `${param}.account`);
      const platform = r.type === 'platform' || (own !== undefined && r.account === own.account);
      if (platform && !own) throw SplitErrors.receiverUnavailable(`No platform receiver is configured for ${provider}`);
      if (platform && !isDirect(payment))
        throw SplitErrors.receiverUnavailable(
          "A collected-mode payment's platform fee is withheld at capture: it cannot also be split to the platform",
          { payment_id: payment.id },
        );
      const account = platform ? own!.account : r.account!;
      if (seen.has(account)) throw SplitErrors.badInput(`receiver ${account} is named twice`, `${param}.account`);
      seen.add(account);
      return {
        type: platform ? 'merchant' : (r.type as 'merchant' | 'personal'),
        account,
        name: platform ? own!.name : r.name,
        relation: r.relation ?? (platform ? 'SERVICE_PROVIDER' : 'PARTNER'),
        amount: BigInt(r.amount),
        description: r.description,
        platform,
      };
    });
  }

  /** Registers each receiver at the provider the first time this merchant splits to it (receivers/add). */
  private async bindReceivers(payment: Payment, provider: ProfitSharingProvider, receivers: ResolvedReceiver[]) {
    const ids = await this.providerIds(payment);
    for (const r of receivers) {
      if (await this.splits.isBound(payment.merchantId, provider.name, r.type, r.account)) continue;
      const outcome = await this.safe(() =>
        provider.bindSplitReceiver({
          channel: payment.channel,
          receiver: { type: r.type, account: r.account, name: r.name, relation: r.relation },
          providerRequestId: newId('spl'),
          ...ids,
        }),
      );
      if (outcome.status === 'failed')
        throw SplitErrors.receiverUnavailable(
          `${provider.name} refused receiver ${r.account}${outcome.providerMessage ? `: ${outcome.providerMessage}` : ''}`,
          { account: r.account, provider_code: outcome.providerCode },
        );
      if (outcome.status !== 'succeeded')
        throw serviceUnavailable(`${provider.name} did not confirm receiver ${r.account}; nothing was split`, 5);
      await this.splits.markBound(payment.merchantId, provider.name, r.type, r.account);
    }
  }

  private lineFor(split: Split, account: string | undefined): SplitReceiverLine {
    if (account === undefined) {
      if (split.receivers.length === 1) return split.receivers[0];
      throw SplitErrors.badInput('receiver_account is required: the split has several receivers', 'receiver_account');
    }
    const line = split.receivers.find((l) => l.account === account);
    if (!line) throw SplitErrors.badInput(`split ${split.id} has no receiver ${account}`, 'receiver_account');
    if (line.result === 'failed') throw SplitErrors.notReturnable(split.id, `receiver ${account} received nothing`);
    return line;
  }

  private newSplit(
    caller: SplitCaller,
    payment: Payment,
    kind: 'split' | 'release',
    amount: bigint,
    finish: boolean,
    receivers: ResolvedReceiver[],
  ): Split {
    const now = new Date();
    return Object.assign(new Split(), {
      id: newId('spl'),
      merchantId: payment.merchantId,
      appId: caller.appId,
      paymentId: payment.id,
      kind,
      amount,
      amountReturned: 0n,
      amountReturnReserved: 0n,
      currency: payment.currency,
      receivers: receivers.map((r): SplitReceiverLine => ({
        type: r.type,
        account: r.account,
        amount: r.amount.toString(),
        description: r.description,
        platform: r.platform,
        returned: '0',
      })),
      finish,
      status: 'pending' as const,
      providerSplitId: null,
      providerState: 'creating' as const,
      failureCode: null,
      failureMessage: null,
      // If we crash before recording the answer, the resolver re-sends it (same id) after this.
      nextCheckAt: new Date(now.getTime() + 30_000),
      checkAttempts: 0,
      succeededAt: null,
      createdAt: now,
      updatedAt: now,
    });
  }

  private async timeline(
    m: EntityManager,
    payment: Payment,
    actor: string | undefined,
    detail: Record<string, unknown>,
    cause: TransitionCause = 'merchant',
  ): Promise<void> {
    await this.payments.addTimeline(m, payment, payment.status, payment.status, { cause, actor, detail });
  }

  private async event(
    m: EntityManager,
    type: 'split.succeeded' | 'split.failed' | 'split.returned' | 'split.released',
    split: Split,
  ): Promise<void> {
    await this.outbox.enqueue(m, {
      type,
      merchantId: split.merchantId,
      appId: split.appId,
      object: toSplitResponse(split),
      aggregateId: split.id,
    });
  }

  /** An adapter that throws instead of answering is an unknown outcome, asked again later. */
  private async safe(call: () => Promise<SplitOutcome>): Promise<SplitOutcome> {
    try {
      return await call();
    } catch (err) {
      this.logger.warn(`profit-sharing call failed: ${(err as Error).message}`);
      return { status: 'unknown', providerCode: 'adapter_error', providerMessage: (err as Error).message };
    }
  }
}

/** What is left to split, as the row says (the conditional update in SplitsRepository.reserve is the authority). */
export function splittableOf(p: Payment): bigint {
  const fee = isDirect(p) ? 0n : p.feeAmount - p.feeRefunded;
  return p.amountCaptured - p.amountSplit - p.amountRefundReserved - fee;
}

/** The provider's per-receiver results laid onto the stored lines (all succeeded when it reports none). */
function withResults(lines: SplitReceiverLine[], outcome: SplitOutcome): SplitReceiverLine[] {
  if (outcome.status !== 'succeeded' && outcome.status !== 'failed') return lines;
  return lines.map((l) => {
    const r = outcome.receivers?.find((x) => x.account === l.account);
    const result = r?.result === 'failed' || outcome.status === 'failed' ? 'failed' : 'succeeded';
    return { ...l, result, ...(r?.failReason ? { fail_reason: r.failReason } : {}) };
  });
}
