import { Injectable } from '@nestjs/common';
import { isMerchantEvent, type PaygridEvent } from '@paygrid/contracts';
import { MerchantDirectory } from '../../merchants/merchant-directory';
import type { HandlerContext } from '../event-bus';
import { OnEvent } from '../on-event.decorator';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';

/**
 * Turns events into delivery rows, one per app endpoint: the event's app, or
 * every app of the merchant for merchant-wide events (settlements, payouts).
 * It only writes rows (in the inbox transaction), never calls a merchant, so
 * a slow endpoint cannot hold up the queue; the delivery worker sends.
 */
@Injectable()
export class WebhookDispatcher {
  constructor(
    private readonly merchants: MerchantDirectory,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly worker: WebhookDeliveryWorker,
  ) {}

  @OnEvent('#', { consumer: 'webhooks' })
  async handle(event: PaygridEvent, { manager }: HandlerContext): Promise<void> {
    // The platform's own events (reconciliation exceptions) go to internal consumers only.
    if (!isMerchantEvent(event.type)) return;
    // Apps from memory; the deliveries go through the inbox transaction (no second pooled connection per handler).
    const apps = event.app_id
      ? [await this.merchants.findApp(event.app_id)]
      : await this.merchants.appsOf(event.merchant_id);
    const targets = apps.filter((a) => a && a.merchantId === event.merchant_id && a.webhookUrl).map((a) => a!.id);
    const created = await this.deliveries.createForEvent(
      manager,
      { id: event.id, type: event.type, merchantId: event.merchant_id },
      targets,
    );
    // The rows commit with the inbox entry just after this returns; the nudge saves a poll interval.
    if (created > 0) this.worker.nudge();
  }
}
