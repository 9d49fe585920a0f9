import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SandboxConfig } from './sandbox.config';
import { stripeSandboxKeys } from './stripe/stripe-sandbox-keys.util';

/** Every key of a sandbox install: the simulators' own and the merchant side's. */
export interface SandboxKeyMaterial {
  alipay: {
    appId: string;
    sellerId: string;
    appPrivateKeyPem: string;
    appPublicKeyPem: string;
    alipayPrivateKeyPem: string;
    alipayPublicKeyPem: string;
  };
  wechatpay: {
    mchid: string;
    appid: string;
    merchantSerialNo: string;
    merchantPrivateKeyPem: string;
    merchantPublicKeyPem: string;
    platformPublicKeyId: string;
    platformPrivateKeyPem: string;
    platformPublicKeyPem: string;
    apiV3Key: string;
  };
  card: { merchantId: string; hmacSecret: string };
}

function rsa2048(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');

/**
 * Fresh keys for a sandbox install (three RSA-2048 pairs, ~0.1–0.5 s). The
 * app generates them once at boot (or loads persisted ones) and builds both
 * sides' config from the same material, so signatures check out end to end.
 */
export function createSandboxKeyMaterial(): SandboxKeyMaterial {
  const app = rsa2048();
  const alipay = rsa2048();
  const merchant = rsa2048();
  const platform = rsa2048();
  return {
    alipay: {
      appId: `902100${digits(10)}`,
      sellerId: `2088${digits(12)}`,
      appPrivateKeyPem: app.privateKeyPem,
      appPublicKeyPem: app.publicKeyPem,
      alipayPrivateKeyPem: alipay.privateKeyPem,
      alipayPublicKeyPem: alipay.publicKeyPem,
    },
    wechatpay: {
      mchid: `19${digits(8)}`,
      appid: `wx${randomBytes(8).toString('hex')}`,
      merchantSerialNo: randomBytes(20).toString('hex').toUpperCase(),
      merchantPrivateKeyPem: merchant.privateKeyPem,
      merchantPublicKeyPem: merchant.publicKeyPem,
      platformPublicKeyId: `PUB_KEY_ID_${digits(32)}`,
      platformPrivateKeyPem: platform.privateKeyPem,
      platformPublicKeyPem: platform.publicKeyPem,
      // 32 ASCII characters, used as the AES-256 key bytes as-is.
      apiV3Key: randomBytes(16).toString('hex'),
    },
    card: { merchantId: `acq_mch_${digits(8)}`, hmacSecret: randomBytes(32).toString('base64url') },
  };
}

/**
 * The sandbox merchant's mini-program and mobile-app appids, derived from its
 * stored material so installs created before these channels keep working.
 */
export function sandboxWechatAppids(w: { appid: string; apiV3Key: string }): {
  miniProgramAppid: string;
  appAppid: string;
} {
  const derive = (label: string) =>
    `wx${createHmac('sha256', w.apiV3Key).update(`paygrid-sandbox-wechat:${label}:${w.appid}`).digest('hex').slice(0, 16)}`;
  return { miniProgramAppid: derive('miniprogram'), appAppid: derive('app') };
}

/** The simulators' config: their own private keys, the merchant's public keys only. */
export function sandboxConfigForKeys(
  keys: SandboxKeyMaterial,
  publicBaseUrl: string,
  extra: Partial<SandboxConfig> = {},
): SandboxConfig {
  return {
    publicBaseUrl: publicBaseUrl.replace(/\/$/, ''),
    alipay: {
      appId: keys.alipay.appId,
      sellerId: keys.alipay.sellerId,
      appPublicKeyPem: keys.alipay.appPublicKeyPem,
      alipayPrivateKeyPem: keys.alipay.alipayPrivateKeyPem,
    },
    wechatpay: {
      mchid: keys.wechatpay.mchid,
      appid: keys.wechatpay.appid,
      ...sandboxWechatAppids(keys.wechatpay),
      merchantSerialNo: keys.wechatpay.merchantSerialNo,
      merchantPublicKeyPem: keys.wechatpay.merchantPublicKeyPem,
      platformPublicKeyId: keys.wechatpay.platformPublicKeyId,
      platformPrivateKeyPem: keys.wechatpay.platformPrivateKeyPem,
      apiV3Key: keys.wechatpay.apiV3Key,
    },
    card: { ...keys.card },
    stripe: (({ secretKey, publishableKey, webhookSecret }) => ({ secretKey, publishableKey, webhookSecret }))(
      stripeSandboxKeys(keys.card),
    ),
    ...extra,
  };
}
