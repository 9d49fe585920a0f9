import { currencyExponent } from './currency';
import { MAX_MINOR_AMOUNT } from './minor-amount.decorator';

/** 10000 CNY fen -> "100.00"; 500 JPY -> "500". String arithmetic: never a float on money. */
export function formatMajor(amount: bigint, currency: string): string {
  const exp = currencyExponent(currency);
  if (exp === 0) return amount.toString();
  const s = amount.toString().padStart(exp + 1, '0');
  return `${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

/** What a payer types at a counter ("12", "12.5", "12.50") -> minor units; undefined when it is not an amount. */
export function parseMajor(input: string, currency: string): bigint | undefined {
  const exp = currencyExponent(currency);
  const m = /^\s*(\d{1,15})(?:[.,](\d+))?\s*$/.exec(input);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  if (frac.length > exp) return undefined;
  const minor = BigInt(m[1] + frac.padEnd(exp, '0'));
  return minor > 0n && minor <= BigInt(MAX_MINOR_AMOUNT) ? minor : undefined;
}
