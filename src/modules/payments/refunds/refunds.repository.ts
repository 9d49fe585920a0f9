import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Refund } from '../entities/refund.entity';
import type { RefundStatus } from '../payment-state-machine';
import type { RefundAttention } from '../entities/refund.entity';

export interface RefundFilter {
  merchantId?: string;
  paymentId?: string;
  status?: RefundStatus;
  /** Only refunds flagged for an operator for this reason. */
  attention?: RefundAttention;
  startingAfter?: string;
  limit: number;
}

@Injectable()
export class RefundsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async insert(manager: EntityManager, refund: Refund): Promise<void> {
    await manager.insert(Refund, refund);
  }

  findById(id: string, manager?: EntityManager): Promise<Refund | null> {
    return this.m(manager).findOneBy(Refund, { id });
  }

  findForMerchant(merchantId: string, id: string): Promise<Refund | null> {
    return this.dataSource.manager.findOneBy(Refund, { id, merchantId });
  }

  findByOutRefundNo(appId: string, outRefundNo: string, manager?: EntityManager): Promise<Refund | null> {
    return this.m(manager).findOneBy(Refund, { appId, outRefundNo });
  }

  lock(manager: EntityManager, id: string): Promise<Refund | null> {
    return manager.findOne(Refund, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  forPayment(paymentId: string, manager?: EntityManager): Promise<Refund[]> {
    return this.m(manager).find(Refund, { where: { paymentId }, order: { id: 'ASC' } });
  }

  list(filter: RefundFilter): Promise<Refund[]> {
    const qb = this.dataSource.manager.createQueryBuilder(Refund, 'r');
    if (filter.merchantId) qb.andWhere('r.merchant_id = :merchantId', { merchantId: filter.merchantId });
    if (filter.paymentId) qb.andWhere('r.payment_id = :paymentId', { paymentId: filter.paymentId });
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.attention) qb.andWhere('r.attention = :attention', { attention: filter.attention });
    if (filter.startingAfter) qb.andWhere('r.id < :after', { after: filter.startingAfter });
    return qb
      .orderBy('r.id', 'DESC')
      .take(filter.limit + 1)
      .getMany();
  }

  /** Conditional status change; false when the refund already left `from`. */
  async transition(
    manager: EntityManager,
    refund: Refund,
    to: RefundStatus,
    changes: Partial<Refund>,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Refund)
      .set({ ...(changes as object), status: to, updatedAt: new Date() })
      .where('id = :id AND status = :from', { id: refund.id, from: refund.status })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async update(manager: EntityManager, id: string, changes: Partial<Refund>): Promise<void> {
    await manager.update(Refund, { id }, { ...(changes as object), updatedAt: new Date() });
  }

  /** Same lease scheme as payments: pending refunds whose outcome we still need to learn. */
  async claimDue(limit: number, leaseMs: number): Promise<Refund[]> {
    // UPDATE … RETURNING answers [rows, count] through TypeORM's query().
    const [ids]: [Array<{ id: string }>, number] = await this.dataSource.query(
      `UPDATE refunds SET next_check_at = now() + ($2 || ' milliseconds')::interval
        WHERE id IN (
          SELECT id FROM refunds WHERE next_check_at IS NOT NULL AND next_check_at <= now()
           ORDER BY next_check_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [limit, String(leaseMs)],
    );
    if (ids.length === 0) return [];
    return this.dataSource.manager
      .createQueryBuilder(Refund, 'r')
      .where('r.id IN (:...ids)', { ids: ids.map((r) => r.id) })
      .getMany();
  }
}
