import { DomainError, conflict, invalidRequest, notFound } from '../../common/errors/domain-error';

/** The checkout module's stable error codes. */
export const CheckoutErrors = {
  sessionNotFound: (id: string) => notFound('checkout_session', id),
  counterCodeNotFound: (id: string) => notFound('counter_code', id),
  duplicateOutTradeNo: (sessionId: string) =>
    conflict('duplicate_out_trade_no', `out_trade_no was already used for checkout session ${sessionId}`, {
      checkout_session_id: sessionId,
    }),
  channelNotEnabled: (channel: string) =>
    new DomainError({
      code: 'channel_not_enabled',
      message: `Channel ${channel} is not enabled for this app`,
      param: 'channels',
    }),
  channelNotOffered: (channel: string) =>
    invalidRequest('channel_not_offered', `Channel ${channel} is not offered by this checkout session`, 'channel'),
  noChannels: () =>
    invalidRequest('channels_empty', 'None of the channels can be offered by the cashier for this app', 'channels'),
  currencyNotSupported: (channel: string, currency: string) =>
    invalidRequest('currency_not_supported', `Channel ${channel} does not accept ${currency}`, 'currency'),
  sessionNotOpen: (id: string, status: string) =>
    conflict('checkout_session_not_open', `Checkout session ${id} is ${status}`, { checkout_session_id: id, status }),
  tooManyAttempts: (id: string) =>
    conflict('checkout_session_attempts_exhausted', `Checkout session ${id} started too many payments`, {
      checkout_session_id: id,
    }),
  amountInvalid: () => invalidRequest('amount_invalid', 'Enter an amount such as 12.50', 'amount'),
  oauthFailed: (message: string) => invalidRequest('wechat_oauth_failed', message, 'code'),
  sandboxOnly: () => notFound('sandbox_action', 'sandbox'),
};
