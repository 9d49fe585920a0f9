import { Module } from '@nestjs/common';
import { LedgerAdminService } from './ledger-admin.service';
import { LedgerReportsRepository } from './ledger-reports.repository';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';

/**
 * Accounts, journal entries, balances and their invariants. Knows nothing
 * about payments, channels or HTTP beyond its admin controller; payments and
 * settlements import LedgerService and call `post` inside their transactions.
 */
@Module({
  providers: [LedgerRepository, LedgerReportsRepository, LedgerService, LedgerAdminService],
  exports: [LedgerService, LedgerAdminService],
})
export class LedgerModule {}
