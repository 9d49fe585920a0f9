import { jsonAmount } from '../ledger/ledger.mapper';
import type { ReconciliationItemDto, ReconciliationReportDto } from './dto/reconciliation.dto';
import type { ReconciliationItem } from './entities/reconciliation-item.entity';
import type { ReconciliationReport } from './entities/reconciliation-report.entity';

export const toReconciliationItem = (i: ReconciliationItem): ReconciliationItemDto => ({
  id: String(i.id),
  report_id: i.reportId,
  provider: i.provider,
  business_day: i.businessDay,
  category: i.category,
  resolution: i.resolution,
  reference_type: i.referenceType,
  reference_id: i.referenceId,
  currency: i.currency?.trim() ?? null,
  statement_amount: i.statementAmount === null ? null : (jsonAmount(i.statementAmount) as number),
  ledger_amount: i.ledgerAmount === null ? null : (jsonAmount(i.ledgerAmount) as number),
  evidence: i.evidence,
  resolved_by: i.resolvedBy,
  resolved_at: i.resolvedAt?.toISOString() ?? null,
  resolution_note: i.resolutionNote,
  created_at: i.createdAt.toISOString(),
});

export function toReconciliationReport(r: ReconciliationReport, items?: ReconciliationItem[]): ReconciliationReportDto {
  return {
    id: r.id,
    object: 'reconciliation_report',
    provider: r.provider,
    business_day: r.businessDay,
    statement_lines: r.statementLines,
    ledger_items: r.ledgerItems,
    matched: r.matched,
    missing_here: r.missingHere,
    missing_at_provider: r.missingAtProvider,
    amount_mismatch: r.amountMismatch,
    status_mismatch: r.statusMismatch,
    resolved: r.resolved,
    open_exceptions: r.openExceptions,
    actor: r.actor,
    created_at: r.createdAt.toISOString(),
    ...(items ? { items: items.map(toReconciliationItem) } : {}),
  };
}
