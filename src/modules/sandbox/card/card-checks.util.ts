/** What an acquirer checks on a card before it asks the issuer: Luhn, BIN brand, expiry. */

export function luhnValid(pan: string): boolean {
  if (!/^\d{12,19}$/.test(pan)) return false;
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let d = Number(pan[pan.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Visa 4, Mastercard 51–55 / 2221–2720, Amex 34/37, UnionPay 62. */
export function cardBrand(pan: string): 'visa' | 'mastercard' | 'amex' | 'unionpay' | 'unknown' {
  const four = Number(pan.slice(0, 4));
  if (pan.startsWith('4')) return 'visa';
  if (/^3[47]/.test(pan)) return 'amex';
  if (pan.startsWith('62')) return 'unionpay';
  if (/^5[1-5]/.test(pan) || (four >= 2221 && four <= 2720)) return 'mastercard';
  return 'unknown';
}

/** Valid through the last day of the expiry month. */
export function cardExpired(expMonth: number, expYear: number, now: Date = new Date()): boolean {
  if (!Number.isInteger(expMonth) || expMonth < 1 || expMonth > 12 || !Number.isInteger(expYear)) return true;
  return expYear * 12 + expMonth < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
}
