/**
 * Configuration of the provider simulators. Each simulator holds its OWN
 * keys (the Alipay key pair, the WeChat Pay platform key, the acquirer
 * secret) and only the merchant's PUBLIC key, exactly as the real provider
 * does; the platform side is configured with the simulator's public key.
 * Build both sides from one `createSandboxKeyMaterial()` (sandbox-keys.util.ts).
 */
export interface SandboxConfig {
  /** How payers and adapters reach this app, e.g. http://127.0.0.1:3000 (no trailing slash). */
  publicBaseUrl: string;
  alipay: {
    appId: string;
    sellerId: string;
    /** The merchant app's public key: verifies request signatures. */
    appPublicKeyPem: string;
    /** The simulator's own key: signs responses and notifications. */
    alipayPrivateKeyPem: string;
  };
  wechatpay: {
    mchid: string;
    appid: string;
    /** The other appids bound to the merchant (mini-program, mobile app): orders may name any of them. */
    miniProgramAppid?: string;
    appAppid?: string;
    merchantSerialNo: string;
    /** Verifies the merchant's Authorization header and JSAPI paySign. */
    merchantPublicKeyPem: string;
    platformPublicKeyId: string;
    platformPrivateKeyPem: string;
    apiV3Key: string;
  };
  card: { merchantId: string; hmacSecret: string };
  /** The sandbox Stripe account: its keys, and where its webhooks go (Paygrid's /callbacks/stripe). */
  stripe: { secretKey: string; publishableKey: string; webhookSecret: string; webhookUrl?: string };
  /**
   * Callback retry schedules are the providers' real ones divided by this
   * factor (1 = real time; tests use e.g. 10_000 so 4 minutes become 24 ms).
   */
  callbackTimeCompression?: number;
  /** How long the "timeout" switch holds an answer (must exceed the adapters' timeout). Default 30 s. */
  hangMs?: number;
}

/** Injection token under which the app provides a `SandboxConfig`. */
export const SANDBOX_CONFIG = Symbol('SANDBOX_CONFIG');
