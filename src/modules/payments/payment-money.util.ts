/**
 * Fee arithmetic in integers (bigint minor units), one rounding rule:
 * half up, i.e. fee = floor((amount × bps + 5000) / 10000).
 *
 * Refunds return the fee proportionally by cumulative allocation: after
 * refunding R of C captured, the fee returned so far is round(F × R / C). Each
 * refund returns the difference, so a full refund returns exactly F and any
 * sequence of partial refunds adds up to the same total, never drifting a fen.
 */
export function feeFor(amount: bigint, feeBps: number): bigint {
  if (amount < 0n) throw new RangeError('amount must be >= 0');
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > 10_000)
    throw new RangeError('feeBps must be an integer in 0..10000');
  return (amount * BigInt(feeBps) + 5000n) / 10000n;
}

/** The fee share (of `fee` charged on `captured`) attributable to the first `refunded` units. */
export function feeShare(fee: bigint, captured: bigint, refunded: bigint): bigint {
  if (captured <= 0n) return 0n;
  if (refunded >= captured) return fee;
  // Half-up rounding of fee × refunded / captured.
  return (2n * fee * refunded + captured) / (2n * captured);
}

/** Fee to return for a refund of `amount`, given what was already refunded. */
export function feeRefundFor(fee: bigint, captured: bigint, alreadyRefunded: bigint, amount: bigint): bigint {
  return feeShare(fee, captured, alreadyRefunded + amount) - feeShare(fee, captured, alreadyRefunded);
}
