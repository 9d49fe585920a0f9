import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '../../../common/ids/ids.util';
import { WebhookAttempt } from '../entities/webhook-attempt.entity';
import { WebhookDelivery, WebhookDeliveryStatus } from '../entities/webhook-delivery.entity';
import { WebhookEndpointState } from '../entities/webhook-endpoint-state.entity';

export interface DeliveryFilter {
  limit: number;
  startingAfter?: string;
  merchantId?: string;
  appId?: string;
  eventId?: string;
  status?: WebhookDeliveryStatus;
}

/** An app's webhook endpoint: its state row's key. */
export type EndpointKey = Pick<WebhookEndpointState, 'appId' | 'merchantId'>;

/** Webhook deliveries, their attempt log and endpoint health. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One delivery per (event, app); a redelivered event adds nothing. Returns how many were new. */
  async createForEvent(
    manager: EntityManager,
    event: { id: string; type: string; merchantId: string },
    appIds: string[],
  ): Promise<number> {
    if (appIds.length === 0) return 0;
    const rows: unknown[] = await manager.query(
      `INSERT INTO webhook_deliveries (id, event_id, event_type, merchant_id, app_id, status, next_attempt_at)
       SELECT ids.id, $1, $2, $3, ids.app_id, 'pending', now() FROM unnest($4::text[], $5::text[]) AS ids(id, app_id)
       ON CONFLICT (event_id, app_id, merchant_id) DO NOTHING RETURNING id`,
      [event.id, event.type, event.merchantId, appIds.map(() => newId('whd')), appIds],
    );
    return rows.length;
  }

  /**
   * Due deliveries, at most `perEndpoint` per app, skipping apps this process
   * already saturates and disabled endpoints: a backlog at one endpoint never
   * hides another endpoint's due deliveries.
   */
  async findDue(
    saturatedAppIds: string[],
    perEndpoint: number,
    limit: number,
  ): Promise<Array<{ id: string; app_id: string }>> {
    return this.dataSource.query(
      `SELECT d.id, a.app_id FROM (
         SELECT DISTINCT w.app_id FROM webhook_deliveries w
         WHERE w.status = 'pending' AND w.next_attempt_at <= now() AND NOT (w.app_id = ANY($1::text[]))
           AND NOT EXISTS (SELECT 1 FROM webhook_endpoint_states s WHERE s.app_id = w.app_id AND s.status = 'disabled')
       ) a
       CROSS JOIN LATERAL (
         SELECT w.id FROM webhook_deliveries w
         WHERE w.app_id = a.app_id AND w.status = 'pending' AND w.next_attempt_at <= now()
         ORDER BY w.next_attempt_at LIMIT $2
       ) d
       LIMIT $3`,
      [saturatedAppIds, perEndpoint, limit],
    );
  }

  /**
   * Takes the deliveries by pushing `next_attempt_at` past the request's
   * timeout (a lease): the conditional UPDATE makes sure two senders never
   * take the same row, and a crashed sender's rows become due again.
   */
  async claim(ids: string[], leaseMs: number): Promise<WebhookDelivery[]> {
    if (ids.length === 0) return [];
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [rows]: [Array<{ id: string }>, number] = await this.dataSource.query(
      `UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
       WHERE id = ANY($1::text[]) AND status = 'pending' AND next_attempt_at <= now() RETURNING id`,
      [ids, leaseMs],
    );
    if (rows.length === 0) return [];
    return this.dataSource.manager
      .createQueryBuilder(WebhookDelivery, 'd')
      .where('d.id IN (:...ids)', { ids: rows.map((r) => r.id) })
      .getMany();
  }

  lock(manager: EntityManager, id: string): Promise<WebhookDelivery | null> {
    return manager.findOne(WebhookDelivery, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Writes an attempt's outcome (one UPDATE; the row is already locked by the caller). */
  async saveOutcome(manager: EntityManager, d: WebhookDelivery): Promise<void> {
    await manager.query(
      `UPDATE webhook_deliveries SET status = $2, attempts = $3, schedule_step = $4, next_attempt_at = $5, last_status_code = $6,
         last_error = $7, last_latency_ms = $8, delivered_at = $9, updated_at = now() WHERE id = $1`,
      [
        d.id,
        d.status,
        d.attempts,
        d.scheduleStep,
        d.nextAttemptAt,
        d.lastStatusCode,
        d.lastError,
        d.lastLatencyMs,
        d.deliveredAt,
      ],
    );
  }

  async insertAttempt(manager: EntityManager, attempt: Omit<WebhookAttempt, 'id'>): Promise<void> {
    await manager.insert(WebhookAttempt, { id: newId('wha'), ...attempt });
  }

  /**
   * Success resets the endpoint's failure streak, failure extends it. A
   * success on a healthy endpoint writes nothing (a plain UPDATE that matches
   * no row locks nothing), so deliveries to one endpoint do not queue on its
   * state row. Returns the state after a failure (row-locked), else undefined.
   */
  async recordEndpointOutcome(
    manager: EntityManager,
    endpoint: EndpointKey,
    ok: boolean,
  ): Promise<WebhookEndpointState | undefined> {
    const { appId, merchantId } = endpoint;
    if (ok) {
      await manager.query(
        `UPDATE webhook_endpoint_states SET consecutive_failures = 0, failing_since = NULL, updated_at = now()
         WHERE app_id = $1 AND merchant_id = $2 AND (consecutive_failures <> 0 OR failing_since IS NOT NULL)`,
        [appId, merchantId],
      );
      return undefined;
    }
    const rows: WebhookEndpointState[] = await manager.query(
      `INSERT INTO webhook_endpoint_states (app_id, merchant_id, consecutive_failures, failing_since) VALUES ($1, $2, 1, now())
       ON CONFLICT (app_id, merchant_id) DO UPDATE SET consecutive_failures = webhook_endpoint_states.consecutive_failures + 1,
         failing_since = coalesce(webhook_endpoint_states.failing_since, now()), updated_at = now()
       RETURNING status, failing_since AS "failingSince"`,
      [appId, merchantId],
    );
    return Object.assign(new WebhookEndpointState(), rows[0], { appId, merchantId });
  }

  async setEndpointStatus(
    manager: EntityManager,
    endpoint: EndpointKey,
    status: 'enabled' | 'disabled',
    reason: string | null,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO webhook_endpoint_states (app_id, merchant_id, status, disabled_at, disabled_reason)
       VALUES ($1, $2, $3, CASE WHEN $3 = 'disabled' THEN now() END, $4)
       ON CONFLICT (app_id, merchant_id) DO UPDATE SET status = $3, disabled_at = CASE WHEN $3 = 'disabled' THEN now() END, disabled_reason = $4,
         consecutive_failures = CASE WHEN $3 = 'enabled' THEN 0 ELSE webhook_endpoint_states.consecutive_failures END,
         failing_since = CASE WHEN $3 = 'enabled' THEN NULL ELSE webhook_endpoint_states.failing_since END, updated_at = now()`,
      [endpoint.appId, endpoint.merchantId, status, reason],
    );
  }

  findEndpointState(appId: string): Promise<WebhookEndpointState | null> {
    return this.dataSource.manager.findOneBy(WebhookEndpointState, { appId });
  }

  findById(id: string, merchantId?: string): Promise<WebhookDelivery | null> {
    return this.dataSource.manager.findOneBy(WebhookDelivery, merchantId ? { id, merchantId } : { id });
  }

  attempts(deliveryId: string): Promise<WebhookAttempt[]> {
    return this.dataSource.manager.find(WebhookAttempt, {
      where: { deliveryId },
      order: { attemptedAt: 'ASC', id: 'ASC' },
    });
  }

  list(filter: DeliveryFilter): Promise<WebhookDelivery[]> {
    const qb = this.dataSource.manager
      .createQueryBuilder(WebhookDelivery, 'd')
      .orderBy('d.id', 'DESC')
      .limit(filter.limit + 1);
    if (filter.startingAfter) qb.andWhere('d.id < :cursor', { cursor: filter.startingAfter });
    if (filter.merchantId) qb.andWhere('d.merchant_id = :merchantId', { merchantId: filter.merchantId });
    if (filter.appId) qb.andWhere('d.app_id = :appId', { appId: filter.appId });
    if (filter.eventId) qb.andWhere('d.event_id = :eventId', { eventId: filter.eventId });
    if (filter.status) qb.andWhere('d.status = :status', { status: filter.status });
    return qb.getMany();
  }

  /** Re-arms a delivery now, whatever its status, restarting its retry schedule (a manual redelivery). */
  async rearm(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), schedule_step = 0, updated_at = now() WHERE id = $1`,
      [id],
    );
  }
}
