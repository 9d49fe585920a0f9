import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { PG_UNIQUE_VIOLATION, sqlState, withTransaction } from '../../persistence/transaction.util';
import { AuditLogService, type Actor } from '../admin/audit-log.service';
import { LedgerService } from '../ledger/ledger.service';
import { MerchantDirectory, type MerchantView } from '../merchants/merchant-directory';
import { OutboxService } from '../notifications/outbox.service';
import { Settlement } from './entities/settlement.entity';
import { PAYMENT_RESOLUTION, PaymentResolutionPort } from './payment-resolution.port';
import type { SettlementLine } from './entities/settlement-line.entity';
import { dayClosed, isDay, latestDueDay } from './settlement-day.util';
import { lineFor, settlementFigures } from './settlement-math.util';
import { SettlementErrors } from './settlements.errors';
import { toSettlementResponse } from './settlements.mapper';
import { SettlementFilter, SettlementsRepository } from './settlements.repository';

export interface SettleOptions {
  /** Settle a day that has not ended yet (admin only). */
  force?: boolean;
  now?: Date;
}

export interface SettleResult {
  /** null: nothing to settle for that day. */
  settlement: Settlement | null;
  created: boolean;
}

/** Who ran a settlement when no admin did. */
export const SCHEDULER: Actor = { actor: 'scheduler' };

const MAX_LINES_SHOWN = 1000;

/**
 * Daily settlement per merchant and currency (docs/settlement.md). One
 * transaction per settlement: the ledger transfer pending → available, the
 * settlement with its lines, and the settlement.completed event commit
 * together. An advisory lock per merchant and currency serialises replicas
 * and concurrent admin runs; the unique (merchant, currency, day) and the
 * unique ledger entry per line are the database's own guard behind it.
 */
@Injectable()
export class SettlementsService {
  private readonly logger = new Logger(SettlementsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: SettlementsRepository,
    private readonly ledger: LedgerService,
    private readonly merchants: MerchantDirectory,
    private readonly outbox: OutboxService,
    private readonly audit: AuditLogService,
    @Inject(PAYMENT_RESOLUTION) private readonly payments: PaymentResolutionPort,
  ) {}

  /** Settles one merchant, currency and business day once; a repeat (also a concurrent one) returns the first settlement. */
  async settleDay(
    merchantId: string,
    currency: string,
    day: string,
    actor: Actor,
    opts: SettleOptions = {},
  ): Promise<SettleResult> {
    if (!isDay(day)) throw SettlementErrors.dayInvalid();
    const merchant = await this.merchants.findMerchant(merchantId);
    if (!merchant) throw SettlementErrors.merchantNotFound(merchantId);
    if (!opts.force && !dayClosed(day, opts.now ?? new Date(), merchant.timezone))
      throw SettlementErrors.dayNotClosed(day, merchant.timezone);
    for (let attempt = 1; ; attempt++) {
      try {
        return await withTransaction(this.dataSource, (m) => this.settleIn(m, merchant, currency, day, actor));
      } catch (err) {
        // A refund drew merchant_pending down between our read and the transfer: recompute from the new balance.
        if ((err as { code?: string }).code === 'insufficient_funds' && attempt < 3) continue;
        // Only reachable if something bypassed the lock: the unique key decided, so answer with the winner.
        if (sqlState(err) !== PG_UNIQUE_VIOLATION) throw err;
        const existing = await this.repo.findByDay(undefined, merchantId, currency, day);
        if (!existing) throw err;
        return { settlement: existing, created: false };
      }
    }
  }

  private async settleIn(
    m: EntityManager,
    merchant: MerchantView,
    currency: string,
    day: string,
    actor: Actor,
  ): Promise<SettleResult> {
    await this.repo.lock(m, merchant.id, currency);
    const existing = await this.repo.findByDay(m, merchant.id, currency, day);
    if (existing) return { settlement: existing, created: false };

    const cutoff = await this.repo.cutoff(m, day, merchant.timezone);
    const unsettled = await this.repo.unsettledEntries(m, merchant.id, currency, cutoff);
    // Collected-mode profit sharing: a payment and its splits wait for the merchant's release (docs/settlement.md).
    const held = await this.payments.heldFromSettlement(unsettled, m);
    const lines = unsettled.filter((e) => !held.has(e.referenceId)).map(lineFor);
    const carriedIn = await this.repo.lastCarriedForward(m, merchant.id, currency);
    if (lines.length === 0 && carriedIn <= 0n) return { settlement: null, created: false };

    const pending = await this.ledger.accountBalance(
      { code: 'merchant_pending', currency, merchantId: merchant.id },
      m,
    );
    const figures = settlementFigures(lines, carriedIn, pending);
    const id = newId('stl');
    let ledgerEntryId: string | null = null;
    if (figures.transferredAmount > 0n) {
      const posted = await this.ledger.post(m, {
        // Keyed by merchant, currency and day, so no retry path can move the same day twice.
        externalId: `settlement:${merchant.id}:${currency}:${day}`,
        type: 'settlement.transfer',
        referenceType: 'settlement',
        referenceId: id,
        merchantId: merchant.id,
        description: `Settlement of ${day} (${merchant.timezone})`,
        postings: [
          {
            account: { code: 'merchant_pending', currency, merchantId: merchant.id },
            direction: 'debit',
            amount: figures.transferredAmount,
          },
          {
            account: { code: 'merchant_available', currency, merchantId: merchant.id },
            direction: 'credit',
            amount: figures.transferredAmount,
          },
        ],
      });
      ledgerEntryId = posted.entry.id;
    }
    const settlement = Object.assign(new Settlement(), {
      id,
      merchantId: merchant.id,
      currency,
      businessDay: day,
      timezone: merchant.timezone,
      cutoffAt: cutoff,
      status: 'completed' as const,
      ...figures,
      ledgerEntryId,
      actor: actor.actor,
      createdAt: new Date(),
    });
    await this.repo.insert(m, settlement, lines);
    await this.outbox.enqueue(m, {
      type: 'settlement.completed',
      merchantId: merchant.id,
      appId: null,
      object: toSettlementResponse(settlement),
      aggregateId: id,
    });
    if (actor !== SCHEDULER) {
      await this.audit.record(m, actor, {
        action: 'settlement.run',
        targetType: 'settlement',
        targetId: id,
        after: { merchant_id: merchant.id, currency, business_day: day },
      });
    }
    this.logger.log(
      {
        settlement_id: id,
        merchant_id: merchant.id,
        currency,
        day,
        lines: lines.length,
        transferred: figures.transferredAmount.toString(),
      },
      'settled',
    );
    return { settlement, created: true };
  }

  /**
   * Admin/CLI: settle a day for one merchant or every merchant with
   * unsettled money, in every currency. Days already settled are returned
   * as they are.
   */
  async runDay(day: string, actor: Actor, opts: SettleOptions & { merchantId?: string } = {}): Promise<Settlement[]> {
    if (!isDay(day)) throw SettlementErrors.dayInvalid();
    if (opts.merchantId && !(await this.merchants.findMerchant(opts.merchantId)))
      throw SettlementErrors.merchantNotFound(opts.merchantId);
    const pairs = new Map<string, { merchantId: string; currency: string }>();
    for (const s of await this.repo.settlementsForDay(day, opts.merchantId))
      pairs.set(`${s.merchantId}:${s.currency}`, s);
    for (const p of await this.repo.unsettledPairs(opts.merchantId)) pairs.set(`${p.merchantId}:${p.currency}`, p);
    const out: Settlement[] = [];
    for (const p of pairs.values()) {
      const merchant = await this.merchants.findMerchant(p.merchantId);
      // Without a merchant filter, merchants whose day has not ended are skipped rather than failing the whole run.
      if (!merchant || (!opts.merchantId && !opts.force && !dayClosed(day, opts.now ?? new Date(), merchant.timezone)))
        continue;
      const { settlement } = await this.settleDay(p.merchantId, p.currency, day, actor, opts);
      if (settlement) out.push(settlement);
    }
    return out;
  }

  /**
   * The scheduler's pass: every merchant and currency with unsettled money
   * settles each due day (T+N in its own timezone), oldest first. Entries
   * that arrive for a day already settled are swept into the latest due day.
   */
  async settleDue(now: Date = new Date()): Promise<Settlement[]> {
    const out: Settlement[] = [];
    for (const { merchantId, currency } of await this.repo.unsettledPairs()) {
      const merchant = await this.merchants.findMerchant(merchantId);
      if (!merchant) continue;
      const through = latestDueDay(now, merchant.timezone, merchant.settlementDelayDays);
      try {
        for (const day of await this.repo.unsettledDays(merchantId, currency, merchant.timezone, through)) {
          const r = await this.settleDay(merchantId, currency, day, SCHEDULER, { now });
          if (r.created && r.settlement) out.push(r.settlement);
          if (!r.created && day !== through) {
            const swept = await this.settleDay(merchantId, currency, through, SCHEDULER, { now });
            if (swept.created && swept.settlement) out.push(swept.settlement);
            break;
          }
        }
      } catch (err) {
        // One merchant's problem (e.g. a refund racing the transfer) must not stop the others; it is retried next pass.
        this.logger.error({ merchant_id: merchantId, currency }, `settling failed: ${(err as Error).message}`);
      }
    }
    return out;
  }

  async get(id: string, merchantId?: string): Promise<{ settlement: Settlement; lines: SettlementLine[] }> {
    const settlement = await this.repo.findById(id);
    if (!settlement || (merchantId !== undefined && settlement.merchantId !== merchantId))
      throw SettlementErrors.settlementNotFound(id);
    return { settlement, lines: await this.repo.lines(id, MAX_LINES_SHOWN) };
  }

  list(filter: SettlementFilter): Promise<Settlement[]> {
    return this.repo.list(filter);
  }
}
