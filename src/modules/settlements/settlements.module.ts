import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PayoutWorker } from './payout.worker';
import { PayoutsRepository } from './payouts.repository';
import { PayoutsService } from './payouts.service';
import { ReconciliationRepository } from './reconciliation.repository';
import { ReconciliationService } from './reconciliation.service';
import { ReconciliationSchedulerWorker } from './reconciliation-scheduler.worker';
import { SettlementSchedulerWorker } from './settlement-scheduler.worker';
import { SettlementsRepository } from './settlements.repository';
import { SettlementsService } from './settlements.service';

/**
 * Daily settlements, payouts and reconciliation (docs/settlement.md). Uses
 * the ledger, notifications (outbox, event bus), providers (statements, the
 * payout bank; global) and merchants (timezone, delay); never payments:
 * resolving a payment goes through the PAYMENT_RESOLUTION port, provided
 * globally by the payments side.
 */
@Module({
  imports: [LedgerModule, MerchantsModule, NotificationsModule],
  providers: [
    SettlementsRepository,
    SettlementsService,
    SettlementSchedulerWorker,
    ReconciliationSchedulerWorker,
    PayoutsRepository,
    PayoutsService,
    PayoutWorker,
    ReconciliationRepository,
    ReconciliationService,
  ],
  exports: [
    SettlementsService,
    PayoutsService,
    ReconciliationService,
    SettlementSchedulerWorker,
    ReconciliationSchedulerWorker,
    PayoutWorker,
  ],
})
export class SettlementsModule {}
