import type { SettlementLineKind } from './entities/settlement-line.entity';

/** One unsettled ledger entry, summed per account role by the repository (credit − debit, in minor units). */
export interface EntryMoney {
  ledgerEntryId: string;
  entryType: string;
  referenceType: string;
  referenceId: string;
  reversesEntryId: string | null;
  occurredAt: Date;
  /** Change of the merchant's merchant_pending account. */
  pending: bigint;
  /** Change of the merchant's merchant_available account (a refund taken from available after settlement). */
  available: bigint;
  /** Change of platform_fee_revenue: a fee charged (+) or returned (−). */
  fee: bigint;
}

export interface LineDraft {
  ledgerEntryId: string;
  kind: SettlementLineKind;
  entryType: string;
  referenceType: string;
  referenceId: string;
  occurredAt: Date;
  grossAmount: bigint;
  feeAmount: bigint;
  netAmount: bigint;
  pendingAmount: bigint;
}

export interface SettlementFigures {
  lineCount: number;
  paymentsAmount: bigint;
  refundsAmount: bigint;
  adjustmentsAmount: bigint;
  feeAmount: bigint;
  netAmount: bigint;
  pendingAmount: bigint;
  carriedIn: bigint;
  transferredAmount: bigint;
  carriedForward: bigint;
}

/**
 * A settlement line is read off the ledger, never recomputed: the fee is
 * what the payment's entry credited to platform_fee_revenue (half-up at
 * capture) or what a refund's entry took back (proportional, cumulative), so
 * settlements and payments can never disagree about a fen.
 */
export function lineFor(e: EntryMoney): LineDraft {
  const net = e.pending + e.available;
  // A split (and a split's return) in collected mode moves the merchant's money to a receiver (and back): an
  // adjustment of what the platform owes it, like a reversal.
  const kind: SettlementLineKind =
    e.reversesEntryId || e.referenceType === 'split' || e.referenceType === 'split_return'
      ? 'adjustment'
      : e.referenceType === 'refund'
        ? 'refund'
        : 'payment';
  return {
    ledgerEntryId: e.ledgerEntryId,
    kind,
    entryType: e.entryType,
    referenceType: e.referenceType,
    referenceId: e.referenceId,
    occurredAt: e.occurredAt,
    grossAmount: net + e.fee,
    feeAmount: e.fee,
    netAmount: net,
    pendingAmount: e.pending,
  };
}

/**
 * Totals and the amount to move merchant_pending → merchant_available.
 *
 * What is owed to available is the lines' pending money plus what earlier
 * settlements carried forward. It is moved only when positive, and never
 * more than merchant_pending holds (a refund of an unsettled payment may have
 * drawn pending down already); the rest is carried forward and settled by the
 * next settlements. Over a merchant's history the transfers add up exactly
 * to the pending money of every line (docs/settlement.md "Negative net").
 */
export function settlementFigures(
  lines: readonly LineDraft[],
  carriedIn: bigint,
  pendingBalance: bigint,
): SettlementFigures {
  let paymentsAmount = 0n;
  let refundsAmount = 0n;
  let adjustmentsAmount = 0n;
  let feeAmount = 0n;
  let netAmount = 0n;
  let pendingAmount = 0n;
  for (const l of lines) {
    if (l.kind === 'payment') paymentsAmount += l.grossAmount;
    else if (l.kind === 'refund') refundsAmount -= l.grossAmount;
    else adjustmentsAmount += l.grossAmount;
    feeAmount += l.feeAmount;
    netAmount += l.netAmount;
    pendingAmount += l.pendingAmount;
  }
  const owed = pendingAmount + carriedIn;
  const movable = pendingBalance > 0n ? pendingBalance : 0n;
  const transferredAmount = owed <= 0n ? 0n : owed < movable ? owed : movable;
  return {
    lineCount: lines.length,
    paymentsAmount,
    refundsAmount,
    adjustmentsAmount,
    feeAmount,
    netAmount,
    pendingAmount,
    carriedIn,
    transferredAmount,
    carriedForward: owed - transferredAmount,
  };
}
