import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { CheckoutSession } from './entities/checkout-session.entity';
import { CounterCode } from './entities/counter-code.entity';

/** Most payments a session may start (one per choice of channel); the table's CHECK says the same. */
export const MAX_SESSION_ATTEMPTS = 20;

/** The checkout aggregate's tables: sessions and the counter codes that start them. */
@Injectable()
export class CheckoutRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insertSession(session: CheckoutSession): Promise<void> {
    await this.dataSource.manager.insert(CheckoutSession, session);
  }

  findSession(id: string, manager?: EntityManager): Promise<CheckoutSession | null> {
    return (manager ?? this.dataSource.manager).findOneBy(CheckoutSession, { id });
  }

  /** Many sessions in one query (the live-status streams read every watched session together). */
  findSessions(ids: string[]): Promise<CheckoutSession[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.dataSource.manager.findBy(CheckoutSession, { id: In(ids) });
  }

  /** Tenancy lives in the query: another merchant's id is simply not found. */
  findSessionForMerchant(merchantId: string, id: string): Promise<CheckoutSession | null> {
    return this.dataSource.manager.findOneBy(CheckoutSession, { id, merchantId });
  }

  findSessionByOutTradeNo(appId: string, outTradeNo: string): Promise<CheckoutSession | null> {
    return this.dataSource.manager.findOneBy(CheckoutSession, { appId, outTradeNo });
  }

  /**
   * Takes the next attempt number of an open, unexpired session in one
   * conditional UPDATE, so two clicks at once get two numbers (two distinct
   * out_trade_nos) and an expired or complete session gets none.
   */
  async claimAttempt(id: string, now: Date): Promise<{ attempts: number; paymentId: string | null } | undefined> {
    // UPDATE … RETURNING answers [rows, count] through TypeORM's query().
    const [rows]: [Array<{ attempts: number; previous: string | null }>, number] = await this.dataSource.query(
      `UPDATE checkout_sessions s SET attempts = s.attempts + 1, updated_at = $2
         FROM (SELECT id, payment_id AS previous FROM checkout_sessions WHERE id = $1 FOR UPDATE) old
        WHERE s.id = old.id AND s.status = 'open' AND s.expires_at > $2 AND s.attempts < $3
        RETURNING s.attempts, old.previous`,
      [id, now, MAX_SESSION_ATTEMPTS],
    );
    return rows[0] ? { attempts: rows[0].attempts, paymentId: rows[0].previous } : undefined;
  }

  /** Points an open session at its newest payment; a session completed meanwhile keeps the one that paid. */
  async setPayment(id: string, paymentId: string, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE checkout_sessions SET payment_id = $2, updated_at = $3 WHERE id = $1 AND status = 'open'`,
      [id, paymentId, now],
    );
  }

  /**
   * open or expired -> complete, with the payment that paid (a payment still
   * open at the provider may pay a session after it expired). Answers the
   * session afterwards when this call changed it, undefined when it was
   * complete already: the caller emits its event only on a change.
   */
  async complete(
    manager: EntityManager,
    id: string,
    paymentId: string,
    now: Date,
  ): Promise<CheckoutSession | undefined> {
    const [rows]: [Array<{ id: string }>, number] = await manager.query(
      `UPDATE checkout_sessions SET status = 'complete', payment_id = $2, completed_at = $3, updated_at = $3
        WHERE id = $1 AND status <> 'complete'
        RETURNING id`,
      [id, paymentId, now],
    );
    return rows.length > 0 ? ((await manager.findOneBy(CheckoutSession, { id })) ?? undefined) : undefined;
  }

  /** open -> expired once its clock ran out; undefined when this call changed nothing. */
  async expire(manager: EntityManager, id: string, now: Date): Promise<CheckoutSession | undefined> {
    const [rows]: [Array<{ id: string }>, number] = await manager.query(
      `UPDATE checkout_sessions SET status = 'expired', updated_at = $2
        WHERE id = $1 AND status = 'open' AND expires_at <= $2
        RETURNING id`,
      [id, now],
    );
    return rows.length > 0 ? ((await manager.findOneBy(CheckoutSession, { id })) ?? undefined) : undefined;
  }

  /**
   * Open sessions whose clock ran out, oldest first, locked (SKIP LOCKED:
   * several workers share the sweep) in `manager`'s transaction.
   */
  claimExpired(manager: EntityManager, now: Date, limit: number): Promise<CheckoutSession[]> {
    return manager
      .createQueryBuilder(CheckoutSession, 's')
      .where(`s.status = 'open' AND s.expires_at <= :now`, { now })
      .orderBy('s.expires_at', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  listSessions(merchantId: string, limit: number, startingAfter?: string): Promise<CheckoutSession[]> {
    const qb = this.dataSource.manager
      .createQueryBuilder(CheckoutSession, 's')
      .where('s.merchant_id = :merchantId', { merchantId })
      .orderBy('s.id', 'DESC')
      .limit(limit + 1);
    if (startingAfter) qb.andWhere('s.id < :startingAfter', { startingAfter });
    return qb.getMany();
  }

  async insertCounterCode(code: CounterCode): Promise<void> {
    await this.dataSource.manager.insert(CounterCode, code);
  }

  findCounterCode(id: string): Promise<CounterCode | null> {
    return this.dataSource.manager.findOneBy(CounterCode, { id });
  }

  findCounterCodeForMerchant(merchantId: string, id: string): Promise<CounterCode | null> {
    return this.dataSource.manager.findOneBy(CounterCode, { id, merchantId });
  }
}
