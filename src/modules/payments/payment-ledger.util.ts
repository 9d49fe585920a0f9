import type { AccountCode, JournalEntryInput } from '../ledger/ledger.types';
import type { Channel, ProviderName } from '../providers/provider.port';
import type { Payment } from './entities/payment.entity';
import type { Refund } from './entities/refund.entity';

/** Which provider's clearing account holds a channel's money. */
export function providerOf(channel: string): ProviderName {
  if (channel.startsWith('alipay')) return 'alipay';
  if (channel.startsWith('wechat')) return 'wechatpay';
  if (channel.startsWith('stripe')) return 'stripe';
  return 'card';
}

export const channelOf = (p: Payment): Channel => p.channel as Channel;

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
  const postings: JournalEntryInput['postings'] = [
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
  return {
    externalId: `payment:${p.id}:captured`,
    type: 'payment.captured',
    referenceType: 'payment',
    referenceId: p.id,
    merchantId: p.merchantId,
    // Settlement days are cut on the business time, not on when the entry was written.
    occurredAt,
    postings: postings.filter((x) => x.amount > 0n),
  };
}

/**
 * Where a refund's merchant share comes from: one balance, or a split that
 * takes `pending` from the pending balance and the rest from available (when
 * neither alone covers it, docs/ledger.md "Refunds").
 */
export type RefundSource = 'merchant_pending' | 'merchant_available' | { pending: bigint; available: bigint };

/**
 * A refund gives back the payer's money out of the merchant's balance (pending
 * first, `from` says which, or both) and returns the proportional fee.
 */
export function refundSucceededEntry(
  p: Payment,
  r: Refund,
  feeBack: bigint,
  from: RefundSource,
  occurredAt: Date = r.succeededAt ?? new Date(),
): JournalEntryInput {
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
  return {
    externalId: `refund:${r.id}:succeeded`,
    type: 'refund.succeeded',
    referenceType: 'refund',
    referenceId: r.id,
    merchantId: p.merchantId,
    occurredAt,
    postings: postings.filter((x) => x.amount > 0n),
  };
}

/** A success reported after we closed the payment: the money is real but not the merchant's. */
export function lateSuccessEntry(p: Payment, amount: bigint): JournalEntryInput {
  return {
    externalId: `payment:${p.id}:late_success`,
    type: 'payment.late_success',
    referenceType: 'payment',
    referenceId: p.id,
    merchantId: p.merchantId,
    description: 'Provider reported success after the payment was closed; held in suspense and refunded to the payer',
    postings: [
      {
        account: { code: 'provider_clearing', currency: p.currency, subkey: providerOf(p.channel) },
        direction: 'debit',
        amount,
      },
      { account: { code: 'late_payments_suspense', currency: p.currency }, direction: 'credit', amount },
    ],
  };
}

/** The automatic refund of a late success leaves suspense. */
export function lateRefundEntry(p: Payment, r: Refund): JournalEntryInput {
  return {
    externalId: `refund:${r.id}:succeeded`,
    type: 'refund.late_success',
    referenceType: 'refund',
    referenceId: r.id,
    merchantId: p.merchantId,
    postings: [
      { account: { code: 'late_payments_suspense', currency: r.currency }, direction: 'debit', amount: r.amount },
      {
        account: { code: 'provider_clearing', currency: r.currency, subkey: providerOf(p.channel) },
        direction: 'credit',
        amount: r.amount,
      },
    ],
  };
}
