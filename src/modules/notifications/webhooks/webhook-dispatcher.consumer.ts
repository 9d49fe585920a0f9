import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EventEnvelope } from '../../../../libs/contracts/src';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { MerchantsRepository } from '../../merchants/merchants.repository';
import { EVENT_BUS, EventBus, EventConsumer, HandlerContext } from '../event-bus';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';

/**
 * Turns events into delivery rows, one per app endpoint: the event's app, or
 * every app of the merchant for merchant-wide events (settlements, payouts).
 * It only writes rows (in the inbox transaction), never calls a merchant, so
 * a slow endpoint cannot hold up the queue; the delivery worker sends.
 */
@Injectable()
export class WebhookDispatcher implements EventConsumer, OnModuleInit {
  readonly name = 'webhooks';
  readonly patterns = ['#'];

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly merchants: MerchantsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly worker: WebhookDeliveryWorker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Consumers register only where workers run (CONVENTIONS "Workers"). */
  async onModuleInit(): Promise<void> {
    if (this.config.role === 'api') return;
    await this.bus.subscribe(this);
  }

  async handle(event: EventEnvelope, { manager }: HandlerContext): Promise<void> {
    // Everything through the inbox transaction: a second pooled connection per handler can exhaust the pool under load.
    const apps = event.app_id ? [await this.merchants.findApp(event.app_id, manager)] : await this.merchants.listApps(event.merchant_id, manager);
    const targets = apps.filter((a) => a && a.merchantId === event.merchant_id && a.webhookUrl).map((a) => a!.id);
    const created = await this.deliveries.createForEvent(manager, { id: event.id, type: event.type, merchantId: event.merchant_id }, targets);
    // The rows commit with the inbox entry just after this returns; the nudge saves a poll interval.
    if (created > 0) this.worker.nudge();
  }
}
