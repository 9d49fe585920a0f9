import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PLATFORM_MERCHANT_ID } from '@paygrid/contracts';
import { newId } from '../../common/ids/ids.util';
import { NO_PROGRESS, Progress, fraction } from '../../common/progress/progress';
import { withTransaction } from '../../persistence/transaction.util';
import { AuditLogService, type Actor } from '../admin/audit-log.service';
import { OutboxService } from '../notifications/outbox.service';
import { ProviderRegistry } from '../providers/provider-registry';
import type { PaymentProvider, ProviderName, StatementLine } from '../providers/provider.port';
import { StatementNotReady } from '../providers/statement.errors';
import {
  ReconciliationCategory,
  ReconciliationItem,
  ReconciliationResolution,
} from './entities/reconciliation-item.entity';
import { ReconciliationReport } from './entities/reconciliation-report.entity';
import { PAYMENT_RESOLUTION, PaymentResolutionPort } from './payment-resolution.port';
import {
  LedgerSide,
  ReferenceType,
  StatementSide,
  classify,
  lineEvidence,
  refKey,
  statementSides,
} from './reconciliation-match.util';
import { toReconciliationItem } from './reconciliation.mapper';
import { ReconciliationRepository } from './reconciliation.repository';
import { addDays, billDay, billDayBounds, isDay } from './settlement-day.util';
import { SettlementErrors } from './settlements.errors';

const SCHEDULER: Actor = { actor: 'reconciliation-scheduler' };

export interface ScheduledReconciliation {
  provider: string;
  day: string;
  outcome: 'reported' | 'not_ready' | 'failed';
  report?: ReconciliationReport;
}

/** Entries this close to a bill day's edge may sit on the neighbouring day's statement (clocks differ by a little). */
const EDGE_MS = 15 * 60_000;

interface Draft {
  referenceType: ReferenceType;
  referenceId: string;
  category: ReconciliationCategory;
  resolution: ReconciliationResolution;
  st?: StatementSide;
  led?: LedgerSide;
  notes: string[];
}

/**
 * Daily reconciliation per provider (RELIABILITY I9): the provider's
 * statement for a UTC+8 bill day against what went through that provider's
 * clearing account in our ledger. Every payment and refund ends up matched,
 * resolved (a payment the provider shows paid and we had pending is queried
 * and completed through the payments lifecycle), or on the exception list
 * with the evidence. Provider calls happen outside any transaction; the
 * report is written in one.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: ReconciliationRepository,
    private readonly registry: ProviderRegistry,
    private readonly audit: AuditLogService,
    @Inject(PAYMENT_RESOLUTION) private readonly payments: PaymentResolutionPort,
    private readonly outbox: OutboxService,
  ) {}

  async run(
    providerName: string,
    day: string,
    actor: Actor,
    progress: Progress = NO_PROGRESS,
  ): Promise<{ report: ReconciliationReport; items: ReconciliationItem[] }> {
    if (!isDay(day)) throw SettlementErrors.dayInvalid();
    const provider = this.registry.forProvider(providerName as ProviderName);
    if (!provider) throw SettlementErrors.providerUnknown(providerName);
    progress.note(`fetching ${provider.name}'s bill of ${day}`);
    const statement = statementSides(await this.fetch(provider, day));
    const { start, end } = billDayBounds(day);
    const refs = new Map<string, { type: ReferenceType; id: string }>();
    for (const r of await this.repo.referencesInPeriod(provider.name, start, end)) refs.set(refKey(r.type, r.id), r);
    for (const s of statement.values()) refs.set(s.key, { type: s.referenceType, id: s.referenceId });
    const ledger = await this.repo.ledgerSides(provider.name, [...refs.values()]);
    progress.note(
      `${statement.size.toLocaleString('en-US')} bill lines, ${ledger.size.toLocaleString('en-US')} ledger lines; matching ${refs.size.toLocaleString('en-US')} references`,
    );

    const neighbours = new Map<string, Promise<Map<string, StatementSide>>>();
    const neighbour = (d: string) => {
      if (!neighbours.has(d))
        neighbours.set(
          d,
          this.fetch(provider, d).then(statementSides, () => new Map<string, StatementSide>()),
        );
      return neighbours.get(d)!;
    };

    const drafts: Draft[] = [];
    for (const [key, ref] of refs) {
      const st = statement.get(key);
      const led = ledger.get(key);
      const d: Draft = {
        referenceType: ref.type,
        referenceId: ref.id,
        category: classify(st, led),
        resolution: 'none',
        st,
        led,
        notes: [],
      };
      if (d.category === 'missing_at_provider' && led) await this.lookNextDoor(d, led, start, end, day, neighbour);
      if (d.category === 'missing_here' && ref.type === 'payment') await this.resolvePayment(d, provider.name);
      if (d.category !== 'matched' && d.resolution === 'none') d.resolution = 'open';
      drafts.push(d);
      progress.step(`compared ${fraction(drafts.length, refs.size)}`);
    }
    // Steps are throttled, so the last one may not have shown: the end of the stage always does.
    progress.note(`compared ${fraction(drafts.length, refs.size)}`);
    const saved = await this.save(provider.name, day, actor, drafts, statement.size);
    progress.note(`report ${saved.report.id}: ${drafts.filter((d) => d.category !== 'matched').length} exceptions`);
    return saved;
  }

  private async fetch(provider: PaymentProvider, day: string): Promise<StatementLine[]> {
    try {
      return await provider.fetchStatement(day);
    } catch (err) {
      if (err instanceof StatementNotReady) throw SettlementErrors.statementNotReady(provider.name, day);
      throw SettlementErrors.statementUnavailable(provider.name, (err as Error).message);
    }
  }

  /**
   * Scheduled reconciliation (worker role): every provider's bill days from yesterday back `lookbackDays` (UTC+8)
   * that have no report yet are run, once the provider says the bill is ready; a day whose bill is not ready stays
   * due for the next pass. One run per provider and day across replicas (an advisory lock, then a re-check).
   */
  async runDue(now: Date, lookbackDays: number): Promise<ScheduledReconciliation[]> {
    const today = billDay(now);
    const days = Array.from({ length: lookbackDays }, (_, i) => addDays(today, -(i + 1)));
    const out: ScheduledReconciliation[] = [];
    for (const provider of this.registry.all()) {
      const reported = await this.repo.reportedDays(provider.name, days);
      for (const day of days.filter((d) => !reported.has(d))) {
        try {
          const run = await this.repo.withDayLock(provider.name, day, async () =>
            (await this.repo.reportedDays(provider.name, [day])).has(day)
              ? undefined
              : this.run(provider.name, day, SCHEDULER),
          );
          if (run) out.push({ provider: provider.name, day, outcome: 'reported', report: run.report });
        } catch (err) {
          const notReady = (err as { code?: string }).code === 'statement_not_ready';
          if (!notReady)
            this.logger.warn(`scheduled reconciliation of ${provider.name} ${day}: ${(err as Error).message}`);
          out.push({ provider: provider.name, day, outcome: notReady ? 'not_ready' : 'failed' });
        }
      }
    }
    return out;
  }

  /** A ledger entry near midnight UTC+8 may be on the provider's previous or next bill. */
  private async lookNextDoor(
    d: Draft,
    led: LedgerSide,
    start: Date,
    end: Date,
    day: string,
    neighbour: (d: string) => Promise<Map<string, StatementSide>>,
  ): Promise<void> {
    const t = led.occurredAt.getTime();
    const other =
      t - start.getTime() < EDGE_MS ? addDays(day, -1) : end.getTime() - t < EDGE_MS ? addDays(day, 1) : undefined;
    if (!other) return;
    const st = (await neighbour(other)).get(d.led!.key);
    if (!st) return;
    d.st = st;
    d.category = classify(st, led);
    d.notes.push(`found on the provider's statement for ${other}`);
  }

  /**
   * The provider shows a payment paid that our ledger does not have: ask the
   * provider through payments (the resolver's query-and-apply). A pending
   * payment that was really paid becomes succeeded and gets its ledger entry
   * now: a late success, resolved. An unknown id stays missing here.
   */
  private async resolvePayment(d: Draft, provider: string): Promise<void> {
    let status: string;
    try {
      status = (await this.payments.resolve(d.referenceId)).status;
    } catch (err) {
      d.notes.push(`asking the provider failed: ${(err as Error).message}`);
      return;
    }
    d.notes.push(`payment status after asking the provider: ${status}`);
    if (status === 'not_found') return;
    const led = (await this.repo.ledgerSides(provider, [{ type: 'payment', id: d.referenceId }])).get(d.st!.key);
    d.category = 'status_mismatch';
    if (status === 'succeeded' && led && classify(d.st, led) === 'matched') {
      d.led = led;
      d.resolution = 'resolved';
      d.notes.push('late success: completed from the provider query, ledger entry posted, now matches the statement');
    } else if (led) {
      d.led = led;
      d.category = classify(d.st, led) === 'amount_mismatch' ? 'amount_mismatch' : 'status_mismatch';
    }
  }

  private async save(provider: string, day: string, actor: Actor, drafts: Draft[], statementCount: number) {
    const id = newId('rcn');
    const now = new Date();
    const items: ReconciliationItem[] = drafts.map((d) =>
      Object.assign(new ReconciliationItem(), {
        reportId: id,
        provider,
        businessDay: day,
        category: d.category,
        resolution: d.resolution,
        referenceType: d.referenceType,
        referenceId: d.referenceId,
        currency: d.st?.currency ?? d.led?.currency ?? null,
        statementAmount: d.st ? d.st.amount : null,
        ledgerAmount: d.led ? d.led.amount : null,
        evidence: { statement: d.st?.lines.map(lineEvidence) ?? [], ledger: d.led?.entries ?? [], notes: d.notes },
        resolvedBy: d.resolution === 'resolved' ? 'reconciliation' : null,
        resolvedAt: d.resolution === 'resolved' ? now : null,
        resolutionNote: d.resolution === 'resolved' ? (d.notes.at(-1) ?? null) : null,
        createdAt: now,
      }),
    );
    const count = (c: ReconciliationCategory) => drafts.filter((d) => d.category === c).length;
    const report = Object.assign(new ReconciliationReport(), {
      id,
      provider,
      businessDay: day,
      statementLines: statementCount,
      ledgerItems: drafts.filter((d) => d.led && d.led.amount !== 0n).length,
      matched: count('matched'),
      missingHere: count('missing_here'),
      missingAtProvider: count('missing_at_provider'),
      amountMismatch: count('amount_mismatch'),
      statusMismatch: count('status_mismatch'),
      resolved: drafts.filter((d) => d.resolution === 'resolved').length,
      openExceptions: drafts.filter((d) => d.resolution === 'open').length,
      actor: actor.actor,
      createdAt: now,
    });
    const byItem = new Map(items.map((item, i) => [item, drafts[i]]));
    await withTransaction(this.dataSource, async (m) => {
      await this.repo.save(m, report, items);
      await this.audit.record(m, actor, {
        action: 'reconciliation.run',
        targetType: 'reconciliation_report',
        targetId: id,
        after: { provider, day, open_exceptions: report.openExceptions },
      });
      await this.announce(
        m,
        items.filter((i) => i.resolution === 'open'),
        (i) => byItem.get(i)?.led?.merchantId ?? null,
      );
    });
    if (report.openExceptions > 0)
      this.logger.warn(
        { report_id: id, provider, day, open: report.openExceptions },
        'reconciliation found exceptions',
      );
    return { report, items };
  }

  /**
   * One internal event per open exception, the first time any run finds it:
   * a re-run of the day (a new report with the same exceptions) claims
   * nothing and announces nothing. In the report's transaction, so a run that
   * rolls back announces nothing either.
   */
  private async announce(
    m: EntityManager,
    open: ReconciliationItem[],
    merchantOf: (i: ReconciliationItem) => string | null,
  ): Promise<void> {
    const claimed = await this.repo.claimExceptionEvents(m, open);
    for (const item of open) {
      const rcx = claimed.get(String(item.id));
      if (!rcx) continue;
      const merchantId = merchantOf(item);
      const dto = toReconciliationItem(item);
      await this.outbox.enqueue(m, {
        type: 'reconciliation.exception',
        merchantId: merchantId ?? PLATFORM_MERCHANT_ID,
        appId: null,
        aggregateId: rcx,
        object: {
          id: rcx,
          object: 'reconciliation_exception',
          provider: dto.provider,
          business_day: dto.business_day,
          category: item.category as Exclude<ReconciliationCategory, 'matched'>,
          reference_type: item.referenceType,
          reference_id: dto.reference_id,
          currency: dto.currency,
          statement_amount: dto.statement_amount,
          ledger_amount: dto.ledger_amount,
          report_id: dto.report_id,
          item_id: dto.id,
          merchant_id: merchantId,
        },
      });
    }
  }

  async getReport(id: string): Promise<{ report: ReconciliationReport; items: ReconciliationItem[] }> {
    const report = await this.repo.findReport(id);
    if (!report) throw SettlementErrors.reportNotFound(id);
    return { report, items: await this.repo.items(id, 5000) };
  }

  listReports(filter: {
    provider?: string;
    businessDay?: string;
    startingAfter?: string;
    limit: number;
  }): Promise<ReconciliationReport[]> {
    return this.repo.listReports(filter);
  }

  exceptions(filter: { provider?: string; startingAfter?: string; limit: number }): Promise<ReconciliationItem[]> {
    return this.repo.exceptions(filter);
  }

  /** An admin closes an exception with a note (after fixing it elsewhere, e.g. a ledger reversal); audited. */
  resolveException(actor: Actor, itemId: string, note: string): Promise<ReconciliationItem> {
    // Item ids are bigint identities; anything else cannot name one.
    if (!/^[1-9]\d{0,18}$/.test(itemId)) return Promise.reject(SettlementErrors.exceptionNotFound(itemId));
    return withTransaction(this.dataSource, async (m) => {
      const item = await this.repo.lockItem(m, itemId);
      if (!item) throw SettlementErrors.exceptionNotFound(itemId);
      if (item.resolution !== 'open') throw SettlementErrors.exceptionNotOpen(itemId);
      await this.repo.resolveItem(m, itemId, actor.actor, note);
      await this.audit.record(m, actor, {
        action: 'reconciliation_exception.resolve',
        targetType: 'reconciliation_item',
        targetId: itemId,
        after: { note },
      });
      return Object.assign(item, {
        resolution: 'resolved' as const,
        resolvedBy: actor.actor,
        resolvedAt: new Date(),
        resolutionNote: note,
      });
    });
  }
}
