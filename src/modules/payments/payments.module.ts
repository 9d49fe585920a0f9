import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { VaultModule } from '../vault/vault.module';
import { BalanceController } from './balance.controller';
import { CallbacksController } from './callbacks.controller';
import { PaymentLifecycleService } from './payment-lifecycle.service';
import { PaymentResolverWorker } from './payment-resolver.worker';
import { PaymentViewService } from './payment-view.service';
import { PaymentsAdminController } from './payments-admin.controller';
import { PaymentsController } from './payments.controller';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';
import { ProviderCallbacksService } from './provider-callbacks.service';
import { RefundsController } from './refunds.controller';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';

@Module({
  imports: [MerchantsModule, LedgerModule, NotificationsModule, VaultModule],
  controllers: [PaymentsController, RefundsController, BalanceController, CallbacksController, PaymentsAdminController],
  providers: [
    PaymentsRepository,
    RefundsRepository,
    PaymentLifecycleService,
    PaymentsService,
    RefundsService,
    PaymentViewService,
    ProviderCallbacksService,
    PaymentResolverWorker,
  ],
  exports: [PaymentsService, RefundsService, PaymentsRepository, RefundsRepository, PaymentResolverWorker],
})
export class PaymentsModule {}
