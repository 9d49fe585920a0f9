import fc from 'fast-check';
import { feeFor, feeRefundFor } from '../payments/payment-money.util';
import { EntryMoney, lineFor, settlementFigures } from './settlement-math.util';

const entry = (over: Partial<EntryMoney>): EntryMoney => ({
  ledgerEntryId: 'je_1',
  entryType: 'payment.captured',
  referenceType: 'payment',
  referenceId: 'pay_1',
  reversesEntryId: null,
  occurredAt: new Date(0),
  pending: 0n,
  available: 0n,
  fee: 0n,
  ...over,
});

describe('settlement lines and figures', () => {
  it('reads gross, fee and net of a payment and a refund off their ledger money', () => {
    expect(lineFor(entry({ pending: 9940n, fee: 60n }))).toMatchObject({
      kind: 'payment',
      grossAmount: 10000n,
      feeAmount: 60n,
      netAmount: 9940n,
      pendingAmount: 9940n,
    });
    expect(lineFor(entry({ referenceType: 'refund', available: -2982n, fee: -18n }))).toMatchObject({
      kind: 'refund',
      grossAmount: -3000n,
      feeAmount: -18n,
      netAmount: -2982n,
      pendingAmount: 0n,
    });
    expect(lineFor(entry({ reversesEntryId: 'je_0', pending: -9940n, fee: -60n }))).toMatchObject({
      kind: 'adjustment',
      grossAmount: -10000n,
    });
  });

  it('moves what is owed, never more than pending holds and never a negative amount; the rest is carried', () => {
    const pay = lineFor(entry({ pending: 10000n }));
    const refund = lineFor(entry({ referenceType: 'refund', pending: -8000n }));
    expect(settlementFigures([pay], 0n, 2000n)).toMatchObject({
      transferredAmount: 2000n,
      carriedForward: 8000n,
      netAmount: 10000n,
    });
    expect(settlementFigures([refund], 8000n, 100n)).toMatchObject({
      transferredAmount: 0n,
      carriedForward: 0n,
      netAmount: -8000n,
      refundsAmount: 8000n,
    });
    expect(settlementFigures([refund], 0n, 5000n)).toMatchObject({ transferredAmount: 0n, carriedForward: -8000n });
    expect(settlementFigures([pay], -8000n, 10000n)).toMatchObject({ transferredAmount: 2000n, carriedForward: 0n });
  });

  it('B5: fees add up exactly — any split of refunds returns the whole fee, never more, one rounding rule', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 20 }),
        (captured, bps, weights) => {
          const fee = feeFor(captured, bps);
          expect(fee).toBe((captured * BigInt(bps) + 5000n) / 10000n);
          const total = weights.reduce((a, b) => a + b, 0);
          let refunded = 0n;
          let back = 0n;
          weights.forEach((w, i) => {
            const part = i === weights.length - 1 ? captured - refunded : (captured * BigInt(w)) / BigInt(total);
            if (part <= 0n) return;
            const b = feeRefundFor(fee, captured, refunded, part);
            expect(b).toBeGreaterThanOrEqual(0n);
            refunded += part;
            back += b;
            expect(back).toBeLessThanOrEqual(fee);
          });
          expect(refunded).toBe(captured);
          expect(back).toBe(fee);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
