import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { withTransaction } from '../../persistence/transaction.util';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { OutboxService } from '../notifications/outbox.service';
import { cashierUrl, toCheckoutSessionResponse } from './checkout.mapper';
import { CheckoutRepository } from './checkout.repository';
import type { CheckoutSession } from './entities/checkout-session.entity';

/**
 * The one place a checkout session changes status once open. Each change
 * and its event (checkout_session.completed / .expired) commit in one
 * transaction, and only the call that made the change emits, so the cashier
 * page, the API, the payment consumer and the sweeper can all race to the
 * same change and the merchant still hears of it exactly once.
 */
@Injectable()
export class CheckoutLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: CheckoutRepository,
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The session is paid by `paymentId`; undefined when it was complete already. Joins `manager` when given. */
  complete(id: string, paymentId: string, manager?: EntityManager): Promise<CheckoutSession | undefined> {
    return this.inTransaction(manager, async (m) => {
      const session = await this.repo.complete(m, id, paymentId, new Date());
      if (session) await this.emit(m, 'checkout_session.completed', session);
      return session;
    });
  }

  /** An open session whose clock ran out expires; undefined when this call changed nothing. */
  expire(id: string, manager?: EntityManager): Promise<CheckoutSession | undefined> {
    return this.inTransaction(manager, async (m) => {
      const session = await this.repo.expire(m, id, new Date());
      if (session) await this.emit(m, 'checkout_session.expired', session);
      return session;
    });
  }

  private inTransaction<T>(manager: EntityManager | undefined, fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return manager ? fn(manager) : withTransaction(this.dataSource, fn);
  }

  private async emit(
    manager: EntityManager,
    type: 'checkout_session.completed' | 'checkout_session.expired',
    session: CheckoutSession,
  ): Promise<void> {
    await this.outbox.enqueue(manager, {
      type,
      merchantId: session.merchantId,
      appId: session.appId,
      aggregateId: session.id,
      object: toCheckoutSessionResponse(session, cashierUrl(this.config.publicBaseUrl, session.id)),
    });
  }
}
