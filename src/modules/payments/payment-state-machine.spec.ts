import {
  PAYMENT_STATUSES,
  PaymentStatus,
  REFUND_STATUSES,
  RefundStatus,
  TransitionCause,
  canTransition,
  canTransitionRefund,
  isTerminalPayment,
} from './payment-state-machine';

const CAUSES: readonly TransitionCause[] = [
  'merchant',
  'admin',
  'provider_response',
  'provider_callback',
  'provider_query',
  'expiry_sweeper',
];
const PROVIDER = 'provider_response provider_callback provider_query';
const CLOSERS = `merchant admin expiry_sweeper ${PROVIDER}`;

/**
 * The allowed moves written out by hand, not read from the machine: every
 * (from, to, cause) not listed here must be refused.
 */
const ALLOWED_PAYMENT: Array<[PaymentStatus, PaymentStatus, string]> = [
  ['pending', 'requires_action', PROVIDER],
  ['pending', 'authorized', PROVIDER],
  ['pending', 'succeeded', PROVIDER],
  ['pending', 'failed', PROVIDER],
  ['pending', 'closed', CLOSERS],
  ['requires_action', 'authorized', PROVIDER],
  ['requires_action', 'succeeded', PROVIDER],
  ['requires_action', 'failed', PROVIDER],
  ['requires_action', 'closed', CLOSERS],
  ['authorized', 'succeeded', 'merchant admin provider_response'],
  ['authorized', 'closed', CLOSERS],
];

const ALLOWED_REFUND: Array<[RefundStatus, RefundStatus, string]> = [
  ['pending', 'succeeded', PROVIDER],
  ['pending', 'failed', `${PROVIDER} admin`],
];

function rows<S extends string>(statuses: readonly S[], allowed: Array<[S, S, string]>) {
  return statuses.flatMap((from) =>
    statuses.flatMap((to) =>
      CAUSES.map((cause) => {
        const row = allowed.find(([f, t]) => f === from && t === to);
        return [from, to, cause, row !== undefined && row[2].split(' ').includes(cause)] as const;
      }),
    ),
  );
}

describe('payment state machine', () => {
  it.each(rows(PAYMENT_STATUSES, ALLOWED_PAYMENT))('payment %s → %s by %s: allowed %s', (from, to, cause, allowed) => {
    expect(canTransition(from, to, cause)).toBe(allowed);
  });

  it.each(rows(REFUND_STATUSES, ALLOWED_REFUND))('refund %s → %s by %s: allowed %s', (from, to, cause, allowed) => {
    expect(canTransitionRefund(from, to, cause)).toBe(allowed);
  });

  it('has exactly succeeded, failed and closed as terminal payment statuses', () => {
    expect(PAYMENT_STATUSES.filter(isTerminalPayment)).toEqual(['succeeded', 'failed', 'closed']);
  });

  it('never moves a payment to the status it already has, nor back to pending', () => {
    for (const s of PAYMENT_STATUSES)
      for (const cause of CAUSES) {
        expect(canTransition(s, s, cause)).toBe(false);
        expect(canTransition(s, 'pending', cause)).toBe(false);
      }
  });
});
