import { jsonAmount } from '../ledger/ledger.mapper';
import type { SettlementLineDto, SettlementResponseDto } from './dto/settlement.dto';
import type { Settlement } from './entities/settlement.entity';
import type { SettlementLine } from './entities/settlement-line.entity';

// Amounts stay exact: a JSON integer while it fits in 2^53, else a decimal string (as the ledger API does).
const amount = (v: bigint) => jsonAmount(v) as number;

export const toSettlementLine = (l: SettlementLine): SettlementLineDto => ({
  ledger_entry_id: l.ledgerEntryId,
  kind: l.kind,
  entry_type: l.entryType,
  reference_type: l.referenceType,
  reference_id: l.referenceId,
  occurred_at: l.occurredAt.toISOString(),
  gross_amount: amount(l.grossAmount),
  fee_amount: amount(l.feeAmount),
  net_amount: amount(l.netAmount),
});

/** The settlement as the merchant API, the admin API and the settlement.completed event show it. */
export function toSettlementResponse(s: Settlement, lines?: SettlementLine[]): SettlementResponseDto {
  return {
    id: s.id,
    object: 'settlement',
    merchant_id: s.merchantId,
    currency: s.currency,
    business_day: s.businessDay,
    timezone: s.timezone,
    cutoff_at: s.cutoffAt.toISOString(),
    status: s.status,
    line_count: s.lineCount,
    payments_amount: amount(s.paymentsAmount),
    refunds_amount: amount(s.refundsAmount),
    adjustments_amount: amount(s.adjustmentsAmount),
    fee_amount: amount(s.feeAmount),
    net_amount: amount(s.netAmount),
    transferred_amount: amount(s.transferredAmount),
    carried_in: amount(s.carriedIn),
    carried_forward: amount(s.carriedForward),
    ledger_entry_id: s.ledgerEntryId,
    created_at: s.createdAt.toISOString(),
    ...(lines ? { lines: lines.map(toSettlementLine) } : {}),
  };
}
