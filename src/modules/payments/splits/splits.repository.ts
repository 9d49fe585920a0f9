import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PG_CHECK_VIOLATION, sqlState } from '../../../persistence/transaction.util';
import { BoundSplitReceiver } from '../entities/bound-split-receiver.entity';
import { Split, SplitStatus } from '../entities/split.entity';
import { SplitReturn } from '../entities/split-return.entity';

/**
 * What a new split may still take, in SQL: the captured amount less every
 * split so far (a return does not make money splittable again), what refunds
 * reserved, and in collected mode the platform's fee still withheld. The
 * same sum, with splits net of returns, is the CHECK of migration
 * 1765900000000 that refunds are held to as well.
 */
const SPLIT_FITS = `amount_split + $2 + amount_refund_reserved
  + CASE WHEN money_mode = 'collected' THEN fee_amount - fee_refunded ELSE 0 END <= amount_captured`;

/** The split aggregate's tables: splits, their returns, and the receivers bound at each provider. */
@Injectable()
export class SplitsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /**
   * Of these ledger references (payment, split and split_return ids), those of a collected-mode payment made
   * with profit sharing and not released yet: settlement waits for the release (docs/settlement.md).
   */
  async heldFromSettlement(
    refs: readonly { referenceType: string; referenceId: string }[],
    manager?: EntityManager,
  ): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const rows: Array<{ reference_id: string }> = await this.m(manager).query(
      `SELECT r.reference_id
         FROM unnest($1::text[], $2::text[]) AS r(reference_type, reference_id)
         JOIN payments p ON p.id = CASE r.reference_type
                                     WHEN 'payment' THEN r.reference_id
                                     WHEN 'split' THEN (SELECT s.payment_id FROM splits s WHERE s.id = r.reference_id)
                                     WHEN 'split_return'
                                       THEN (SELECT x.payment_id FROM split_returns x WHERE x.id = r.reference_id)
                                   END
        WHERE p.profit_sharing AND p.money_mode = 'collected' AND p.split_state IS DISTINCT FROM 'released'`,
      [refs.map((r) => r.referenceType), refs.map((r) => r.referenceId)],
    );
    return new Set(rows.map((r) => r.reference_id));
  }

  /**
   * Takes room for a split on the payment with one conditional update (the
   * row lock makes concurrent splits queue and re-check): false when the
   * payment is not open for splits or the amount does not fit. `finish`
   * closes the payment to further splits at once.
   */
  async reserve(manager: EntityManager, paymentId: string, amount: bigint, finish: boolean): Promise<boolean> {
    try {
      const result = await manager.query(
        `UPDATE payments SET amount_split = amount_split + $2,
                split_state = CASE WHEN $3::boolean THEN 'releasing' ELSE split_state END, updated_at = now()
          WHERE id = $1 AND status = 'succeeded' AND profit_sharing AND split_state = 'open' AND ${SPLIT_FITS}`,
        [paymentId, amount.toString(), finish],
      );
      return (result[1] ?? 0) > 0;
    } catch (err) {
      // The CHECK is the last word if the condition above ever disagreed with it.
      if (sqlState(err) === PG_CHECK_VIOLATION) return false;
      throw err;
    }
  }

  /** A failed split gives its room back (and a failed finish reopens the payment). */
  async unreserve(manager: EntityManager, paymentId: string, amount: bigint, finish: boolean): Promise<void> {
    await manager.query(
      `UPDATE payments SET amount_split = amount_split - $2,
              split_state = CASE WHEN $3::boolean AND split_state = 'releasing' THEN 'open' ELSE split_state END,
              updated_at = now()
        WHERE id = $1`,
      [paymentId, amount.toString(), finish],
    );
  }

  /** Closes the payment to splits while its remainder is released; false when it is not open. */
  async beginRelease(manager: EntityManager, paymentId: string): Promise<boolean> {
    const result = await manager.query(
      `UPDATE payments SET split_state = 'releasing', updated_at = now()
        WHERE id = $1 AND status = 'succeeded' AND profit_sharing AND split_state = 'open'`,
      [paymentId],
    );
    return (result[1] ?? 0) > 0;
  }

  async endRelease(manager: EntityManager, paymentId: string, released: boolean): Promise<void> {
    await manager.query(
      `UPDATE payments SET split_state = $2, version = version + 1, updated_at = now()
        WHERE id = $1 AND split_state = 'releasing'`,
      [paymentId, released ? 'released' : 'open'],
    );
  }

  async recordReturned(manager: EntityManager, paymentId: string, amount: bigint): Promise<void> {
    await manager.query(
      `UPDATE payments SET amount_split_returned = amount_split_returned + $2, updated_at = now() WHERE id = $1`,
      [paymentId, amount.toString()],
    );
  }

  async insert(manager: EntityManager, split: Split): Promise<void> {
    await manager.insert(Split, split);
  }

  findById(id: string, manager?: EntityManager): Promise<Split | null> {
    return this.m(manager).findOneBy(Split, { id });
  }

  findForMerchant(merchantId: string, id: string): Promise<Split | null> {
    return this.dataSource.manager.findOneBy(Split, { id, merchantId });
  }

  lock(manager: EntityManager, id: string): Promise<Split | null> {
    return manager.findOne(Split, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  forPayment(paymentId: string): Promise<Split[]> {
    return this.dataSource.manager.find(Split, { where: { paymentId }, order: { id: 'ASC' } });
  }

  /** Conditional status change; false when the split already left `from`. */
  async transition(manager: EntityManager, split: Split, to: SplitStatus, changes: Partial<Split>): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Split)
      .set({ ...(changes as object), status: to, updatedAt: new Date() })
      .where('id = :id AND status = :from', { id: split.id, from: split.status })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async update(manager: EntityManager, id: string, changes: Partial<Split>): Promise<void> {
    await manager.update(Split, { id }, { ...(changes as object), updatedAt: new Date() });
  }

  /** Takes room for a return on the split (the per-receiver limit is checked under the split's row lock). */
  async reserveReturn(manager: EntityManager, splitId: string, amount: bigint): Promise<boolean> {
    const result = await manager.query(
      `UPDATE splits SET amount_return_reserved = amount_return_reserved + $2, updated_at = now()
        WHERE id = $1 AND kind = 'split' AND status = 'succeeded' AND amount_return_reserved + $2 <= amount`,
      [splitId, amount.toString()],
    );
    return (result[1] ?? 0) > 0;
  }

  async unreserveReturn(manager: EntityManager, splitId: string, amount: bigint): Promise<void> {
    await manager.query(
      `UPDATE splits SET amount_return_reserved = amount_return_reserved - $2, updated_at = now() WHERE id = $1`,
      [splitId, amount.toString()],
    );
  }

  /** Returns pending or succeeded for one receiver of a split (call under the split's row lock). */
  async returnedOrPending(manager: EntityManager, splitId: string, account: string): Promise<bigint> {
    const [row]: Array<{ sum: string | null }> = await manager.query(
      `SELECT sum(amount)::text AS sum FROM split_returns WHERE split_id = $1 AND receiver_account = $2 AND status <> 'failed'`,
      [splitId, account],
    );
    return BigInt(row?.sum ?? '0');
  }

  async insertReturn(manager: EntityManager, r: SplitReturn): Promise<void> {
    await manager.insert(SplitReturn, r);
  }

  findReturn(id: string, manager?: EntityManager): Promise<SplitReturn | null> {
    return this.m(manager).findOneBy(SplitReturn, { id });
  }

  lockReturn(manager: EntityManager, id: string): Promise<SplitReturn | null> {
    return manager.findOne(SplitReturn, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  returnsOf(splitIds: string[]): Promise<SplitReturn[]> {
    if (splitIds.length === 0) return Promise.resolve([]);
    return this.dataSource.manager
      .createQueryBuilder(SplitReturn, 'r')
      .where('r.split_id IN (:...ids)', { ids: splitIds })
      .orderBy('r.id', 'ASC')
      .getMany();
  }

  async transitionReturn(
    manager: EntityManager,
    r: SplitReturn,
    to: SplitStatus,
    changes: Partial<SplitReturn>,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(SplitReturn)
      .set({ ...(changes as object), status: to, updatedAt: new Date() })
      .where('id = :id AND status = :from', { id: r.id, from: r.status })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async updateReturn(manager: EntityManager, id: string, changes: Partial<SplitReturn>): Promise<void> {
    await manager.update(SplitReturn, { id }, { ...(changes as object), updatedAt: new Date() });
  }

  /** Same lease scheme as payments and refunds: pending splits whose outcome we still need to learn. */
  async claimDue(limit: number, leaseMs: number): Promise<Split[]> {
    return this.claim(Split, 'splits', limit, leaseMs);
  }

  async claimDueReturns(limit: number, leaseMs: number): Promise<SplitReturn[]> {
    return this.claim(SplitReturn, 'split_returns', limit, leaseMs);
  }

  private async claim<T extends Split | SplitReturn>(
    entity: new () => T,
    table: 'splits' | 'split_returns',
    limit: number,
    leaseMs: number,
  ): Promise<T[]> {
    const [ids]: [Array<{ id: string }>, number] = await this.dataSource.query(
      `UPDATE ${table} SET next_check_at = now() + ($2 || ' milliseconds')::interval
        WHERE id IN (
          SELECT id FROM ${table} WHERE next_check_at IS NOT NULL AND next_check_at <= now()
           ORDER BY next_check_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [limit, String(leaseMs)],
    );
    if (ids.length === 0) return [];
    return this.dataSource.manager
      .createQueryBuilder(entity, 'x')
      .where('x.id IN (:...ids)', { ids: ids.map((r) => r.id) })
      .getMany();
  }

  async isBound(merchantId: string, provider: string, type: string, account: string): Promise<boolean> {
    return (await this.dataSource.manager.countBy(BoundSplitReceiver, { merchantId, provider, type, account })) > 0;
  }

  async markBound(merchantId: string, provider: string, type: string, account: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO split_receivers (merchant_id, provider, type, account, bound_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT DO NOTHING`,
      [merchantId, provider, type, account],
    );
  }
}
