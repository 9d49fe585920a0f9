import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Settlement } from './entities/settlement.entity';
import { SettlementLine } from './entities/settlement-line.entity';
import type { EntryMoney, LineDraft } from './settlement-math.util';

export interface SettlementFilter {
  merchantId?: string;
  currency?: string;
  businessDay?: string;
  startingAfter?: string;
  limit: number;
}

const signed = `CASE WHEN p.direction = 'credit' THEN p.amount ELSE -p.amount END`;

/**
 * Settlement rows and the reads settlement needs from the ledger. The
 * ledger's tables are only read here, never written (money moves through
 * LedgerService.post), and joined with settlement_lines in one statement so
 * "not yet settled" is decided by the database.
 */
@Injectable()
export class SettlementsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** Serialises settlements of one merchant and currency across all replicas, until the transaction ends. */
  async lock(manager: EntityManager, merchantId: string, currency: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `settlement:${merchantId}:${currency}`,
    ]);
  }

  findByDay(
    manager: EntityManager | undefined,
    merchantId: string,
    currency: string,
    businessDay: string,
  ): Promise<Settlement | null> {
    return this.m(manager).findOneBy(Settlement, { merchantId, currency, businessDay });
  }

  /** The instant a local day ends, computed by PostgreSQL's tz database (the same that cuts the entries). */
  async cutoff(manager: EntityManager | undefined, businessDay: string, timezone: string): Promise<Date> {
    const [row]: Array<{ cutoff: Date }> = await this.m(manager).query(
      `SELECT (($1::date + 1)::timestamp AT TIME ZONE $2) AS cutoff`,
      [businessDay, timezone],
    );
    return row.cutoff;
  }

  /** Unsettled payment/refund entries of the merchant in the currency that occurred before the cut-off, with their money per account role. */
  async unsettledEntries(
    manager: EntityManager,
    merchantId: string,
    currency: string,
    cutoff: Date,
  ): Promise<EntryMoney[]> {
    const rows: Array<Record<string, string | Date | null>> = await manager.query(
      `SELECT e.id, e.type, e.reference_type, e.reference_id, e.reverses_entry_id, e.occurred_at,
              coalesce(sum(${signed}) FILTER (WHERE a.code = 'merchant_pending' AND a.merchant_id = $1), 0)::text AS pending,
              coalesce(sum(${signed}) FILTER (WHERE a.code = 'merchant_available' AND a.merchant_id = $1), 0)::text AS available,
              coalesce(sum(${signed}) FILTER (WHERE a.code = 'platform_fee_revenue'), 0)::text AS fee
         FROM ledger_entries e
         JOIN ledger_postings p ON p.entry_id = e.id AND p.currency = $2
         JOIN ledger_accounts a ON a.id = p.account_id
        WHERE e.merchant_id = $1 AND e.reference_type IN ('payment', 'refund', 'split', 'split_return')
          AND e.occurred_at < $3
          AND NOT EXISTS (SELECT 1 FROM settlement_lines l WHERE l.ledger_entry_id = e.id)
        GROUP BY e.id
       HAVING bool_or(a.code IN ('merchant_pending', 'merchant_available') AND a.merchant_id = $1)
        ORDER BY e.occurred_at, e.id`,
      [merchantId, currency, cutoff],
    );
    return rows.map((r) => ({
      ledgerEntryId: r.id as string,
      entryType: r.type as string,
      referenceType: r.reference_type as string,
      referenceId: r.reference_id as string,
      reversesEntryId: (r.reverses_entry_id as string | null) ?? null,
      occurredAt: r.occurred_at as Date,
      pending: BigInt(r.pending as string),
      available: BigInt(r.available as string),
      fee: BigInt(r.fee as string),
    }));
  }

  /** (merchant, currency) pairs that have unsettled entries. */
  async unsettledPairs(merchantId?: string): Promise<Array<{ merchantId: string; currency: string }>> {
    const rows: Array<{ merchant_id: string; currency: string }> = await this.dataSource.query(
      `SELECT DISTINCT e.merchant_id, a.currency
         FROM ledger_entries e
         JOIN ledger_postings p ON p.entry_id = e.id
         JOIN ledger_accounts a ON a.id = p.account_id AND a.code IN ('merchant_pending', 'merchant_available') AND a.merchant_id = e.merchant_id
        WHERE e.reference_type IN ('payment', 'refund') AND ($1::text IS NULL OR e.merchant_id = $1)
          AND NOT EXISTS (SELECT 1 FROM settlement_lines l WHERE l.ledger_entry_id = e.id)
        ORDER BY 1, 2`,
      [merchantId ?? null],
    );
    return rows.map((r) => ({ merchantId: r.merchant_id, currency: r.currency }));
  }

  /** Local days (ascending) of a pair's unsettled entries up to and including `throughDay`. */
  async unsettledDays(merchantId: string, currency: string, timezone: string, throughDay: string): Promise<string[]> {
    const rows: Array<{ day: string }> = await this.dataSource.query(
      `SELECT DISTINCT (e.occurred_at AT TIME ZONE $3)::date::text AS day
         FROM ledger_entries e
         JOIN ledger_postings p ON p.entry_id = e.id AND p.currency = $2
         JOIN ledger_accounts a ON a.id = p.account_id AND a.code IN ('merchant_pending', 'merchant_available') AND a.merchant_id = $1
        WHERE e.merchant_id = $1 AND e.reference_type IN ('payment', 'refund')
          AND e.occurred_at < (($4::date + 1)::timestamp AT TIME ZONE $3)
          AND NOT EXISTS (SELECT 1 FROM settlement_lines l WHERE l.ledger_entry_id = e.id)
        ORDER BY 1`,
      [merchantId, currency, timezone, throughDay],
    );
    return rows.map((r) => r.day);
  }

  /** What the latest settlement of the pair carried forward (0 before the first). */
  async lastCarriedForward(manager: EntityManager, merchantId: string, currency: string): Promise<bigint> {
    const [row]: Array<{ carried_forward: string }> = await manager.query(
      `SELECT carried_forward::text FROM settlements WHERE merchant_id = $1 AND currency = $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
      [merchantId, currency],
    );
    return row ? BigInt(row.carried_forward) : 0n;
  }

  async insert(manager: EntityManager, s: Settlement, lines: readonly LineDraft[]): Promise<void> {
    await manager.insert(Settlement, s);
    if (lines.length === 0) return;
    await manager.query(
      `INSERT INTO settlement_lines (settlement_id, merchant_id, ledger_entry_id, kind, entry_type, reference_type, reference_id, occurred_at, gross_amount, fee_amount, net_amount, pending_amount)
       SELECT $1, $2, t.* FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[]) AS t`,
      [
        s.id,
        s.merchantId,
        lines.map((l) => l.ledgerEntryId),
        lines.map((l) => l.kind),
        lines.map((l) => l.entryType),
        lines.map((l) => l.referenceType),
        lines.map((l) => l.referenceId),
        lines.map((l) => l.occurredAt),
        lines.map((l) => l.grossAmount.toString()),
        lines.map((l) => l.feeAmount.toString()),
        lines.map((l) => l.netAmount.toString()),
        lines.map((l) => l.pendingAmount.toString()),
      ],
    );
  }

  findById(id: string, manager?: EntityManager): Promise<Settlement | null> {
    return this.m(manager).findOneBy(Settlement, { id });
  }

  /** Newest first, `limit + 1` rows for the page. */
  list(filter: SettlementFilter): Promise<Settlement[]> {
    const qb = this.dataSource.manager.createQueryBuilder(Settlement, 's');
    if (filter.merchantId) qb.andWhere('s.merchant_id = :merchantId', { merchantId: filter.merchantId });
    if (filter.currency) qb.andWhere('s.currency = :currency', { currency: filter.currency });
    if (filter.businessDay) qb.andWhere('s.business_day = :day', { day: filter.businessDay });
    if (filter.startingAfter) qb.andWhere('s.id < :after', { after: filter.startingAfter });
    return qb
      .orderBy('s.id', 'DESC')
      .take(filter.limit + 1)
      .getMany();
  }

  /** Lines in the order they occurred; capped, the settlement's line_count says how many there are. */
  lines(settlementId: string, limit: number): Promise<SettlementLine[]> {
    return this.dataSource.manager.find(SettlementLine, { where: { settlementId }, order: { id: 'ASC' }, take: limit });
  }

  /** The settlements of one business day, of every merchant or one. */
  settlementsForDay(businessDay: string, merchantId?: string): Promise<Settlement[]> {
    return this.dataSource.manager.find(Settlement, {
      where: { businessDay, ...(merchantId ? { merchantId } : {}) },
      order: { id: 'ASC' },
    });
  }
}
