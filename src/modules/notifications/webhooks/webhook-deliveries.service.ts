import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { notFound } from '../../../common/errors/domain-error';
import { withTransaction } from '../../../persistence/transaction.util';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { Actor, AuditLogService } from '../../admin/audit-log.service';
import { MerchantDirectory } from '../../merchants/merchant-directory';
import { MerchantsService } from '../../merchants/merchants.service';
import { WebhookAttempt } from '../entities/webhook-attempt.entity';
import { WebhookDelivery } from '../entities/webhook-delivery.entity';
import { endpointForLog, humanDelay } from '../event-log-line';
import { toEventEnvelope } from '../events.mapper';
import { EventsRepository } from '../events.repository';
import { NotificationsMetrics } from '../notifications.metrics';
import { OutboxService } from '../outbox.service';
import { retryDelayMs } from './retry-schedule.util';
import { DeliveryFilter, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { SendResult, WebhookSender } from './webhook-sender';

/** Sending one attempt and recording it; redelivery; endpoint state; secret rotation. */
@Injectable()
export class WebhookDeliveriesService {
  private readonly logger = new Logger(WebhookDeliveriesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: WebhookDeliveriesRepository,
    private readonly events: EventsRepository,
    private readonly directory: MerchantDirectory,
    private readonly merchants: MerchantsService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditLogService,
    private readonly sender: WebhookSender,
    private readonly metrics: NotificationsMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One HTTP attempt of a claimed delivery, then its outcome in one transaction. */
  async attempt(delivery: WebhookDelivery, signal?: AbortSignal): Promise<void> {
    const [endpoint, event] = await Promise.all([
      this.directory.webhookEndpoint(delivery.appId),
      this.events.findById(delivery.eventId),
    ]);
    const url = endpoint?.url ?? null;
    let result: SendResult;
    if (!endpoint || !event)
      result = { ok: false, statusCode: null, error: 'the app has no webhook endpoint', latencyMs: 0 };
    else
      result = await this.sender.send(
        endpoint.url,
        event.id,
        JSON.stringify(toEventEnvelope(event)),
        endpoint.secrets,
        signal,
      );
    if (signal?.aborted && !result.ok) return; // shutting down: the lease expires and the attempt is made again
    const outcome = result.ok ? 'success' : 'failure';
    this.metrics.webhookAttempts.inc({ outcome });
    this.metrics.webhookLatency.observe({ outcome }, result.latencyMs / 1000);
    await this.record(delivery.id, url ?? '', result);
  }

  private record(deliveryId: string, url: string, result: SendResult): Promise<void> {
    return withTransaction(this.dataSource, async (manager) => {
      const d = await this.repo.lock(manager, deliveryId);
      if (!d) return;
      const trigger: WebhookAttempt['trigger'] =
        d.attempts === 0 ? 'initial' : d.scheduleStep === 0 ? 'manual' : 'retry';
      await this.repo.insertAttempt(manager, {
        deliveryId,
        merchantId: d.merchantId,
        url,
        statusCode: result.statusCode,
        error: result.error,
        latencyMs: result.latencyMs,
        succeeded: result.ok,
        trigger,
        attemptedAt: new Date(),
      });
      d.attempts += 1;
      d.lastStatusCode = result.statusCode;
      d.lastError = result.error;
      d.lastLatencyMs = result.latencyMs;
      d.updatedAt = new Date();
      let exhausted = false;
      if (result.ok) {
        d.status = 'succeeded';
        d.deliveredAt = new Date();
        d.nextAttemptAt = null;
      } else {
        const wait = retryDelayMs(d.scheduleStep, this.config.webhooks.retryScale);
        if (wait === undefined) {
          d.status = 'failed';
          d.nextAttemptAt = null;
          exhausted = true;
        } else {
          d.status = 'pending';
          d.scheduleStep += 1;
          d.nextAttemptAt = new Date(Date.now() + wait);
        }
      }
      this.logAttempt(d, url, result, exhausted);
      await this.repo.saveOutcome(manager, d);
      const state = await this.repo.recordEndpointOutcome(manager, d, result.ok);
      // Persistent failure: a whole schedule (about a day) failed with no success since the streak began.
      if (exhausted && state?.status === 'enabled' && state.failingSince) await this.disableEndpoint(manager, d, url);
    });
  }

  /** "webhook evt_… to https://… failed (ECONNREFUSED), retry in 15 s": a failing endpoint shows in the log. */
  private logAttempt(d: WebhookDelivery, url: string, result: SendResult, exhausted: boolean): void {
    const to = `webhook ${d.eventId} to ${endpointForLog(url)}`;
    if (result.ok) return this.logger.debug(`${to} delivered (${result.statusCode}, ${result.latencyMs} ms)`);
    const why = result.error ?? `HTTP ${result.statusCode}`;
    if (exhausted) return this.logger.warn(`${to} failed (${why}), no attempt left after ${d.attempts}`);
    const wait = d.nextAttemptAt ? Math.max(0, d.nextAttemptAt.getTime() - Date.now()) : 0;
    this.logger.log(`${to} failed (${why}), attempt ${d.attempts}, retry in ${humanDelay(wait)}`);
  }

  private async disableEndpoint(manager: EntityManager, d: WebhookDelivery, url: string): Promise<void> {
    const reason = `delivery ${d.id} failed every attempt of the retry schedule (last: ${d.lastError ?? 'unknown'})`;
    await this.repo.setEndpointStatus(manager, d, 'disabled', reason);
    await this.outbox.enqueue(manager, {
      type: 'webhook_endpoint.disabled',
      merchantId: d.merchantId,
      appId: d.appId,
      aggregateId: d.appId,
      object: { id: d.appId, object: 'webhook_endpoint', url, status: 'disabled', disabled_reason: reason },
    });
    this.logger.warn(`Webhook endpoint of ${d.appId} disabled: ${reason}`);
  }

  list(filter: DeliveryFilter): Promise<WebhookDelivery[]> {
    return this.repo.list(filter);
  }

  /** A delivery and its attempt log; `merchantId` scopes it to one merchant (404 for another's). */
  async get(id: string, merchantId?: string): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] }> {
    const delivery = await this.repo.findById(id, merchantId);
    if (!delivery) throw notFound('webhook delivery', id);
    return { delivery, attempts: await this.repo.attempts(id) };
  }

  /** Sends the delivery again now, with the same webhook-id, restarting its schedule. Audited for admins. */
  async redeliver(id: string, by: { merchantId?: string; actor?: Actor }): Promise<WebhookDelivery> {
    return withTransaction(this.dataSource, async (manager) => {
      const d = await this.repo.lock(manager, id);
      if (!d || (by.merchantId && d.merchantId !== by.merchantId)) throw notFound('webhook delivery', id);
      await this.repo.rearm(manager, id);
      if (by.actor)
        await this.audit.record(manager, by.actor, {
          action: 'webhook_delivery.redeliver',
          targetType: 'webhook_delivery',
          targetId: id,
          before: { status: d.status },
        });
      return (await this.repo.lock(manager, id))!;
    });
  }

  /** Re-enables a disabled endpoint; its pending deliveries flow again. */
  async enableEndpoint(actor: Actor, appId: string): Promise<{ app_id: string; status: 'enabled' }> {
    await withTransaction(this.dataSource, async (manager) => {
      const app = await this.merchants.lockApp(manager, appId);
      if (!app) throw notFound('app', appId);
      await this.repo.setEndpointStatus(manager, { appId, merchantId: app.merchantId }, 'enabled', null);
      await this.audit.record(manager, actor, {
        action: 'webhook_endpoint.enable',
        targetType: 'app',
        targetId: appId,
      });
    });
    return { app_id: appId, status: 'enabled' };
  }

  async endpointState(appId: string) {
    return this.repo.findEndpointState(appId);
  }

  /**
   * New `whsec_…` secret; the current one becomes the previous secret and
   * stays valid (both signatures sent) for the overlap. Returned this once.
   */
  rotateSecret(
    actor: Actor,
    appId: string,
    overlapSeconds = this.config.webhooks.secretOverlapSeconds,
  ): Promise<{ app_id: string; webhook_secret: string; previous_secret_expires_at: string }> {
    return this.merchants.rotateWebhookSecret(actor, appId, overlapSeconds);
  }
}
