import type { StatementLine } from '../providers/provider.port';
import type { ReconciliationCategory } from './entities/reconciliation-item.entity';

/** Statement statuses that mean "the money moved" in each provider's format. */
const SUCCESS = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED', 'REFUND_SUCCESS', 'SUCCESS', 'succeeded', 'captured']);

export type ReferenceType = 'payment' | 'refund';

/** One payment or refund as the provider's statement shows it (lines of one reference summed). */
export interface StatementSide {
  key: string;
  referenceType: ReferenceType;
  referenceId: string;
  amount: bigint;
  currency: string;
  success: boolean;
  lines: StatementLine[];
}

/** One payment or refund as our ledger shows it: what went through provider_clearing for it, all entries summed. */
export interface LedgerSide {
  key: string;
  referenceType: ReferenceType;
  referenceId: string;
  /** Positive: captured for a payment, refunded for a refund. 0 when reversed. */
  amount: bigint;
  currency: string;
  occurredAt: Date;
  entries: Array<Record<string, unknown>>;
  /** The merchant the entries belong to (null for a platform-only entry). */
  merchantId: string | null;
}

export const refKey = (type: ReferenceType, id: string) => `${type}:${id}`;

/** Groups statement lines by the payment (providerOrderId = our payment id) or refund (providerRefundId = our refund id) they are about. */
export function statementSides(lines: readonly StatementLine[]): Map<string, StatementSide> {
  const out = new Map<string, StatementSide>();
  for (const l of lines) {
    const referenceType: ReferenceType = l.kind === 'refund' ? 'refund' : 'payment';
    const referenceId =
      referenceType === 'refund' ? (l.providerRefundId ?? `${l.providerOrderId}#refund`) : l.providerOrderId;
    const key = refKey(referenceType, referenceId);
    // Alipay prints refunds as negative amounts; compare magnitudes.
    const amount = l.amount < 0n ? -l.amount : l.amount;
    const side = out.get(key) ?? {
      key,
      referenceType,
      referenceId,
      amount: 0n,
      currency: l.currency,
      success: true,
      lines: [],
    };
    side.amount += amount;
    side.success &&= SUCCESS.has(l.status);
    side.lines.push(l);
    out.set(key, side);
  }
  return out;
}

/** The category of one reference, before anything is resolved. */
export function classify(st: StatementSide | undefined, led: LedgerSide | undefined): ReconciliationCategory {
  const inLedger = !!led && led.amount !== 0n;
  if (st && inLedger) {
    if (!st.success) return 'status_mismatch';
    return st.amount === led!.amount && st.currency === led!.currency ? 'matched' : 'amount_mismatch';
  }
  if (st) return st.success ? 'missing_here' : 'matched';
  return 'missing_at_provider';
}

/** A JSON-safe copy of a statement line for the evidence column. */
export const lineEvidence = (l: StatementLine) => ({
  provider_order_id: l.providerOrderId,
  provider_transaction_id: l.providerTransactionId ?? null,
  provider_refund_id: l.providerRefundId ?? null,
  kind: l.kind,
  amount: l.amount.toString(),
  currency: l.currency,
  status: l.status,
  occurred_at: l.occurredAt.toISOString(),
});
