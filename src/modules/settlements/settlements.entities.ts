import { Payout } from './entities/payout.entity';
import { ReconciliationExceptionEvent } from './entities/reconciliation-exception-event.entity';
import { ReconciliationItem } from './entities/reconciliation-item.entity';
import { ReconciliationReport } from './entities/reconciliation-report.entity';
import { Settlement } from './entities/settlement.entity';
import { SettlementLine } from './entities/settlement-line.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const SETTLEMENTS_ENTITIES = [
  Payout,
  ReconciliationExceptionEvent,
  ReconciliationItem,
  ReconciliationReport,
  Settlement,
  SettlementLine,
];
