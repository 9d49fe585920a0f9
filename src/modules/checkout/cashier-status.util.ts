import type { PaymentStatus } from '../payments/payment-state-machine';
import type { CheckoutSession, CheckoutSessionStatus } from './entities/checkout-session.entity';

/** What the cashier page's script is told: `GET /checkout/{id}/status`, and each event of its live stream. */
export interface CashierStatus {
  status: CheckoutSessionStatus;
  payment_status: PaymentStatus | null;
  /** Where the page sends the buyer once paid (the signed return), when the session has a return_url. */
  redirect_url: string | null;
}

export function cashierStatus(session: CheckoutSession, paymentStatus: PaymentStatus | null): CashierStatus {
  return {
    status: session.status,
    payment_status: paymentStatus,
    redirect_url: session.status === 'complete' && session.returnUrl ? `/checkout/${session.id}/return` : null,
  };
}

/** complete and expired end a session's stream: nothing changes after them that the page acts on. */
export const isFinalStatus = (s: CashierStatus): boolean => s.status !== 'open';

export const sameStatus = (a: CashierStatus, b: CashierStatus): boolean =>
  a.status === b.status && a.payment_status === b.payment_status && a.redirect_url === b.redirect_url;

/**
 * The Server-Sent Events name of a status: `paid` (complete; the last
 * event), `expired` (the last event), otherwise `status`.
 */
export const sseEventName = (s: CashierStatus): 'paid' | 'expired' | 'status' =>
  s.status === 'complete' ? 'paid' : s.status === 'expired' ? 'expired' : 'status';
