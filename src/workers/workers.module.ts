import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CheckoutCoreModule } from '../modules/checkout/checkout-core.module';
import { CheckoutExpiryWorker } from '../modules/checkout/checkout-expiry.worker';
import { CheckoutPaymentsConsumer } from '../modules/checkout/checkout-payments.consumer';
import { MerchantsModule } from '../modules/merchants/merchants.module';
import { NotificationsModule } from '../modules/notifications/notifications.module';
import { OutboxRelay } from '../modules/notifications/outbox-relay.worker';
import { WebhookDeliveryWorker } from '../modules/notifications/webhooks/webhook-delivery.worker';
import { WebhookDispatcher } from '../modules/notifications/webhooks/webhook-dispatcher.consumer';
import { PaymentResolverWorker } from '../modules/payments/resolution/payment-resolver.worker';
import { PaymentsModule } from '../modules/payments/payments.module';
import { PayoutWorker } from '../modules/settlements/payout.worker';
import { PayoutsConsumer } from '../modules/settlements/payouts.consumer';
import { ReconciliationSchedulerWorker } from '../modules/settlements/reconciliation-scheduler.worker';
import { SettlementSchedulerWorker } from '../modules/settlements/settlement-scheduler.worker';
import { SettlementsModule } from '../modules/settlements/settlements.module';
import { WORKER_CLASSES, WorkerHost } from './worker-host';

/**
 * What runs where workers run (`src/worker.ts`, and the app in role `all`):
 * the loops below, started and stopped by the WorkerHost, and the event
 * consumers, which mark their handler with `@OnEvent` and are subscribed
 * from here. The API process imports none of it, so it runs no loop and
 * consumes nothing; the loops' classes stay in their modules, where the API
 * and the CLI call their work directly (a pass, a nudge).
 */
const WORKERS = [
  OutboxRelay,
  WebhookDeliveryWorker,
  PaymentResolverWorker,
  SettlementSchedulerWorker,
  ReconciliationSchedulerWorker,
  PayoutWorker,
  CheckoutExpiryWorker,
];

/** Handlers of `@OnEvent` (their classes' only role is to consume, so they are provided here). */
const CONSUMERS = [WebhookDispatcher, PayoutsConsumer, CheckoutPaymentsConsumer];

@Module({
  imports: [
    DiscoveryModule,
    MerchantsModule,
    NotificationsModule,
    PaymentsModule,
    SettlementsModule,
    CheckoutCoreModule,
  ],
  providers: [...CONSUMERS, { provide: WORKER_CLASSES, useValue: WORKERS }, WorkerHost],
})
export class WorkersModule {}
