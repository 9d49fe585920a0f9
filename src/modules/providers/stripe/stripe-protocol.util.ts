import { createHmac, timingSafeEqual } from 'node:crypto';
import { stringify } from 'qs';
import type { ProcessorCardView, ProviderStatus, RefundStatus, ThreeDSecureResult } from '../provider.port';

/**
 * Stripe's wire format, the parts the adapter needs (docs.stripe.com/api):
 * requests are form-encoded with bracketed nesting (`metadata[k]=v`,
 * `expand[0]=latest_charge`), authenticated with `Authorization: Bearer sk_…`;
 * answers and webhook events are JSON. Webhooks carry
 * `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>[,v1=…]`.
 */

type Json = Record<string, any>;

/** Stripe's bracketed form encoding (the stripe-node client produces the same with qs "indices" arrays). */
export function stripeForm(params: Json): string {
  return stringify(params, { arrayFormat: 'indices', encodeValuesOnly: false, skipNulls: true });
}

export const STRIPE_SIGNATURE_TOLERANCE_S = 300;

export type StripeSignatureCheck = 'ok' | 'signature_invalid' | 'timestamp_out_of_window';

/**
 * Verifies a Stripe-Signature header over the raw body: any `v1` may match
 * (several during an endpoint-secret roll), other schemes are ignored, and a
 * timestamp outside the tolerance is refused (stripe-node uses 300 s).
 */
export function verifyStripeSignature(
  secret: string,
  header: string | undefined,
  rawBody: Buffer,
  nowS: number = Math.floor(Date.now() / 1000),
  toleranceS: number = STRIPE_SIGNATURE_TOLERANCE_S,
): StripeSignatureCheck {
  if (!header) return 'signature_invalid';
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k === 't') t = v;
    else if (k === 'v1') v1.push(v);
  }
  if (!t || !/^\d{1,12}$/.test(t) || v1.length === 0) return 'signature_invalid';
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  const matches = v1.some((sig) => {
    if (!/^[0-9a-f]{64}$/i.test(sig)) return false;
    return timingSafeEqual(Buffer.from(sig, 'hex'), expected);
  });
  if (!matches) return 'signature_invalid';
  if (Math.abs(nowS - Number(t)) > toleranceS) return 'timestamp_out_of_window';
  return 'ok';
}

/**
 * A PaymentIntent's status in the port's terms. `requires_payment_method`
 * after an attempt (last_payment_error set) is a decline or a failed
 * 3-D Secure: final for this payment, since Paygrid never re-confirms with
 * another card.
 */
export function paymentIntentStatus(pi: Json): ProviderStatus {
  switch (pi.status) {
    case 'succeeded':
      return 'succeeded';
    case 'requires_capture':
      return 'authorized';
    case 'requires_action':
      return 'requires_action';
    case 'canceled':
      return 'closed';
    case 'requires_payment_method':
      return pi.last_payment_error ? 'failed' : 'pending';
    case 'processing':
    case 'requires_confirmation':
      return 'pending';
    default:
      return 'unknown';
  }
}

export function stripeRefundStatus(status: string | undefined): RefundStatus {
  switch (status ?? '') {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
    case 'canceled':
      return 'failed';
    case 'pending':
    case 'requires_action':
      return 'pending';
    default:
      return 'unknown';
  }
}

/** Stripe's 3DS `result` as the EMV 3DS2 transStatus it stands for. */
const TRANS_STATUS: Record<string, ThreeDSecureResult['trans_status']> = {
  authenticated: 'Y',
  exempted: 'Y',
  attempt_acknowledged: 'A',
  failed: 'N',
  not_supported: 'U',
  processing_error: 'U',
};

/** The card and its 3-D Secure result from the PaymentIntent's expanded latest_charge. */
export function cardViewOf(pi: Json): ProcessorCardView | undefined {
  const charge = typeof pi.latest_charge === 'object' && pi.latest_charge ? pi.latest_charge : undefined;
  const card = charge?.payment_method_details?.card;
  if (!card) return undefined;
  const tds = card.three_d_secure as Json | null | undefined;
  return {
    brand: String(card.brand ?? 'unknown'),
    last4: String(card.last4 ?? ''),
    exp_month: Number(card.exp_month),
    exp_year: Number(card.exp_year),
    three_d_secure: tds
      ? {
          trans_status:
            tds.result === 'failed' && tds.result_reason === 'rejected' ? 'R' : (TRANS_STATUS[tds.result] ?? null),
          eci: tds.electronic_commerce_indicator ?? null,
          flow: tds.authentication_flow ?? null,
          version: tds.version ?? null,
          ds_transaction_id: tds.transaction_id ?? null,
        }
      : null,
  };
}

/** Metadata keys Paygrid puts on the PaymentIntent and Refund objects it creates, to find them again. */
export const PAYGRID_PAYMENT_KEY = 'paygrid_payment_id';
export const PAYGRID_REFUND_KEY = 'paygrid_refund_id';
