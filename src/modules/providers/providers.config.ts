import type { PlatformKeysOptions } from './wechatpay/wechatpay-platform-keys';
import type { AlipayCertificateMaterial } from './alipay/alipay-keys';

/**
 * Typed configuration of the channel adapters. Pointing an adapter at the real
 * provider instead of the sandbox simulator is a change of these values only:
 * no adapter code knows whether it talks to the simulator.
 */

/** How an adapter talks HTTP to its provider. */
export interface HttpPolicy {
  /** Abort every call after this long; the outcome is then `unknown`. */
  timeoutMs: number;
  /** Extra attempts for idempotent calls only (query, close, refund, refund query). */
  maxRetries: number;
  /** First back-off delay; doubles per attempt, with full jitter. */
  retryBaseDelayMs: number;
  /** Circuit breaker (opossum): open when this % of calls in the window failed... */
  breakerErrorThresholdPercentage: number;
  /** ...and at least this many calls were made in the window. */
  breakerVolumeThreshold: number;
  /** How long the breaker stays open before letting one probe through. */
  breakerResetTimeoutMs: number;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = {
  timeoutMs: 10_000,
  maxRetries: 2,
  retryBaseDelayMs: 200,
  breakerErrorThresholdPercentage: 50,
  breakerVolumeThreshold: 10,
  breakerResetTimeoutMs: 30_000,
};

export interface AlipayConfig {
  /** Production: https://openapi.alipay.com/gateway.do */
  gatewayUrl: string;
  appId: string;
  /** The app private key (PKCS#8 PEM) that signs our requests. */
  appPrivateKeyPem: string;
  /**
   * Public-key mode: Alipay's public key (SPKI PEM), from the open platform
   * console; verifies answers and notifications. Not used in certificate mode.
   */
  alipayPublicKeyPem?: string;
  /**
   * Set: public-key-certificate mode (公钥证书). Requests carry app_cert_sn and
   * alipay_root_cert_sn, answers are verified with the Alipay certificate their
   * alipay_cert_sn names (loadAlipayCertificates in alipay/alipay-keys.ts).
   */
  certificates?: AlipayCertificateMaterial;
  /** Our PID (2088…); when set, notifications naming another seller are refused. */
  sellerId?: string;
  http?: Partial<HttpPolicy>;
}

export interface WechatPayConfig {
  /** Production: https://api.mch.weixin.qq.com */
  baseUrl: string;
  mchid: string;
  /** The official-account (公众号) appid: native, JSAPI and H5 orders. */
  appid: string;
  /** The mini-program's appid (wechat_miniprogram); unset: that channel is not offered. */
  miniProgramAppid?: string;
  /** The mobile app's appid from the open platform (wechat_app); unset: that channel is not offered. */
  appAppid?: string;
  /** Serial number of the merchant API certificate that goes with the private key. */
  merchantSerialNo: string;
  merchantPrivateKeyPem: string;
  /**
   * WeChat Pay public keys by id (public-key mode: `PUB_KEY_ID_…`). Several
   * may be listed during a key rotation; responses name theirs in Wechatpay-Serial.
   */
  platformPublicKeys: Record<string, string>;
  /**
   * Sent as Wechatpay-Serial on requests (the official samples do so in
   * public-key mode). Unset in certificate mode: the newest platform
   * certificate's serial is sent.
   */
  platformPublicKeyId?: string;
  /**
   * public_key (default): only platformPublicKeys verify. certificate: the
   * platform certificates are also downloaded from /v3/certificates (AES-GCM
   * sealed with the APIv3 key), fetched again periodically and whenever an
   * answer or callback names a serial not held (wechatpay-platform-keys.ts).
   */
  platformKeyMode?: 'public_key' | 'certificate';
  /** Certificate mode: refresh period and the rate limit of unknown-serial refreshes. */
  platformKeyRefresh?: Partial<PlatformKeysOptions>;
  /** The 32-character APIv3 key: AES-256-GCM key of callback resources. */
  apiV3Key: string;
  http?: Partial<HttpPolicy>;
}

export interface CardAcquirerConfig {
  /** Base URL of the acquirer API, e.g. http://127.0.0.1:3000/sandbox/card */
  baseUrl: string;
  merchantId: string;
  /** Shared HMAC-SHA256 secret (see card-protocol.util.ts). */
  hmacSecret: string;
  http?: Partial<HttpPolicy>;
}

export interface StripeConfig {
  /** Production: https://api.stripe.com (the sandbox simulator: <sandbox>/sandbox/stripe). */
  apiBase: string;
  /** Secret API key (sk_live_… / sk_test_…, or a restricted rk_… key with PaymentIntents and Refunds write). */
  secretKey: string;
  /** The webhook endpoint's signing secret (whsec_…) that verifies Stripe-Signature. */
  webhookSecret: string;
  /** Publishable key (pk_…) merchants' pages give Stripe.js to create PaymentMethods; Paygrid only shows it. */
  publishableKey?: string;
  http?: Partial<HttpPolicy>;
}

/** The bank that sends merchant payouts. */
export interface BankTransferConfig {
  /** Base URL of the bank's transfer API, e.g. http://127.0.0.1:3000/sandbox/bank */
  baseUrl: string;
  /** The platform's account at the bank (the payer of every payout). */
  accountId: string;
  /** Shared HMAC-SHA256 secret (bank-protocol.util.ts). */
  hmacSecret: string;
  http?: Partial<HttpPolicy>;
}

/** Each key is optional: a channel without config is simply not registered. */
export interface ProvidersConfig {
  alipay?: AlipayConfig;
  wechatpay?: WechatPayConfig;
  card?: CardAcquirerConfig;
  /** Stripe PaymentIntents, the processor-tokenized card rail (channel stripe_card). */
  stripe?: StripeConfig;
  /** The bank that sends merchant payouts (not a payment channel). */
  bank?: BankTransferConfig;
}

/** Injection token under which the app provides a `ProvidersConfig`. */
export const PROVIDERS_CONFIG = Symbol('PROVIDERS_CONFIG');

export function resolveHttpPolicy(partial?: Partial<HttpPolicy>): HttpPolicy {
  return { ...DEFAULT_HTTP_POLICY, ...(partial ?? {}) };
}
