import type { EntityManager } from 'typeorm';

/**
 * What settlements and reconciliation need from payments without importing
 * them (DESIGN "Module boundaries"): ask the provider about a payment and apply
 * its answer the way the payments resolver does, and which entries wait for a
 * profit-sharing release before they are settled. Implemented by
 * `payments/payment-resolution.adapter.ts` and provided globally under
 * PAYMENT_RESOLUTION.
 */
export const PAYMENT_RESOLUTION = Symbol('PAYMENT_RESOLUTION');

export interface PaymentResolution {
  /** The payment's status after the provider was asked; `not_found` when no such payment exists here. */
  status: string;
}

/** A ledger entry's reference, as settlement reads it (payment, refund, split or split_return and its id). */
export interface LedgerReference {
  referenceType: string;
  referenceId: string;
}

export interface PaymentResolutionPort {
  resolve(paymentId: string): Promise<PaymentResolution>;
  /**
   * Of these references, the ids that belong to a collected-mode payment made with profit sharing that the
   * merchant has not released yet (the payment itself, its splits and their returns): settlement leaves them
   * for a later day, as part of the money may still go to receivers. Read in the caller's transaction.
   */
  heldFromSettlement(refs: readonly LedgerReference[], manager?: EntityManager): Promise<Set<string>>;
}
