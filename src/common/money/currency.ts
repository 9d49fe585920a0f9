/**
 * ISO 4217 codes and their minor-unit exponents, from the ICU data Node ships
 * (CLDR): CNY 2, JPY 0, KWD 3. Amounts are integers in the minor unit.
 */
const SUPPORTED = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) && SUPPORTED.has(code);
}

export function currencyExponent(code: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
