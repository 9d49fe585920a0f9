import fc from 'fast-check';
import { feeFor, feeRefundFor, feeShare } from './payment-money.util';

describe('fee arithmetic', () => {
  it('rounds half up in integers', () => {
    expect(feeFor(10000n, 60)).toBe(60n);
    expect(feeFor(1n, 5000)).toBe(1n); // 0.5 -> 1
    expect(feeFor(1n, 4999)).toBe(0n);
    expect(feeFor(333n, 30)).toBe(1n); // 0.999 -> 1
    expect(feeFor(0n, 100)).toBe(0n);
  });

  it('refuses fractional or out-of-range rates', () => {
    expect(() => feeFor(100n, 1.5)).toThrow(RangeError);
    expect(() => feeFor(100n, 10_001)).toThrow(RangeError);
  });

  it('returns the whole fee over any sequence of partial refunds, never more (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 20 }),
        (captured, bps, weights) => {
          const fee = feeFor(captured, bps);
          // Split `captured` into refunds proportional to weights, last one takes the remainder.
          const total = BigInt(weights.reduce((a, b) => a + b, 0));
          const parts = weights.map((w) => (captured * BigInt(w)) / total);
          parts[parts.length - 1] += captured - parts.reduce((a, b) => a + b, 0n);
          let refunded = 0n;
          let feeBack = 0n;
          for (const p of parts) {
            if (p === 0n) continue;
            const f = feeRefundFor(fee, captured, refunded, p);
            expect(f).toBeGreaterThanOrEqual(0n);
            expect(f).toBeLessThanOrEqual(p);
            feeBack += f;
            refunded += p;
            expect(feeBack).toBe(feeShare(fee, captured, refunded));
          }
          expect(refunded).toBe(captured);
          expect(feeBack).toBe(fee);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
