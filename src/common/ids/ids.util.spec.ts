import { hasPrefix, newId } from './ids.util';

describe('newId', () => {
  it('is prefixed, well-formed and sorts by creation time', () => {
    const a = newId('pay', 1_700_000_000_000);
    const b = newId('pay', 1_700_000_000_001);
    expect(hasPrefix(a, 'pay')).toBe(true);
    expect(a < b).toBe(true);
    expect(hasPrefix(a, 're')).toBe(false);
  });

  it('does not repeat', () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => newId('evt')));
    expect(seen.size).toBe(10_000);
  });
});
