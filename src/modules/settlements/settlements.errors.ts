import { DomainError, conflict, invalidRequest, notFound, unprocessable } from '../../common/errors/domain-error';

/** Settlement, payout and reconciliation refusals (one place, stable codes). */
export const SettlementErrors = {
  settlementNotFound: (id: string) => notFound('settlement', id),
  payoutNotFound: (id: string) => notFound('payout', id),
  reportNotFound: (id: string) => notFound('reconciliation report', id),
  exceptionNotFound: (id: string) => notFound('reconciliation exception', id),
  merchantNotFound: (id: string) => notFound('merchant', id, 'merchant_id'),
  dayInvalid: (param = 'day') => invalidRequest('day_invalid', 'day must be a calendar day written YYYY-MM-DD', param),
  dayNotClosed: (day: string, timezone: string) =>
    unprocessable(
      'settlement_day_not_closed',
      `${day} has not ended yet in ${timezone}; pass force: true to settle what has been posted so far`,
      'day',
    ),
  providerUnknown: (name: string) =>
    invalidRequest('parameter_invalid', `Provider '${name}' is not configured`, 'provider'),
  payoutNotAwaitingApproval: (id: string, status: string) =>
    conflict('payout_not_awaiting_approval', `Payout ${id} is ${status}, not awaiting approval`, { status }),
  exceptionNotOpen: (id: string) =>
    conflict('reconciliation_exception_not_open', `Reconciliation item ${id} is not an open exception`),
  /** The provider has not produced the day's bill yet (T+1): try again later; the scheduler does. */
  statementNotReady: (provider: string, day: string) =>
    conflict('statement_not_ready', `The ${provider} bill for ${day} is not ready yet; reconcile it later`, {
      provider,
      day,
    }),
  statementUnavailable: (provider: string, message: string) =>
    new DomainError({
      code: 'statement_unavailable',
      message: `The ${provider} statement could not be fetched: ${message}`,
    }),
};
