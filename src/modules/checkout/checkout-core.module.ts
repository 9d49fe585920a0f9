import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { PaymentsModule } from '../payments/payments.module';
import { CheckoutExpiryWorker } from './checkout-expiry.worker';
import { CheckoutLifecycleService } from './checkout-lifecycle.service';
import { CheckoutRepository } from './checkout.repository';

/**
 * The part of checkout that needs no cashier config: the sessions' table and
 * their status changes with events. The API's CheckoutModule builds on it,
 * and the WorkersModule runs its sweeper and payment consumer.
 */
@Module({
  imports: [NotificationsModule, PaymentsModule],
  providers: [CheckoutRepository, CheckoutLifecycleService, CheckoutExpiryWorker],
  exports: [CheckoutRepository, CheckoutLifecycleService, CheckoutExpiryWorker],
})
export class CheckoutCoreModule {}
