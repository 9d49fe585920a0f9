import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { VaultModule } from '../vault/vault.module';
import { PaymentLifecycleService } from './payment-lifecycle.service';
import { PaymentResolutionService } from './resolution/payment-resolution.service';
import { PaymentResolverWorker } from './resolution/payment-resolver.worker';
import { PaymentViewService } from './payment-view.service';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';
import { ProviderCallbacksService } from './callbacks/provider-callbacks.service';
import { RefundsRepository } from './refunds/refunds.repository';
import { RefundsService } from './refunds/refunds.service';
import { RefundOperatorService } from './refunds/refund-operator.service';
import { SplitsRepository } from './splits/splits.repository';
import { SplitsService } from './splits/splits.service';

@Module({
  imports: [MerchantsModule, LedgerModule, NotificationsModule, VaultModule],
  providers: [
    PaymentsRepository,
    RefundsRepository,
    PaymentLifecycleService,
    PaymentsService,
    RefundsService,
    RefundOperatorService,
    SplitsRepository,
    SplitsService,
    PaymentViewService,
    ProviderCallbacksService,
    PaymentResolutionService,
    PaymentResolverWorker,
  ],
  exports: [
    PaymentsService,
    RefundsService,
    SplitsService,
    SplitsRepository,
    RefundOperatorService,
    PaymentsRepository,
    RefundsRepository,
    PaymentResolutionService,
    PaymentResolverWorker,
    PaymentViewService,
    ProviderCallbacksService,
  ],
})
export class PaymentsModule {}
