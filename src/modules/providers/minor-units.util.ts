/**
 * Exact conversions between provider amount formats and bigint minor units.
 * No floating point anywhere: a yuan string is parsed digit by digit, and
 * JSON integers are only accepted when they are safe integers.
 */

const YUAN = /^(0|[1-9]\d{0,15})(?:\.(\d{1,2}))?$/;

/** "12.3" -> 1230n, "0.01" -> 1n. Throws on anything that is not a plain non-negative decimal with ≤ 2 places. */
export function yuanToFen(yuan: string): bigint {
  const m = YUAN.exec(yuan);
  if (!m) throw new RangeError(`not a yuan amount: ${JSON.stringify(yuan)}`);
  const frac = (m[2] ?? '').padEnd(2, '0');
  return BigInt(m[1]) * 100n + BigInt(frac);
}

/** 1230n -> "12.30" (Alipay wants two decimals). */
export function fenToYuan(fen: bigint): string {
  if (fen < 0n) return `-${fenToYuan(-fen)}`;
  const whole = fen / 100n;
  const frac = fen % 100n;
  return `${whole}.${frac.toString().padStart(2, '0')}`;
}

/** A bigint as a JSON number, refusing values a JSON reader could not hold exactly. */
export function toJsonInteger(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`amount too large for JSON: ${value}`);
  }
  return Number(value);
}

/** A JSON integer (as parsed by JSON.parse) as bigint; rejects fractions, unsafe values and strings. */
export function fromJsonInteger(value: unknown): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new RangeError(`not a safe JSON integer: ${JSON.stringify(value)}`);
  }
  return BigInt(value);
}
