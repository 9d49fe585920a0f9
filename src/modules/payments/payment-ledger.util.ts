import type { AccountCode, JournalEntryInput } from '../ledger/ledger.types';
import type { Channel, ProviderName } from '../providers/provider.port';
import type { Payment } from './entities/payment.entity';
import type { Refund } from './entities/refund.entity';

/** Which provider's clearing account holds a channel's money (and serves its callbacks). */
export function providerOf(channel: Channel): ProviderName {
  switch (channel) {
    case 'alipay_qr':
    case 'alipay_page':
    case 'alipay_wap':
    case 'alipay_app':
    case 'alipay_barcode':
      return 'alipay';
    case 'wechat_native':
    case 'wechat_jsapi':
    case 'wechat_h5':
    case 'wechat_app':
    case 'wechat_miniprogram':
      return 'wechatpay';
    case 'card':
      return 'card';
    case 'stripe_card':
      return 'stripe';
    default: {
      // A channel added to the contract's list without a provider here fails the type check.
      const unmapped: never = channel;
      throw new Error(`no provider for channel ${String(unmapped)}`);
    }
  }
}

/** Direct (service-provider) mode: the provider settled the payment to the merchant's own account. */
export const isDirect = (p: Pick<Payment, 'moneyMode'>): boolean => p.moneyMode === 'direct';

type Postings = JournalEntryInput['postings'];

/**
 * Direct mode, docs/ledger.md "Direct mode": the buyer's money is the
 * merchant's from the start, so it is recorded on the merchant's memo pair
 * (receipts at the provider / sales), and the platform books only its fee,
 * as a receivable from the merchant. Nothing reaches merchant_pending, so
 * settlement and payouts never see this money. `sign` 'out' is the reverse
 * (a refund, paid from the merchant's provider account).
 */
function directPostings(p: Payment, currency: string, gross: bigint, fee: bigint, sign: 'in' | 'out'): Postings {
  const into = sign === 'in' ? 'debit' : 'credit';
  const outOf = sign === 'in' ? 'credit' : 'debit';
  const provider = providerOf(p.channel);
  return [
    {
      account: { code: 'merchant_direct_receipts', currency, merchantId: p.merchantId, subkey: provider },
      direction: into,
      amount: gross,
    },
    {
      account: { code: 'merchant_direct_sales', currency, merchantId: p.merchantId, subkey: provider },
      direction: outOf,
      amount: gross,
    },
    { account: { code: 'merchant_fee_receivable', currency, merchantId: p.merchantId }, direction: into, amount: fee },
    { account: { code: 'platform_fee_revenue', currency }, direction: outOf, amount: fee },
  ];
}

/** A zero leg (no fee, a split with nothing on one side) is left out: the ledger refuses zero postings. */
const nonZero = (postings: Postings): Postings => postings.filter((x) => x.amount > 0n);

/**
 * Money taken: the provider holds it for us (clearing, an asset); we owe it
 * to the merchant (pending, until settled) less the platform's fee.
 */
export function paymentCapturedEntry(
  p: Payment,
  captured: bigint,
  fee: bigint,
  occurredAt: Date = p.succeededAt ?? new Date(),
): JournalEntryInput {
  const postings: Postings = isDirect(p)
    ? directPostings(p, p.currency, captured, fee, 'in')
    : collectedCapturePostings(p, captured, fee);
  return {
    externalId: `payment:${p.id}:captured`,
    type: 'payment.captured',
    referenceType: 'payment',
    referenceId: p.id,
    merchantId: p.merchantId,
    // Settlement days are cut on the business time, not on when the entry was written.
    occurredAt,
    postings: nonZero(postings),
  };
}

function collectedCapturePostings(p: Payment, captured: bigint, fee: bigint): Postings {
  return [
    {
      account: { code: 'provider_clearing', currency: p.currency, subkey: providerOf(p.channel) },
      direction: 'debit',
      amount: captured,
    },
    {
      account: { code: 'merchant_pending', currency: p.currency, merchantId: p.merchantId },
      direction: 'credit',
      amount: captured - fee,
    },
    { account: { code: 'platform_fee_revenue', currency: p.currency }, direction: 'credit', amount: fee },
  ];
}

/**
 * Where a refund's merchant share comes from: one balance, or a split that
 * takes `pending` from the pending balance and the rest from available (when
 * neither alone covers it, docs/ledger.md "Refunds").
 */
export type RefundSource = 'merchant_pending' | 'merchant_available' | { pending: bigint; available: bigint };

/**
 * A refund gives back the payer's money out of the merchant's balance (pending
 * first, `from` says which, or both) and returns the proportional fee. In
 * direct mode the provider pays it from the merchant's own account: the memo
 * pair shrinks and the returned fee comes off the receivable (`from` unused).
 */
export function refundSucceededEntry(
  p: Payment,
  r: Refund,
  feeBack: bigint,
  from: RefundSource,
  occurredAt: Date = r.succeededAt ?? new Date(),
): JournalEntryInput {
  const base = {
    externalId: `refund:${r.id}:succeeded`,
    type: 'refund.succeeded',
    referenceType: 'refund',
    referenceId: r.id,
    merchantId: p.merchantId,
    occurredAt,
  };
  if (isDirect(p)) return { ...base, postings: nonZero(directPostings(p, r.currency, r.amount, feeBack, 'out')) };
  const share = r.amount - feeBack;
  const parts: Array<[AccountCode, bigint]> =
    typeof from === 'string'
      ? [[from, share]]
      : [
          ['merchant_pending', from.pending],
          ['merchant_available', from.available],
        ];
  if (typeof from !== 'string' && from.pending + from.available !== share)
    throw new Error(`refund ${r.id}: a split of ${from.pending} + ${from.available} is not the share ${share}`);
  const postings: JournalEntryInput['postings'] = [
    ...parts.map(([code, amount]) => ({
      account: { code, currency: r.currency, merchantId: p.merchantId },
      direction: 'debit' as const,
      amount,
    })),
    { account: { code: 'platform_fee_revenue', currency: r.currency }, direction: 'debit', amount: feeBack },
    {
      account: { code: 'provider_clearing', currency: r.currency, subkey: providerOf(p.channel) },
      direction: 'credit',
      amount: r.amount,
    },
  ];
  return { ...base, postings: nonZero(postings) };
}

/**
 * A success reported after we closed the payment: the money is real but not
 * the merchant's to keep. Collected: suspense, until the automatic refund. Direct:
 * the money sits in the merchant's provider account, so only the memo pair
 * records it (no fee: the sale was never accepted), and the refund takes it back.
 */
export function lateSuccessEntry(p: Payment, amount: bigint): JournalEntryInput {
  const direct = isDirect(p);
  return {
    externalId: `payment:${p.id}:late_success`,
    type: 'payment.late_success',
    referenceType: 'payment',
    referenceId: p.id,
    merchantId: p.merchantId,
    description: direct
      ? "Provider reported success after the payment was closed; in the merchant's account until refunded"
      : 'Provider reported success after the payment was closed; held in suspense and refunded to the payer',
    postings: nonZero(
      direct
        ? directPostings(p, p.currency, amount, 0n, 'in')
        : [
            {
              account: { code: 'provider_clearing', currency: p.currency, subkey: providerOf(p.channel) },
              direction: 'debit',
              amount,
            },
            { account: { code: 'late_payments_suspense', currency: p.currency }, direction: 'credit', amount },
          ],
    ),
  };
}

/** The automatic refund of a late success leaves suspense (direct: the merchant's memo pair). */
export function lateRefundEntry(p: Payment, r: Refund): JournalEntryInput {
  return {
    externalId: `refund:${r.id}:succeeded`,
    type: 'refund.late_success',
    referenceType: 'refund',
    referenceId: r.id,
    merchantId: p.merchantId,
    postings: nonZero(
      isDirect(p)
        ? directPostings(p, r.currency, r.amount, 0n, 'out')
        : [
            { account: { code: 'late_payments_suspense', currency: r.currency }, direction: 'debit', amount: r.amount },
            {
              account: { code: 'provider_clearing', currency: r.currency, subkey: providerOf(p.channel) },
              direction: 'credit',
              amount: r.amount,
            },
          ],
    ),
  };
}
