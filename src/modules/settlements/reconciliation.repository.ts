import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { ReconciliationItem, ReconciliationResolution } from './entities/reconciliation-item.entity';
import { ReconciliationReport } from './entities/reconciliation-report.entity';
import { LedgerSide, ReferenceType, refKey } from './reconciliation-match.util';

/** Reconciliation reports and items, and the read-only view of the ledger's provider clearing it compares against. */
@Injectable()
export class ReconciliationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Payments and refunds with an entry on provider_clearing:<provider> that occurred in [start, end). */
  async referencesInPeriod(
    provider: string,
    start: Date,
    end: Date,
  ): Promise<Array<{ type: ReferenceType; id: string }>> {
    const rows: Array<{ reference_type: ReferenceType; reference_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT e.reference_type, e.reference_id
         FROM ledger_entries e
         JOIN ledger_postings p ON p.entry_id = e.id
         JOIN ledger_accounts a ON a.id = p.account_id AND a.code = 'provider_clearing' AND a.subkey = $1
        WHERE e.reference_type IN ('payment', 'refund') AND e.occurred_at >= $2 AND e.occurred_at < $3`,
      [provider, start, end],
    );
    return rows.map((r) => ({ type: r.reference_type, id: r.reference_id }));
  }

  /** The ledger's side of each reference: everything that went through the provider's clearing for it, whenever. */
  async ledgerSides(
    provider: string,
    refs: Array<{ type: ReferenceType; id: string }>,
  ): Promise<Map<string, LedgerSide>> {
    if (refs.length === 0) return new Map();
    const rows: Array<{
      reference_type: ReferenceType;
      reference_id: string;
      currency: string;
      clearing: string;
      occurred_at: Date;
      entries: Array<Record<string, unknown>>;
      merchant_id: string | null;
    }> = await this.dataSource.query(
      `SELECT e.reference_type, e.reference_id, min(a.currency) AS currency, min(e.merchant_id) AS merchant_id,
                sum(CASE WHEN p.direction = 'debit' THEN p.amount ELSE -p.amount END)::text AS clearing,
                min(e.occurred_at) AS occurred_at,
                json_agg(json_build_object('entry_id', e.id, 'external_id', e.external_id, 'type', e.type, 'occurred_at', e.occurred_at,
                                           'direction', p.direction, 'amount', p.amount::text) ORDER BY e.id) AS entries
           FROM ledger_entries e
           JOIN ledger_postings p ON p.entry_id = e.id
           JOIN ledger_accounts a ON a.id = p.account_id AND a.code = 'provider_clearing' AND a.subkey = $1
          WHERE (e.reference_type, e.reference_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))
          GROUP BY e.reference_type, e.reference_id`,
      [provider, refs.map((r) => r.type), refs.map((r) => r.id)],
    );
    const out = new Map<string, LedgerSide>();
    for (const r of rows) {
      const clearing = BigInt(r.clearing);
      // A payment debits clearing (the provider owes us), a refund credits it.
      const amount = r.reference_type === 'refund' ? -clearing : clearing;
      const key = refKey(r.reference_type, r.reference_id);
      out.set(key, {
        key,
        referenceType: r.reference_type,
        referenceId: r.reference_id,
        amount,
        currency: r.currency.trim(),
        occurredAt: r.occurred_at,
        entries: r.entries,
        merchantId: r.merchant_id,
      });
    }
    return out;
  }

  async save(manager: EntityManager, report: ReconciliationReport, items: ReconciliationItem[]): Promise<void> {
    await manager.insert(ReconciliationReport, report);
    if (items.length > 0) await manager.insert(ReconciliationItem, items as never);
  }

  /**
   * Claims the announcement of each exception that has none yet: one row per
   * (provider, day, reference, category), inserted in the run's transaction.
   * Answers the `rcx_…` id of each exception this call claimed, by item; an
   * exception a previous run (or a concurrent one, once it commits) announced
   * is not in the answer.
   */
  async claimExceptionEvents(
    manager: EntityManager,
    items: Array<
      Pick<ReconciliationItem, 'id' | 'provider' | 'businessDay' | 'referenceType' | 'referenceId' | 'category'>
    >,
  ): Promise<Map<string, string>> {
    if (items.length === 0) return new Map();
    const ids = items.map(() => newId('rcx'));
    const rows: Array<{ id: string; reference_type: string; reference_id: string; category: string }> =
      await manager.query(
        `INSERT INTO reconciliation_exception_events (id, provider, business_day, reference_type, reference_id, category)
         SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT (provider, business_day, reference_type, reference_id, category) DO NOTHING
         RETURNING id, reference_type, reference_id, category`,
        [
          ids,
          items.map((i) => i.provider),
          items.map((i) => i.businessDay),
          items.map((i) => i.referenceType),
          items.map((i) => i.referenceId),
          items.map((i) => i.category),
        ],
      );
    const claimed = new Map(rows.map((r) => [`${r.reference_type}:${r.reference_id}:${r.category}`, r.id]));
    const out = new Map<string, string>();
    for (const i of items) {
      const rcx = claimed.get(`${i.referenceType}:${i.referenceId}:${i.category}`);
      if (rcx) out.set(String(i.id), rcx);
    }
    return out;
  }

  /** Which of these bill days already have a report for the provider. */
  async reportedDays(provider: string, days: string[]): Promise<Set<string>> {
    const rows: Array<{ day: string }> = await this.dataSource.query(
      `SELECT DISTINCT to_char(business_day, 'YYYY-MM-DD') AS day FROM reconciliation_reports
        WHERE provider = $1 AND business_day = ANY($2::date[])`,
      [provider, days],
    );
    return new Set(rows.map((r) => r.day));
  }

  /**
   * Runs `fn` holding a session advisory lock for the provider's day, or returns undefined when another process
   * holds it. A session lock on a connection of its own, because the run calls the provider outside any transaction.
   */
  async withDayLock<T>(provider: string, day: string, fn: () => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const key = `reconciliation:${provider}:${day}`;
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [key]);
      if (!locked) return undefined;
      try {
        return await fn();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key]);
      }
    } finally {
      await runner.release();
    }
  }

  findReport(id: string): Promise<ReconciliationReport | null> {
    return this.dataSource.manager.findOneBy(ReconciliationReport, { id });
  }

  items(reportId: string, limit: number): Promise<ReconciliationItem[]> {
    return this.dataSource.manager.find(ReconciliationItem, { where: { reportId }, order: { id: 'ASC' }, take: limit });
  }

  listReports(filter: {
    provider?: string;
    businessDay?: string;
    startingAfter?: string;
    limit: number;
  }): Promise<ReconciliationReport[]> {
    const qb = this.dataSource.manager.createQueryBuilder(ReconciliationReport, 'r');
    if (filter.provider) qb.andWhere('r.provider = :provider', { provider: filter.provider });
    if (filter.businessDay) qb.andWhere('r.business_day = :day', { day: filter.businessDay });
    if (filter.startingAfter) qb.andWhere('r.id < :after', { after: filter.startingAfter });
    return qb
      .orderBy('r.id', 'DESC')
      .take(filter.limit + 1)
      .getMany();
  }

  /** The exception list: items still open, newest first. The cursor is the item id. */
  exceptions(filter: { provider?: string; startingAfter?: string; limit: number }): Promise<ReconciliationItem[]> {
    const qb = this.dataSource.manager.createQueryBuilder(ReconciliationItem, 'i').where(`i.resolution = 'open'`);
    if (filter.provider) qb.andWhere('i.provider = :provider', { provider: filter.provider });
    if (filter.startingAfter) qb.andWhere('i.id < :after', { after: filter.startingAfter });
    return qb
      .orderBy('i.id', 'DESC')
      .take(filter.limit + 1)
      .getMany();
  }

  lockItem(manager: EntityManager, id: string): Promise<ReconciliationItem | null> {
    return manager.findOne(ReconciliationItem, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async resolveItem(
    manager: EntityManager,
    id: string,
    by: string,
    note: string,
    resolution: ReconciliationResolution = 'resolved',
  ): Promise<void> {
    await manager.update(
      ReconciliationItem,
      { id },
      { resolution, resolvedBy: by, resolvedAt: new Date(), resolutionNote: note },
    );
  }
}
