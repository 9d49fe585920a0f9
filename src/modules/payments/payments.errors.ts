import { DomainError, conflict, invalidRequest, notFound } from '../../common/errors/domain-error';

/** The payment module's stable error codes. */
export const PaymentErrors = {
  paymentNotFound: (id: string) => notFound('payment', id),
  refundNotFound: (id: string) => notFound('refund', id),
  duplicateOutTradeNo: (paymentId: string) =>
    conflict('duplicate_out_trade_no', `out_trade_no was already used for payment ${paymentId}`, {
      payment_id: paymentId,
    }),
  duplicateOutRefundNo: (refundId: string) =>
    conflict('duplicate_out_refund_no', `out_refund_no was already used for refund ${refundId}`, {
      refund_id: refundId,
    }),
  channelNotEnabled: (channel: string) =>
    new DomainError({
      code: 'channel_not_enabled',
      message: `Channel ${channel} is not enabled for this app`,
      param: 'channel',
    }),
  currencyNotSupported: (channel: string, currency: string) =>
    invalidRequest('currency_not_supported', `Channel ${channel} does not accept ${currency}`, 'currency'),
  /** A field within our limits but outside the provider's (docs/providers.md "Field limits"). */
  providerFieldInvalid: (param: string, message: string) => invalidRequest('parameter_invalid', message, param),
  amountInvalid: (message: string, param = 'amount') => invalidRequest('amount_invalid', message, param),
  payerRequired: (channel = 'wechat_jsapi', param = 'payer.openid') =>
    invalidRequest('payer_required', `${channel} needs ${param}`, param),
  authCodeNotAllowed: () =>
    invalidRequest('auth_code_not_allowed', 'payer.auth_code is only accepted on alipay_barcode', 'payer.auth_code'),
  cardRequired: () => invalidRequest('card_required', 'The card channel needs card.encrypted or card.token', 'card'),
  paymentMethodRequired: () =>
    invalidRequest(
      'payment_method_required',
      'The stripe_card channel needs card.payment_method (a Stripe pm_ id) and nothing else in card',
      'card.payment_method',
    ),
  returnUrlRequired: () =>
    invalidRequest(
      'return_url_required',
      'stripe_card needs return_url: 3-D Secure sends the payer back there',
      'return_url',
    ),
  cardNotAllowed: () =>
    invalidRequest('card_not_allowed', 'card is only accepted on the card and stripe_card channels', 'card'),
  captureMethodNotAllowed: () =>
    invalidRequest('capture_method_not_allowed', 'capture_method manual is only available for cards', 'capture_method'),
  invalidState: (id: string, status: string, action: string) =>
    conflict('payment_invalid_state', `Payment ${id} is ${status} and cannot be ${action}`, { payment_id: id, status }),
  captureTooLarge: () => invalidRequest('amount_too_large', 'amount exceeds the authorized amount', 'amount'),
  refundTooLarge: () =>
    invalidRequest('refund_amount_exceeds_available', 'The refund exceeds the amount left to refund', 'amount'),
  paymentNotRefundable: (id: string, status: string) =>
    conflict('payment_not_refundable', `Payment ${id} is ${status}; only succeeded payments can be refunded`, {
      payment_id: id,
    }),
  refundNotAwaitingOperator: (id: string, status: string) =>
    conflict(
      'refund_not_awaiting_operator',
      `Refund ${id} is ${status} and not flagged for an operator; only a flagged pending refund can be retried or resolved by hand`,
      { refund_id: id, status },
    ),
  abnormalRetryUnsupported: (channel: string) =>
    conflict('refund_retry_unsupported', `Channel ${channel} has no abnormal-refund retry`),
  bankCardRequired: () =>
    invalidRequest('parameter_invalid', 'USER_BANK_CARD needs bank_type, bank_account and real_name', 'bank_account'),
  bankCardNotAllowed: () =>
    invalidRequest('parameter_invalid', 'MERCHANT_BANK_CARD takes no bank_type, bank_account or real_name', 'type'),
  providerRefusedRetry: (code: string, message: string) =>
    conflict('provider_refused', `The provider refused the retry: ${message}`, { provider_code: code }),
  refundBalanceInsufficient: () =>
    conflict('balance_insufficient', "The merchant's pending and available balances cannot cover this refund"),
};
