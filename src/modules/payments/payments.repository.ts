import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { Payment } from './entities/payment.entity';
import { PaymentTransition } from './entities/payment-transition.entity';
import { ProviderCallback } from './entities/provider-callback.entity';
import type { PaymentStatus, TransitionCause } from './payment-state-machine';

export interface PaymentFilter {
  merchantId?: string;
  appId?: string;
  status?: PaymentStatus;
  channel?: string;
  outTradeNo?: string;
  createdGte?: Date;
  createdLt?: Date;
  startingAfter?: string;
  limit: number;
}

export interface TransitionRecord {
  cause: TransitionCause;
  actor?: string | null;
  detail?: Record<string, unknown> | null;
  refundId?: string | null;
}

/** The payment aggregate's tables: payments, their timeline and raw provider callbacks. */
@Injectable()
export class PaymentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async insert(manager: EntityManager, payment: Payment): Promise<void> {
    await manager.insert(Payment, payment);
  }

  findById(id: string, manager?: EntityManager): Promise<Payment | null> {
    return this.m(manager).findOneBy(Payment, { id });
  }

  /** Tenancy lives in the query: another merchant's id is simply not found. */
  async findForMerchant(merchantId: string, id: string): Promise<Payment | null> {
    // Plain SQL on the hottest read (GET /v1/payments/:id): the query builder costs more CPU than the query.
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT * FROM payments WHERE id = $1 AND merchant_id = $2`,
      [id, merchantId],
    );
    return rows[0] ? this.dataSource.manager.create(Payment, this.fromRaw(this.dataSource.manager, rows[0])) : null;
  }

  /** The statuses of many payments in one query (the cashier's live-status streams read them together). */
  async statuses(ids: string[]): Promise<Map<string, PaymentStatus>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; status: PaymentStatus }> = await this.dataSource.query(
      `SELECT id, status FROM payments WHERE id = ANY($1)`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  findByOutTradeNo(appId: string, outTradeNo: string, manager?: EntityManager): Promise<Payment | null> {
    return this.m(manager).findOneBy(Payment, { appId, outTradeNo });
  }

  async lock(manager: EntityManager, id: string): Promise<Payment | null> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT * FROM payments WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ? manager.create(Payment, this.fromRaw(manager, rows[0])) : null;
  }

  list(filter: PaymentFilter): Promise<Payment[]> {
    const qb = this.dataSource.manager.createQueryBuilder(Payment, 'p');
    if (filter.merchantId) qb.andWhere('p.merchant_id = :merchantId', { merchantId: filter.merchantId });
    if (filter.appId) qb.andWhere('p.app_id = :appId', { appId: filter.appId });
    if (filter.status) qb.andWhere('p.status = :status', { status: filter.status });
    if (filter.channel) qb.andWhere('p.channel = :channel', { channel: filter.channel });
    if (filter.outTradeNo) qb.andWhere('p.out_trade_no = :outTradeNo', { outTradeNo: filter.outTradeNo });
    if (filter.createdGte) qb.andWhere('p.created_at >= :gte', { gte: filter.createdGte });
    if (filter.createdLt) qb.andWhere('p.created_at < :lt', { lt: filter.createdLt });
    if (filter.startingAfter) qb.andWhere('p.id < :after', { after: filter.startingAfter });
    return qb
      .orderBy('p.id', 'DESC')
      .take(filter.limit + 1)
      .getMany();
  }

  /**
   * Moves a payment from `from` to `to` only if it is still in `from`, bumps
   * its version and writes the timeline row. Returns null when another cause
   * got there first (the caller re-reads and decides).
   */
  async transition(
    manager: EntityManager,
    payment: Payment,
    to: PaymentStatus,
    changes: Partial<Payment>,
    record: TransitionRecord,
  ): Promise<Payment | null> {
    const now = new Date();
    const [update, params] = manager
      .createQueryBuilder()
      .update(Payment)
      .set({ ...(changes as object), status: to, version: () => 'version + 1', updatedAt: now })
      .where('id = :id AND status = :from', { id: payment.id, from: payment.status })
      .returning('*')
      .getQueryAndParameters();
    // The conditional update and its timeline row in one statement (one round trip while the caller holds its locks).
    const p = (v: unknown) => `$${params.push(v)}`;
    const rows: Array<Record<string, unknown>> = await manager.query(
      `WITH u AS (${update}),
            t AS (INSERT INTO payment_transitions (id, merchant_id, payment_id, refund_id, from_status, to_status, cause, actor, detail, created_at)
                  SELECT ${p(newId('ptx'))}, u.merchant_id, u.id, ${p(record.refundId ?? null)}, ${p(payment.status)}, ${p(to)}, ${p(record.cause)}, ${p(record.actor ?? null)},
                         ${p(record.detail ? JSON.stringify(record.detail) : null)}::jsonb, ${p(now)} FROM u)
       SELECT * FROM u`,
      params,
    );
    if (rows.length === 0) return null;
    return manager.create(Payment, this.fromRaw(manager, rows[0]));
  }

  /** Field updates that are not status changes (next action, resolver schedule…). */
  async update(manager: EntityManager, id: string, changes: Partial<Payment>): Promise<void> {
    await manager.update(Payment, { id }, { ...(changes as object), updatedAt: new Date() });
  }

  /**
   * Records the provider's answer to a create, only while none is recorded
   * (still pending, provider state creating or unknown); null when another
   * writer got there first.
   */
  async updateCreateOutcome(id: string, changes: Partial<Payment>): Promise<Payment | null> {
    const manager = this.dataSource.manager;
    const result = await manager
      .createQueryBuilder()
      .update(Payment)
      .set({ ...(changes as object), updatedAt: new Date() })
      .where(`id = :id AND status = 'pending' AND provider_state IN ('creating', 'unknown')`, { id })
      .returning('*')
      .execute();
    if (!result.affected) return null;
    return manager.create(Payment, this.fromRaw(manager, result.raw[0]));
  }

  /** Field updates that are not status changes, in one autocommit statement; the row as it is after the update. */
  async updateReturning(id: string, changes: Partial<Payment>): Promise<Payment | null> {
    const manager = this.dataSource.manager;
    const result = await manager
      .createQueryBuilder()
      .update(Payment)
      .set({ ...(changes as object), updatedAt: new Date() })
      .where('id = :id', { id })
      .returning('*')
      .execute();
    if (!result.affected) return null;
    return manager.create(Payment, this.fromRaw(manager, result.raw[0]));
  }

  async addTimeline(
    manager: EntityManager,
    payment: Payment,
    from: string | null,
    to: string,
    record: TransitionRecord,
    at = new Date(),
  ): Promise<void> {
    const row: PaymentTransition = {
      id: newId('ptx'),
      merchantId: payment.merchantId,
      paymentId: payment.id,
      refundId: record.refundId ?? null,
      fromStatus: from,
      toStatus: to,
      cause: record.cause,
      actor: record.actor ?? null,
      detail: record.detail ?? null,
      createdAt: at,
    };
    await manager.insert(PaymentTransition, row as never);
  }

  timeline(paymentId: string): Promise<PaymentTransition[]> {
    return this.dataSource.manager.find(PaymentTransition, { where: { paymentId }, order: { id: 'ASC' } });
  }

  /**
   * Reserves room for a refund with one conditional update: the limit
   * (reserved + amount <= captured) is checked and taken atomically, so
   * concurrent partial refunds can never exceed what was paid. Money split
   * to receivers (and not returned) is not the merchant's to refund: it
   * counts against the same limit (docs/api.md "Splits").
   */
  async reserveRefund(manager: EntityManager, paymentId: string, amount: bigint): Promise<boolean> {
    const result = await manager.query(
      `UPDATE payments SET amount_refund_reserved = amount_refund_reserved + $2, updated_at = now()
        WHERE id = $1 AND status = 'succeeded' AND amount_refund_reserved + $2 <= amount_captured
          AND (amount_split = 0 OR amount_split - amount_split_returned + amount_refund_reserved + $2
               + CASE WHEN money_mode = 'collected' THEN fee_amount - fee_refunded ELSE 0 END <= amount_captured)`,
      [paymentId, amount.toString()],
    );
    return (result[1] ?? 0) > 0;
  }

  async releaseRefund(manager: EntityManager, paymentId: string, amount: bigint): Promise<void> {
    await manager.query(
      `UPDATE payments SET amount_refund_reserved = amount_refund_reserved - $2, updated_at = now() WHERE id = $1`,
      [paymentId, amount.toString()],
    );
  }

  async recordRefunded(manager: EntityManager, paymentId: string, amount: bigint, fee: bigint): Promise<void> {
    await manager.query(
      `UPDATE payments SET amount_refunded = amount_refunded + $2, fee_refunded = fee_refunded + $3, version = version + 1, updated_at = now() WHERE id = $1`,
      [paymentId, amount.toString(), fee.toString()],
    );
  }

  /**
   * Claims open payments whose next check is due, for one resolver pass.
   * SKIP LOCKED plus a lease (next_check_at pushed forward) makes several
   * worker replicas share the work without doing any payment twice at once.
   */
  async claimDue(limit: number, leaseMs: number): Promise<Payment[]> {
    const [rows]: [Array<Record<string, unknown>>, number] = await this.dataSource.query(
      `UPDATE payments SET next_check_at = now() + ($2 || ' milliseconds')::interval
        WHERE id IN (
          SELECT id FROM payments
           WHERE next_check_at IS NOT NULL AND next_check_at <= now()
           ORDER BY next_check_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [limit, String(leaseMs)],
    );
    return rows.map((r) => this.dataSource.manager.create(Payment, this.fromRaw(this.dataSource.manager, r)));
  }

  async saveCallback(manager: EntityManager | undefined, cb: ProviderCallback): Promise<void> {
    await this.m(manager).insert(ProviderCallback, cb as never);
  }

  async markCallback(
    manager: EntityManager,
    id: string,
    outcome: string,
    detail: string | null,
    applied: boolean,
  ): Promise<void> {
    await manager.update(ProviderCallback, { id }, { outcome, detail, appliedAt: applied ? new Date() : null });
  }

  parkedCallbacks(manager: EntityManager, providerOrderId: string): Promise<ProviderCallback[]> {
    return manager.find(ProviderCallback, {
      where: { providerOrderId, outcome: 'parked' },
      order: { id: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** Maps a raw RETURNING row (snake_case columns) onto the entity's properties. */
  private fromRaw(manager: EntityManager, raw: Record<string, unknown>): Partial<Payment> {
    const meta = manager.connection.getMetadata(Payment);
    const out: Record<string, unknown> = {};
    for (const col of meta.columns) {
      const value = raw[col.databaseName];
      out[col.propertyName] =
        col.transformer && !Array.isArray(col.transformer) && value !== undefined ? col.transformer.from(value) : value;
    }
    return out as Partial<Payment>;
  }
}
