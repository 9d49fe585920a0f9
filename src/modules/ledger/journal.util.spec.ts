import fc from 'fast-check';
import { DomainError } from '../../common/errors/domain-error';
import { ACCOUNT_CODES, CHART_OF_ACCOUNTS, balanceDelta, normalBalance } from './chart-of-accounts';
import { assertBalanced, canonicalEntry, canonicalRef, checkAmount, reversalPostings, sameEvent } from './journal.util';
import { drainedAccounts } from './ledger.service';
import type { AccountRef, JournalEntryInput, JournalEntryView, PostingInput } from './ledger.types';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not-a-domain-error';
  }
};

const ACCOUNTS: AccountRef[] = [
  { code: 'provider_clearing', currency: 'CNY', subkey: 'alipay' },
  { code: 'merchant_pending', currency: 'CNY', merchantId: 'mch_a' },
  { code: 'platform_fee_revenue', currency: 'CNY' },
  { code: 'platform_bank', currency: 'USD' },
  { code: 'merchant_available', currency: 'USD', merchantId: 'mch_b' },
  { code: 'provider_fee_expense', currency: 'JPY' },
  { code: 'platform_bank', currency: 'JPY' },
];
const amountArb = fc.bigInt({ min: 1n, max: 10n ** 12n });

/** A balanced entry: per currency, random debits and the same total split over random credits. */
const balancedPostings = fc
  .array(
    fc.record({
      currency: fc.constantFrom('CNY', 'USD', 'JPY'),
      debits: fc.array(amountArb, { minLength: 1, maxLength: 3 }),
      creditParts: fc.integer({ min: 1, max: 3 }),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((groups) =>
    groups.flatMap(({ currency, debits, creditParts }) => {
      const accounts = ACCOUNTS.filter((a) => a.currency === currency);
      const total = debits.reduce((s, d) => s + d, 0n);
      const parts = total < BigInt(creditParts) ? 1 : creditParts;
      const credits = Array.from({ length: parts }, (_, i) =>
        i < parts - 1 ? total / BigInt(parts) : total - (total / BigInt(parts)) * BigInt(parts - 1),
      );
      return [
        ...debits.map((amount, i): PostingInput => ({
          account: accounts[i % accounts.length],
          direction: 'debit',
          amount,
        })),
        ...credits.map((amount, i): PostingInput => ({
          account: accounts[(i + 1) % accounts.length],
          direction: 'credit',
          amount,
        })),
      ];
    }),
  );

const entry = (postings: PostingInput[]): JournalEntryInput => ({
  externalId: 'ext-1',
  type: 'adjustment',
  referenceType: 'test',
  referenceId: 'r1',
  postings,
});

describe('chart of accounts', () => {
  it('flags exactly the merchant balances and the direct-mode memo pair as non-negative and knows each normal side', () => {
    expect(ACCOUNT_CODES.filter((c) => CHART_OF_ACCOUNTS[c].nonNegative).sort()).toEqual([
      'merchant_available',
      'merchant_direct_receipts',
      'merchant_direct_sales',
      'merchant_payouts_in_transit',
      'merchant_pending',
    ]);
    expect(ACCOUNT_CODES.filter((c) => CHART_OF_ACCOUNTS[c].memo).sort()).toEqual([
      'merchant_direct_receipts',
      'merchant_direct_sales',
    ]);
    expect(CHART_OF_ACCOUNTS.provider_clearing.type).toBe('asset');
    expect(CHART_OF_ACCOUNTS.platform_bank.type).toBe('asset');
    expect(normalBalance('asset')).toBe('debit');
    expect(normalBalance('expense')).toBe('debit');
    expect(normalBalance('liability')).toBe('credit');
    expect(normalBalance('revenue')).toBe('credit');
    expect(balanceDelta('liability', 'debit', 5n)).toBe(-5n);
    expect(balanceDelta('asset', 'debit', 5n)).toBe(5n);
  });

  it('requires a merchant on merchant accounts, none on platform ones, and a provider on clearing', () => {
    expect(canonicalRef({ code: 'merchant_pending', currency: 'CNY', merchantId: 'mch_a' })).toEqual({
      code: 'merchant_pending',
      currency: 'CNY',
      merchantId: 'mch_a',
      subkey: null,
      shard: 0,
    });
    expect(codeOf(() => canonicalRef({ code: 'merchant_pending', currency: 'CNY' }))).toBe('ledger_account_invalid');
    expect(codeOf(() => canonicalRef({ code: 'platform_bank', currency: 'CNY', merchantId: 'mch_a' }))).toBe(
      'ledger_account_invalid',
    );
    expect(codeOf(() => canonicalRef({ code: 'provider_clearing', currency: 'CNY' }))).toBe('ledger_account_invalid');
    expect(
      codeOf(() => canonicalRef({ code: 'merchant_pending', currency: 'CNY', merchantId: 'mch_a', subkey: 'x' })),
    ).toBe('ledger_account_invalid');
    expect(codeOf(() => canonicalRef({ code: 'platform_bank', currency: 'XXQ' }))).toBe('ledger_account_invalid');
  });
});

describe('journal validation', () => {
  it('refuses a memo posting that stands in for a real one: memo accounts balance among themselves', () => {
    const receipts = {
      code: 'merchant_direct_receipts' as const,
      currency: 'CNY',
      merchantId: 'mch_a',
      subkey: 'wechatpay',
    };
    const sales = { code: 'merchant_direct_sales' as const, currency: 'CNY', merchantId: 'mch_a', subkey: 'wechatpay' };
    const receivable = { code: 'merchant_fee_receivable' as const, currency: 'CNY', merchantId: 'mch_a' };
    const revenue = { code: 'platform_fee_revenue' as const, currency: 'CNY' };
    const direct: PostingInput[] = [
      { account: receipts, direction: 'debit', amount: 10000n },
      { account: sales, direction: 'credit', amount: 10000n },
      { account: receivable, direction: 'debit', amount: 60n },
      { account: revenue, direction: 'credit', amount: 60n },
    ];
    expect(codeOf(() => canonicalEntry(entry(direct)))).toBeUndefined();
    // Balanced overall, but the memo receipts pay the platform's revenue: refused.
    const leak: PostingInput[] = [
      { account: receipts, direction: 'debit', amount: 60n },
      { account: revenue, direction: 'credit', amount: 60n },
    ];
    expect(codeOf(() => canonicalEntry(entry(leak)))).toBe('ledger_entry_invalid');
    expect(codeOf(() => canonicalRef({ code: 'merchant_direct_sales', currency: 'CNY', merchantId: 'mch_a' }))).toBe(
      'ledger_account_invalid',
    );
  });

  it('accepts every balanced entry (property)', () => {
    fc.assert(
      fc.property(balancedPostings, (postings) => {
        const e = canonicalEntry(entry(postings));
        expect(e.postings).toHaveLength(postings.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every entry made unbalanced by any non-zero amount (property)', () => {
    fc.assert(
      fc.property(balancedPostings, fc.nat(), fc.bigInt({ min: 1n, max: 1000n }), (postings, pick, skew) => {
        const i = pick % postings.length;
        const skewed = postings.map((p, j) => (j === i ? { ...p, amount: p.amount + skew } : p));
        expect(codeOf(() => canonicalEntry(entry(skewed)))).toBe('ledger_entry_unbalanced');
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects any JS number as an amount, integral or not (property)', () => {
    fc.assert(
      fc.property(
        balancedPostings,
        fc.nat(),
        fc.oneof(fc.double({ noNaN: true }), fc.integer()),
        (postings, pick, n) => {
          const bad = postings.map((p, j) =>
            j === pick % postings.length ? { ...p, amount: n as unknown as bigint } : p,
          );
          expect(codeOf(() => canonicalEntry(entry(bad)))).toBe('ledger_amount_invalid');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('checks amounts: 1..2^63-1 bigints only', () => {
    expect(checkAmount(1n)).toBe(1n);
    expect(checkAmount(2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    for (const bad of [0n, -1n, 2n ** 63n, 1, 10.5, '100', null])
      expect(codeOf(() => checkAmount(bad))).toBe('ledger_amount_invalid');
  });

  it('balances per currency, not across currencies', () => {
    expect(() =>
      assertBalanced([
        { ref: { currency: 'CNY' }, direction: 'debit', amount: 5n },
        { ref: { currency: 'USD' }, direction: 'credit', amount: 5n },
      ]),
    ).toThrow(DomainError);
  });

  it('refuses entries without an external id, reference or two postings', () => {
    const ok = entry([
      { account: ACCOUNTS[0], direction: 'debit', amount: 5n },
      { account: ACCOUNTS[2], direction: 'credit', amount: 5n },
    ]);
    expect(codeOf(() => canonicalEntry(ok))).toBeUndefined();
    expect(codeOf(() => canonicalEntry({ ...ok, externalId: '' }))).toBe('ledger_entry_invalid');
    expect(codeOf(() => canonicalEntry({ ...ok, type: 'Not A Name' }))).toBe('ledger_entry_invalid');
    expect(codeOf(() => canonicalEntry({ ...ok, referenceId: '' }))).toBe('ledger_entry_invalid');
    expect(codeOf(() => canonicalEntry({ ...ok, postings: ok.postings.slice(0, 1) }))).toBe('ledger_entry_invalid');
    expect(
      codeOf(() =>
        canonicalEntry({ ...ok, postings: [{ ...ok.postings[0], direction: 'up' as 'debit' }, ok.postings[1]] }),
      ),
    ).toBe('ledger_entry_invalid');
  });

  it('builds the mirror image for a reversal and recognises a replay of the same event', () => {
    const input = entry([
      { account: ACCOUNTS[0], direction: 'debit', amount: 100n },
      { account: ACCOUNTS[1], direction: 'credit', amount: 94n },
      { account: ACCOUNTS[2], direction: 'credit', amount: 6n },
    ]);
    const view: JournalEntryView = {
      id: 'je_x',
      externalId: input.externalId,
      type: input.type,
      referenceType: input.referenceType,
      referenceId: input.referenceId,
      merchantId: null,
      description: null,
      reversesEntryId: null,
      occurredAt: new Date(),
      createdAt: new Date(),
      postings: input.postings.map((p, i) => ({
        id: String(i),
        accountId: `acct_${i}`,
        account: p.account,
        direction: p.direction,
        amount: p.amount,
        currency: p.account.currency,
        balanceAfter: 0n,
        accountSeq: 1n,
      })),
    };
    expect(reversalPostings(view).map((p) => p.direction)).toEqual(['credit', 'debit', 'debit']);
    expect(codeOf(() => canonicalEntry({ ...input, postings: reversalPostings(view) }))).toBeUndefined();
    expect(sameEvent(view, canonicalEntry({ ...input, postings: [...input.postings].reverse() }))).toBe(true);
    // Another split of the same money (e.g. another funding account) is the same event; other money is not.
    expect(
      sameEvent(
        view,
        canonicalEntry({
          ...input,
          postings: [input.postings[0], { ...input.postings[1], amount: 95n }, { ...input.postings[2], amount: 5n }],
        }),
      ),
    ).toBe(true);
    expect(
      sameEvent(
        view,
        canonicalEntry({
          ...input,
          postings: [{ ...input.postings[0], amount: 101n }, { ...input.postings[1], amount: 95n }, input.postings[2]],
        }),
      ),
    ).toBe(false);
    expect(sameEvent(view, canonicalEntry({ ...input, referenceId: 'other' }))).toBe(false);
  });

  it('names the non-negative accounts an entry drains', () => {
    const e = canonicalEntry(
      entry([
        {
          account: { code: 'merchant_pending', currency: 'CNY', merchantId: 'mch_a' },
          direction: 'debit',
          amount: 10n,
        },
        {
          account: { code: 'merchant_available', currency: 'CNY', merchantId: 'mch_a' },
          direction: 'credit',
          amount: 10n,
        },
      ]),
    );
    expect(drainedAccounts(e)).toEqual(['merchant_pending:CNY:mch_a']);
  });
});
