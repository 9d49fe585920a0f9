import { CallbackRequest, ParsedCallback, ProviderOutcome, RefundOutcome } from './provider.port';
import { HttpResult } from './http/provider-http.client';

/** Why we could not learn the outcome. Every case is `unknown`: the provider may have acted. */
export function unknownFromHttp(r: HttpResult, retryable = true): ProviderOutcome & RefundOutcome {
  switch (r.kind) {
    case 'timeout':
      return {
        status: 'unknown',
        retryable,
        providerCode: 'timeout',
        providerMessage: 'provider did not answer in time',
      };
    case 'circuit_open':
      return {
        status: 'unknown',
        retryable,
        providerCode: 'circuit_open',
        providerMessage: 'provider circuit is open',
      };
    case 'network_error':
      return { status: 'unknown', retryable, providerCode: 'network_error', providerMessage: r.message };
    case 'response':
      return {
        status: 'unknown',
        retryable,
        providerCode: `http_${r.status}`,
        providerMessage: r.status >= 500 ? 'provider server error' : 'unexpected provider answer',
      };
  }
}

/** A 2xx (or any answer) whose signature did not verify is never believed. */
export function unverifiedOutcome(detail: string): ProviderOutcome & RefundOutcome {
  return { status: 'unknown', retryable: true, providerCode: 'response_signature_invalid', providerMessage: detail };
}

/** Case-insensitive single-value header lookup over Node's header record. */
export function headerGetter(headers: CallbackRequest['headers']): (name: string) => string | undefined {
  const lower: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  return (name) => {
    const v = lower[name.toLowerCase()];
    // A duplicated signature header is ambiguous: treat it as absent (fails verification).
    return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
  };
}

export interface ExpectedPayment {
  providerOrderId: string;
  amount: bigint;
  currency: string;
  /** WeChat Pay service-provider mode: the payment's sub_mchid; null for an order of the platform's own mchid. */
  subMchid?: string | null;
  /** Alipay third-party authorisation: the merchant's auth_app_id the trade was made for; null for the platform's own. */
  authAppId?: string | null;
}

/**
 * What a verified callback disagrees on with the order the platform holds.
 * An empty list means it may be applied; anything else must be flagged and
 * not applied (a signed callback with a wrong amount is still wrong).
 */
export function callbackMismatches(cb: ParsedCallback, expected: ExpectedPayment): string[] {
  const out: string[] = [];
  if (cb.providerOrderId !== expected.providerOrderId) out.push('provider_order_id');
  if (cb.currency !== expected.currency) out.push('currency');
  // A partner callback for another sub-merchant (or a partner one for a platform order, or the reverse) is not ours.
  if (expected.subMchid !== undefined && (cb.providerSubMerchantId ?? null) !== expected.subMchid)
    out.push('sub_mchid');
  // Likewise an Alipay notification for another authorising merchant, or for the platform's own app.
  if (expected.authAppId !== undefined && (cb.providerAuthAppId ?? null) !== expected.authAppId)
    out.push('auth_app_id');
  if (cb.kind === 'payment' && cb.amount !== expected.amount) out.push('amount');
  if (cb.kind === 'refund') {
    if (cb.amount !== undefined && cb.amount > expected.amount) out.push('amount');
    if (cb.refundedTotal !== undefined && cb.refundedTotal > expected.amount) out.push('refunded_total');
  }
  return out;
}
