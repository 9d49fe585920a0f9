/**
 * @paygrid/sdk: the merchant-side client of the Paygrid API.
 *
 *   const paygrid = new PaygridClient({ baseUrl, appId, keyId, secret });
 *   await paygrid.ping();
 */
export { PaygridClient } from './paygrid-client';
export type { PaygridClientOptions } from './paygrid-client';
export { PaygridError, PaygridSignatureError, PaygridWebhookError } from './errors';
export { newNonce, requestStringToSign, signRequest } from './request-signing';
export type { RequestToSign, SigningCredentials } from './request-signing';
export {
  JwksCache,
  RESPONSE_TOLERANCE_SECONDS,
  responseStringToSign,
  verifyResponseSignature,
} from './response-verification';
export type { Jwk, Jwks } from './response-verification';
export { CARD_JWE_ALG, CARD_JWE_ENC, cardEncryptionKey, encryptCard } from './card-encryption';
export type { CardData } from './card-encryption';
export { signWebhook, verifyWebhook } from './webhooks';
export { EventForwarder } from './event-forwarder';
export type { EventForwarderOptions, ForwardedEvent } from './event-forwarder';
export { checkoutReturnStringToSign, verifyCheckoutReturn } from './checkout-return';
export type { CheckoutReturn } from './checkout-return';
export type { WebhookHeaders } from './webhooks';
export type {
  CreatePingParams,
  PaygridResponse,
  PingResponse,
  PostPingResponse,
  QueryValue,
  RequestOptions,
} from './types';
export type {
  Balance,
  Channel,
  CheckoutSession,
  CounterCode,
  CreateCheckoutSessionParams,
  CreateCounterCodeParams,
  CreatePaymentParams,
  CreateRefundParams,
  ListParams,
  ListPaymentsParams,
  ListSettlementsParams,
  NextAction,
  Page,
  PaygridEvent,
  Payment,
  PaymentStatus,
  Refund,
  Settlement,
  SettlementLine,
  TimelineCause,
} from './resources';
/** Every type of the contract (generated from openapi.json), for routes the SDK has no typed method for. */
export type { Api } from './contract';
