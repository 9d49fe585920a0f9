import { DomainError, conflict, invalidRequest, notFound } from '../../common/errors/domain-error';

/** The payment module's stable error codes. */
export const PaymentErrors = {
  paymentNotFound: (id: string) => notFound('payment', id),
  refundNotFound: (id: string) => notFound('refund', id),
  duplicateOutTradeNo: (paymentId: string) =>
    conflict('duplicate_out_trade_no', `out_trade_no was already used for payment ${paymentId}`, { payment_id: paymentId }),
  duplicateOutRefundNo: (refundId: string) =>
    conflict('duplicate_out_refund_no', `out_refund_no was already used for refund ${refundId}`, { refund_id: refundId }),
  channelNotEnabled: (channel: string) =>
    new DomainError({ type: 'permission_error', status: 403, code: 'channel_not_enabled', message: `Channel ${channel} is not enabled for this app`, param: 'channel' }),
  currencyNotSupported: (channel: string, currency: string) =>
    invalidRequest('currency_not_supported', `Channel ${channel} does not accept ${currency}`, 'currency'),
  amountInvalid: (message: string, param = 'amount') => invalidRequest('amount_invalid', message, param),
  payerRequired: () => invalidRequest('payer_required', 'wechat_jsapi needs payer.openid', 'payer.openid'),
  cardRequired: () => invalidRequest('card_required', 'The card channel needs card.encrypted or card.token', 'card'),
  cardNotAllowed: () => invalidRequest('card_not_allowed', 'card is only accepted on the card channel', 'card'),
  captureMethodNotAllowed: () => invalidRequest('capture_method_not_allowed', 'capture_method manual is only available for cards', 'capture_method'),
  invalidState: (id: string, status: string, action: string) =>
    conflict('payment_invalid_state', `Payment ${id} is ${status} and cannot be ${action}`, { payment_id: id, status }),
  captureTooLarge: () => invalidRequest('amount_too_large', 'amount exceeds the authorized amount', 'amount'),
  refundTooLarge: () => invalidRequest('refund_amount_exceeds_available', 'The refund exceeds the amount left to refund', 'amount'),
  paymentNotRefundable: (id: string, status: string) =>
    conflict('payment_not_refundable', `Payment ${id} is ${status}; only succeeded payments can be refunded`, { payment_id: id }),
  refundBalanceInsufficient: () =>
    conflict('balance_insufficient', "The merchant's pending and available balances cannot cover this refund"),
};
