import { formatMajor, parseMajor } from './major-units.util';

describe('formatMajor / parseMajor', () => {
  it('formats minor units in major units for the currency', () => {
    expect(formatMajor(10000n, 'CNY')).toBe('100.00');
    expect(formatMajor(5n, 'CNY')).toBe('0.05');
    expect(formatMajor(500n, 'JPY')).toBe('500');
    expect(formatMajor(1234n, 'KWD')).toBe('1.234');
  });

  it('parses what a payer types, refusing more decimals than the currency has, zero and junk', () => {
    expect(parseMajor('12', 'CNY')).toBe(1200n);
    expect(parseMajor('12.5', 'CNY')).toBe(1250n);
    expect(parseMajor(' 0.01 ', 'CNY')).toBe(1n);
    expect(parseMajor('12,50', 'CNY')).toBe(1250n);
    expect(parseMajor('500', 'JPY')).toBe(500n);
    for (const bad of ['12.505', '0', '0.00', '-1', '1e3', '', 'abc', '5.5'])
      expect(parseMajor(bad, bad === '5.5' ? 'JPY' : 'CNY')).toBeUndefined();
  });
});
