import fc from 'fast-check';
import { feeRefundFor } from '../../src/modules/payments/payment-money.util';
import { addDays, localDay } from '../../src/modules/settlements/settlement-day.util';
import { trialBalanceIsZero } from '../utils/payments-kit';
import {
  ADMIN,
  PostedPayment,
  SETTLEMENT_TEST_ENV,
  balanceOf,
  createMerchant,
  postPayment,
  postRefund,
  settlements,
} from '../utils/settlement-kit';
import { TestApp, startTestApp } from '../utils/test-app';

const ZONES = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Pacific/Auckland', 'UTC'];
const START = Date.parse('2025-03-08T00:00:00Z');
const HOUR = 3_600_000;

/**
 * RELIABILITY B5/I9 as a property over random payments, refunds (partial,
 * same day or days later, so some come out of available after settlement),
 * fee rates and timezones, with settlements run at each T+1 cut-off in
 * between: Σ settlements = Σ payments − Σ refunds − Σ fees exactly, every
 * entry is settled once, pending ends at 0, and the trial balance is zero.
 */
describe('settlement sums (property, integration)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The arithmetic is under test, driven step by step: no worker loops (relay, consumers, payouts) racing it.
    t = await startTestApp({ ...SETTLEMENT_TEST_ENV, PAYOUT_APPROVAL_THRESHOLD: '0', PAYGRID_ROLE: 'api' });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
  });

  const scenario = fc.record({
    zone: fc.constantFrom(...ZONES),
    feeBps: fc.integer({ min: 0, max: 1000 }),
    payments: fc.array(
      fc.record({
        amount: fc.bigInt({ min: 1n, max: 50_000_000n }),
        atMs: fc.integer({ min: 0, max: 96 * HOUR }),
        refunds: fc.array(
          fc.record({ parts: fc.integer({ min: 1, max: 100 }), delayMs: fc.integer({ min: 0, max: 60 * HOUR }) }),
          { maxLength: 3 },
        ),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  });

  it('Σ settlement nets = Σ payments − Σ refunds − Σ fees, exactly, for every run', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ zone, feeBps, payments }) => {
        const merchantId = await createMerchant(t, { fee_bps: feeBps, timezone: zone });
        type Op = { at: number; run: () => Promise<void> };
        const ops: Op[] = [];
        let expectedNet = 0n;
        let entries = 0;
        for (const p of payments) {
          const at = START + p.atMs;
          let posted: PostedPayment | undefined;
          let refunded = 0n;
          ops.push({
            at,
            run: async () =>
              void (posted = await postPayment(t, { merchantId, amount: p.amount, feeBps, at: new Date(at) })),
          });
          entries++;
          for (const r of p.refunds) {
            ops.push({
              at: at + r.delayMs + 1,
              run: async () => {
                // A share of what is left (at least 1), the fee back by the payments module's own rule.
                const left = posted!.amount - refunded;
                if (left <= 0n) return;
                const amount = (left * BigInt(r.parts)) / 100n || 1n;
                const back = feeRefundFor(posted!.fee, posted!.amount, refunded, amount);
                // Not even pending and available together cover it: the product leaves such a refund pending.
                if (!(await postRefund(t, posted!, amount, back, new Date(at + r.delayMs + 1)))) return;
                refunded += amount;
                expectedNet -= amount - back;
                // A refund made entirely of returned fee (1 fen of a 1-fen fee) moves no merchant money: no settlement line.
                if (amount > back) entries++;
              },
            });
          }
          ops.push({
            at: Number.MAX_SAFE_INTEGER,
            run: async () => void (expectedNet += posted!.amount - posted!.fee),
          });
        }
        ops.sort((a, b) => a.at - b.at);
        // T+1: day d is settled as soon as the clock is on d+1 in the merchant's zone, before the next event.
        let settledThrough = addDays(localDay(new Date(START), zone), -1);
        const settleUpTo = async (now: number) => {
          const through = addDays(localDay(new Date(now), zone), -1);
          while (settledThrough < through) {
            settledThrough = addDays(settledThrough, 1);
            await settlements(t).settleDay(merchantId, 'CNY', settledThrough, ADMIN);
          }
        };
        for (const op of ops) {
          if (op.at !== Number.MAX_SAFE_INTEGER) await settleUpTo(op.at);
          await op.run();
        }
        await settleUpTo(START + 8 * 24 * HOUR);

        const [sum] = await t.dataSource.query(
          `SELECT coalesce(sum(net_amount), 0)::text AS net, coalesce(sum(payments_amount - refunds_amount - fee_amount), 0)::text AS parts,
                  coalesce(sum(transferred_amount), 0)::text AS moved, count(*) FILTER (WHERE transferred_amount < 0)::int AS negative,
                  (SELECT count(*)::int FROM settlement_lines WHERE merchant_id = $1) AS lines
             FROM settlements WHERE merchant_id = $1`,
          [merchantId],
        );
        expect(BigInt(sum.net)).toBe(expectedNet);
        expect(BigInt(sum.parts)).toBe(expectedNet);
        expect(sum.lines).toBe(entries);
        expect(sum.negative).toBe(0);
        expect(await balanceOf(t, merchantId, 'merchant_pending')).toBe(0n);
        expect(await balanceOf(t, merchantId, 'merchant_available')).toBe(expectedNet);
        expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
      }),
      { numRuns: 50, endOnFailure: true },
    );
  }, 240_000);
});
