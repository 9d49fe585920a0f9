import { Module } from '@nestjs/common';
import { MerchantsModule } from '../merchants/merchants.module';
import { RabbitConnection } from '../messaging/rabbit-connection';
import { DeadLettersService } from './dead-letters.service';
import { EVENT_BUS } from './event-bus';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';
import { InProcessEventBus } from './in-process-event-bus';
import { InboxRepository } from './inbox.repository';
import { NotificationsMetrics } from './notifications.metrics';
import { OutboxRelay } from './outbox-relay.worker';
import { OutboxService } from './outbox.service';
import { RabbitEventBus } from './rabbit-event-bus';
import { WebhookDeliveriesRepository } from './webhooks/webhook-deliveries.repository';
import { WebhookDeliveriesService } from './webhooks/webhook-deliveries.service';
import { WebhookDeliveryWorker } from './webhooks/webhook-delivery.worker';
import { WebhookSender } from './webhooks/webhook-sender';

/**
 * Outbox, event bus (RabbitMQ or in-process), relay, webhook dispatch and
 * delivery, and the events API (its controllers are listed by src/api.module.ts).
 * Other modules import it for OutboxService (enqueue in their transaction);
 * the WorkersModule runs its relay and delivery worker and subscribes the dispatcher.
 */
@Module({
  imports: [MerchantsModule],
  providers: [
    NotificationsMetrics,
    EventsRepository,
    InboxRepository,
    OutboxService,
    EventsService,
    {
      provide: EVENT_BUS,
      // Chosen once at boot: RabbitMQ when AMQP_URL is set, otherwise the in-process bus.
      useFactory: (rabbit: RabbitConnection, amqp: RabbitEventBus, local: InProcessEventBus) =>
        rabbit.enabled ? amqp : local,
      inject: [RabbitConnection, RabbitEventBus, InProcessEventBus],
    },
    RabbitEventBus,
    InProcessEventBus,
    OutboxRelay,
    WebhookSender,
    WebhookDeliveriesRepository,
    WebhookDeliveriesService,
    WebhookDeliveryWorker,
    DeadLettersService,
  ],
  exports: [
    DeadLettersService,
    OutboxService,
    EventsService,
    EVENT_BUS,
    OutboxRelay,
    WebhookDeliveriesRepository,
    WebhookDeliveriesService,
    WebhookDeliveryWorker,
  ],
})
export class NotificationsModule {}
