import type { StatementLine } from '../providers/provider.port';
import { LedgerSide, classify, statementSides } from './reconciliation-match.util';

const line = (over: Partial<StatementLine>): StatementLine => ({
  providerOrderId: 'pay_1',
  kind: 'payment',
  amount: 1000n,
  currency: 'CNY',
  status: 'TRADE_SUCCESS',
  occurredAt: new Date(0),
  ...over,
});
const ledger = (amount: bigint, over: Partial<LedgerSide> = {}): LedgerSide => ({
  key: 'payment:pay_1',
  referenceType: 'payment',
  referenceId: 'pay_1',
  amount,
  currency: 'CNY',
  occurredAt: new Date(0),
  entries: [],
  merchantId: null,
  ...over,
});

describe('reconciliation matching', () => {
  it('keys payment lines by our payment id and refund lines by our refund id, refunds as magnitudes', () => {
    const sides = statementSides([
      line({}),
      line({ kind: 'refund', providerRefundId: 're_1', amount: -300n, status: 'REFUND_SUCCESS' }),
    ]);
    expect([...sides.keys()]).toEqual(['payment:pay_1', 'refund:re_1']);
    expect(sides.get('refund:re_1')).toMatchObject({ amount: 300n, success: true });
  });

  it('classifies each kind of discrepancy', () => {
    const st = statementSides([line({})]).get('payment:pay_1');
    expect(classify(st, ledger(1000n))).toBe('matched');
    expect(classify(st, ledger(1200n))).toBe('amount_mismatch');
    expect(classify(st, ledger(1000n, { currency: 'USD' }))).toBe('amount_mismatch');
    expect(classify(st, undefined)).toBe('missing_here');
    expect(classify(st, ledger(0n))).toBe('missing_here');
    expect(classify(undefined, ledger(1000n))).toBe('missing_at_provider');
    expect(classify(statementSides([line({ status: 'TRADE_CLOSED' })]).get('payment:pay_1'), ledger(1000n))).toBe(
      'status_mismatch',
    );
  });
});
