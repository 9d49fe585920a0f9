import type { DataSource } from 'typeorm';
import { LedgerReportsRepository } from './ledger-reports.repository';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';

/**
 * A LedgerService over a plain DataSource, without a Nest container: for the
 * benchmark, scripts and tests that exercise the ledger alone.
 */
export function createStandaloneLedger(dataSource: DataSource): LedgerService {
  return new LedgerService(dataSource, new LedgerRepository(dataSource), new LedgerReportsRepository(dataSource));
}
