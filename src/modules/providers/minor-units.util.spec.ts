import { fenToYuan, fromJsonInteger, toJsonInteger, yuanToFen } from './minor-units.util';

describe('minor units', () => {
  it('converts yuan strings to fen exactly', () => {
    expect(yuanToFen('0.01')).toBe(1n);
    expect(yuanToFen('12.3')).toBe(1230n);
    expect(yuanToFen('100000000.00')).toBe(10_000_000_000n);
    expect(yuanToFen('0.29')).toBe(29n); // 0.29 * 100 = 28.999999999999996 in floats
  });

  it.each(['', '1.234', '-1', '01.00', '1e3', ' 1', '1.', 'NaN'])('rejects %p', (s) => {
    expect(() => yuanToFen(s)).toThrow(RangeError);
  });

  it('formats fen with two decimals and round-trips', () => {
    expect(fenToYuan(1n)).toBe('0.01');
    expect(fenToYuan(1230n)).toBe('12.30');
    expect(fenToYuan(-5n)).toBe('-0.05');
    for (const v of [0n, 7n, 99n, 100n, 123456789n]) expect(yuanToFen(fenToYuan(v))).toBe(v);
  });

  it('refuses JSON integers that are not exact', () => {
    expect(fromJsonInteger(42)).toBe(42n);
    expect(() => fromJsonInteger(1.5)).toThrow();
    expect(() => fromJsonInteger('42')).toThrow();
    expect(() => fromJsonInteger(2 ** 53)).toThrow();
    expect(() => toJsonInteger(2n ** 53n)).toThrow();
  });
});
