/**
 * What reconciliation needs from payments without importing them
 * (DESIGN "Module boundaries"): ask the provider about a payment and apply
 * its answer the way the payments resolver does. Implemented by
 * `payments/payment-resolution.adapter.ts` and provided globally under
 * PAYMENT_RESOLUTION.
 */
export const PAYMENT_RESOLUTION = Symbol('PAYMENT_RESOLUTION');

export interface PaymentResolution {
  /** The payment's status after the provider was asked; `not_found` when no such payment exists here. */
  status: string;
}

export interface PaymentResolutionPort {
  resolve(paymentId: string): Promise<PaymentResolution>;
}
