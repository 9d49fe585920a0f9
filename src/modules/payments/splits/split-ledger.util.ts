import type { JournalEntryInput } from '../../ledger/ledger.types';
import type { Payment } from '../entities/payment.entity';
import type { Split } from '../entities/split.entity';
import type { SplitReturn } from '../entities/split-return.entity';
import { isDirect, providerOf } from '../payment-ledger.util';

type Postings = JournalEntryInput['postings'];

/** Which merchant balance a collected-mode split comes out of (as for refunds: pending first, docs/ledger.md "Splits"). */
export type SplitSource = 'merchant_pending' | 'merchant_available' | { pending: bigint; available: bigint };

/** What a split's succeeded lines add up to, split by whether the platform (its commission) or another receiver got it. */
export interface SplitAmounts {
  total: bigint;
  /** To the platform's own receiver account: its commission. */
  platform: bigint;
}

const nonZero = (postings: Postings): Postings => postings.filter((x) => x.amount > 0n);

/**
 * Direct mode: the money left the merchant's own provider account for the
 * receivers, so the merchant's memo pair shrinks by all of it; no merchant
 * payable appears. What went to the platform's receiver is now the
 * platform's money at the provider (provider_clearing) and collects the fee
 * the merchant owed (merchant_fee_receivable).
 * Collected mode: the money leaves the platform's provider account for the
 * receivers, out of what the platform owes the merchant.
 * `sign` 'out' is a split, 'back' a return (the mirror image, by the returned amount).
 */
function splitPostings(
  p: Payment,
  currency: string,
  a: SplitAmounts,
  sign: 'out' | 'back',
  from: SplitSource,
): Postings {
  const provider = providerOf(p.channel);
  const flip = (d: 'debit' | 'credit') => (sign === 'out' ? d : d === 'debit' ? 'credit' : 'debit');
  if (isDirect(p)) {
    return [
      {
        account: { code: 'merchant_direct_sales', currency, merchantId: p.merchantId, subkey: provider },
        direction: flip('debit'),
        amount: a.total,
      },
      {
        account: { code: 'merchant_direct_receipts', currency, merchantId: p.merchantId, subkey: provider },
        direction: flip('credit'),
        amount: a.total,
      },
      {
        account: { code: 'provider_clearing', currency, subkey: provider },
        direction: flip('debit'),
        amount: a.platform,
      },
      {
        account: { code: 'merchant_fee_receivable', currency, merchantId: p.merchantId },
        direction: flip('credit'),
        amount: a.platform,
      },
    ];
  }
  const parts: Array<['merchant_pending' | 'merchant_available', bigint]> =
    typeof from === 'string'
      ? [[from, a.total]]
      : [
          ['merchant_pending', from.pending],
          ['merchant_available', from.available],
        ];
  if (typeof from !== 'string' && from.pending + from.available !== a.total)
    throw new Error(`split: ${from.pending} + ${from.available} is not the amount ${a.total}`);
  return [
    ...parts.map(([code, amount]) => ({
      account: { code, currency, merchantId: p.merchantId },
      direction: flip('debit'),
      amount,
    })),
    { account: { code: 'provider_clearing', currency, subkey: provider }, direction: flip('credit'), amount: a.total },
  ];
}

/** A split the provider completed: its succeeded lines leave the merchant's money (docs/ledger.md "Splits"). */
export function splitSucceededEntry(
  p: Payment,
  s: Split,
  amounts: SplitAmounts,
  from: SplitSource,
  occurredAt: Date,
): JournalEntryInput {
  return {
    externalId: `split:${s.id}:succeeded`,
    type: 'split.succeeded',
    referenceType: 'split',
    referenceId: s.id,
    merchantId: p.merchantId,
    occurredAt,
    postings: nonZero(splitPostings(p, s.currency, amounts, 'out', from)),
  };
}

/**
 * A return brings a receiver's money back to the merchant: the split's
 * postings reversed by the returned amount (a return from the platform's
 * receiver puts the fee back on the receivable). Collected mode: back to
 * what the platform owes the merchant, on its pending balance.
 */
export function splitReturnedEntry(p: Payment, s: Split, r: SplitReturn, platform: boolean, occurredAt: Date) {
  return {
    externalId: `split_return:${r.id}:succeeded`,
    type: 'split.returned',
    referenceType: 'split_return',
    referenceId: r.id,
    merchantId: p.merchantId,
    occurredAt,
    postings: nonZero(
      splitPostings(p, s.currency, { total: r.amount, platform: platform ? r.amount : 0n }, 'back', 'merchant_pending'),
    ),
  } satisfies JournalEntryInput;
}
