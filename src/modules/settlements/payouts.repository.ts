import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { Payout, PayoutStatus } from './entities/payout.entity';

export interface PayoutFilter {
  merchantId?: string;
  status?: PayoutStatus;
  startingAfter?: string;
  limit: number;
}

@Injectable()
export class PayoutsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** Serialises payout decisions of one merchant and currency (what is available is read, then reserved). */
  async lock(manager: EntityManager, merchantId: string, currency: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`payout:${merchantId}:${currency}`]);
  }

  /** false when a payout for this settlement already exists (a redelivered or replayed event). */
  async insertOnce(manager: EntityManager, p: Payout): Promise<boolean> {
    const rows: unknown[] = await manager
      .createQueryBuilder()
      .insert()
      .into(Payout)
      .values(p)
      .orIgnore()
      .returning('id')
      .execute()
      .then((r) => r.raw as unknown[]);
    return rows.length > 0;
  }

  /** Money promised to payouts that wait for approval: not in the ledger yet, but no longer free to pay out again. */
  async awaitingApproval(manager: EntityManager, merchantId: string, currency: string): Promise<bigint> {
    const [row]: Array<{ total: string }> = await manager.query(
      `SELECT coalesce(sum(amount), 0)::text AS total FROM payouts WHERE merchant_id = $1 AND currency = $2 AND status = 'awaiting_approval'`,
      [merchantId, currency],
    );
    return BigInt(row.total);
  }

  lockPayout(manager: EntityManager, id: string): Promise<Payout | null> {
    return manager.findOne(Payout, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  findById(id: string, manager?: EntityManager): Promise<Payout | null> {
    return this.m(manager).findOneBy(Payout, { id });
  }

  forSettlement(settlementId: string, manager?: EntityManager): Promise<Payout | null> {
    return this.m(manager).findOneBy(Payout, { settlementId });
  }

  async update(manager: EntityManager, id: string, changes: Partial<Payout>): Promise<void> {
    await manager.update(Payout, { id }, { ...changes, updatedAt: new Date() });
  }

  /** Due payouts, leased so another replica skips them (SKIP LOCKED) and a crashed worker's claim expires. */
  async claimDue(limit: number, leaseMs: number): Promise<Payout[]> {
    const [rows]: [Array<{ id: string }>, number] = await this.dataSource.query(
      `UPDATE payouts SET next_check_at = now() + ($2 || ' milliseconds')::interval
        WHERE id IN (
          SELECT id FROM payouts
           WHERE next_check_at IS NOT NULL AND next_check_at <= now() AND status = 'in_transit'
           ORDER BY next_check_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [limit, String(leaseMs)],
    );
    if (rows.length === 0) return [];
    return this.dataSource.manager.find(Payout, { where: { id: In(rows.map((r) => r.id)) }, order: { id: 'ASC' } });
  }

  list(filter: PayoutFilter): Promise<Payout[]> {
    const qb = this.dataSource.manager.createQueryBuilder(Payout, 'p');
    if (filter.merchantId) qb.andWhere('p.merchant_id = :merchantId', { merchantId: filter.merchantId });
    if (filter.status) qb.andWhere('p.status = :status', { status: filter.status });
    if (filter.startingAfter) qb.andWhere('p.id < :after', { after: filter.startingAfter });
    return qb
      .orderBy('p.id', 'DESC')
      .take(filter.limit + 1)
      .getMany();
  }
}
