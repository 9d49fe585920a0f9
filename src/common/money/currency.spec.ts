import { currencyExponent, isCurrency, isTimeZone } from './currency';

describe('currency', () => {
  it('knows the minor-unit exponents of docs/api.md', () => {
    expect(currencyExponent('CNY')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it('accepts ISO 4217 codes only, upper case', () => {
    expect(isCurrency('CNY')).toBe(true);
    expect(isCurrency('cny')).toBe(false);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency(156)).toBe(false);
  });

  it('validates IANA time zones', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
