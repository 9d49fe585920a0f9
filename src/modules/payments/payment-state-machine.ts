/**
 * The payment and refund lifecycles as data, in one place. A provider's
 * answer moves a payment only where `canTransition` allows it (the lifecycle
 * service ignores the rest), and the repository applies the change as a
 * conditional update (`… WHERE status = expected`), so two racing causes can
 * never both move the same payment.
 */
export type PaymentStatus = 'pending' | 'requires_action' | 'authorized' | 'succeeded' | 'failed' | 'closed';
export const PAYMENT_STATUSES: readonly PaymentStatus[] = [
  'pending',
  'requires_action',
  'authorized',
  'succeeded',
  'failed',
  'closed',
];

export type RefundStatus = 'pending' | 'succeeded' | 'failed';
export const REFUND_STATUSES: readonly RefundStatus[] = ['pending', 'succeeded', 'failed'];

/** What caused a change; recorded on every timeline row. */
export type TransitionCause =
  | 'merchant' // a merchant API call (close, capture)
  | 'admin' // an operator through the admin API
  | 'provider_response' // the provider's answer to our own call
  | 'provider_callback' // an async notification from the provider
  | 'provider_query' // the resolver asked the provider
  | 'expiry_sweeper'; // the payment outlived expires_at

const PROVIDER: TransitionCause[] = ['provider_response', 'provider_callback', 'provider_query'];

export const PAYMENT_TRANSITIONS: Record<PaymentStatus, Partial<Record<PaymentStatus, readonly TransitionCause[]>>> = {
  pending: {
    requires_action: PROVIDER,
    authorized: PROVIDER,
    succeeded: PROVIDER,
    failed: PROVIDER,
    closed: ['merchant', 'admin', 'expiry_sweeper', ...PROVIDER],
  },
  requires_action: {
    authorized: PROVIDER,
    succeeded: PROVIDER,
    failed: PROVIDER,
    closed: ['merchant', 'admin', 'expiry_sweeper', ...PROVIDER],
  },
  authorized: {
    // Capture is a merchant (or admin) call confirmed by the provider's answer.
    succeeded: ['merchant', 'admin', 'provider_response'],
    closed: ['merchant', 'admin', 'expiry_sweeper', ...PROVIDER],
  },
  // Terminal. A success that arrives after `closed` or `failed` is a late success (README "Decisions worth knowing";
  // PaymentLifecycleService.lateSuccess): its money is held and refunded, and the payment does not move.
  succeeded: {},
  failed: {},
  closed: {},
};

export const REFUND_TRANSITIONS: Record<RefundStatus, Partial<Record<RefundStatus, readonly TransitionCause[]>>> = {
  pending: {
    succeeded: ['provider_response', 'provider_callback', 'provider_query'],
    failed: ['provider_response', 'provider_callback', 'provider_query', 'admin'],
  },
  succeeded: {},
  failed: {},
};

export const isTerminalPayment = (s: PaymentStatus): boolean => Object.keys(PAYMENT_TRANSITIONS[s]).length === 0;

export function canTransition(from: PaymentStatus, to: PaymentStatus, cause: TransitionCause): boolean {
  return PAYMENT_TRANSITIONS[from][to]?.includes(cause) ?? false;
}

export function canTransitionRefund(from: RefundStatus, to: RefundStatus, cause: TransitionCause): boolean {
  return REFUND_TRANSITIONS[from][to]?.includes(cause) ?? false;
}

/** Statuses in which the payer may still act, so the resolver keeps watching. */
export const OPEN_PAYMENT_STATUSES: readonly PaymentStatus[] = ['pending', 'requires_action'];
