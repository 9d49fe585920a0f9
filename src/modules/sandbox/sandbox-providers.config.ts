import { SandboxKeyMaterial, sandboxWechatAppids } from './sandbox-keys.util';
import { bankSandboxKeys } from './bank/bank-sandbox-keys.util';
import { stripeSandboxKeys } from './stripe/stripe-sandbox-keys.util';
import type { ProvidersConfig } from '../providers/providers.config';

/** The adapters' config, pointing at the simulators under `${publicBaseUrl}/sandbox/...`. */
export function providersConfigForSandbox(keys: SandboxKeyMaterial, publicBaseUrl: string): ProvidersConfig {
  const base = publicBaseUrl.replace(/\/$/, '');
  return {
    alipay: {
      gatewayUrl: `${base}/sandbox/alipay/gateway.do`,
      appId: keys.alipay.appId,
      sellerId: keys.alipay.sellerId,
      appPrivateKeyPem: keys.alipay.appPrivateKeyPem,
      alipayPublicKeyPem: keys.alipay.alipayPublicKeyPem,
    },
    wechatpay: {
      baseUrl: `${base}/sandbox/wechatpay`,
      mchid: keys.wechatpay.mchid,
      appid: keys.wechatpay.appid,
      ...sandboxWechatAppids(keys.wechatpay),
      merchantSerialNo: keys.wechatpay.merchantSerialNo,
      merchantPrivateKeyPem: keys.wechatpay.merchantPrivateKeyPem,
      platformPublicKeys: { [keys.wechatpay.platformPublicKeyId]: keys.wechatpay.platformPublicKeyPem },
      platformPublicKeyId: keys.wechatpay.platformPublicKeyId,
      apiV3Key: keys.wechatpay.apiV3Key,
    },
    card: { baseUrl: `${base}/sandbox/card`, merchantId: keys.card.merchantId, hmacSecret: keys.card.hmacSecret },
    stripe: (({ secretKey, publishableKey, webhookSecret }) => ({
      apiBase: `${base}/sandbox/stripe`,
      secretKey,
      publishableKey,
      webhookSecret,
    }))(stripeSandboxKeys(keys.card)),
    bank: { baseUrl: `${base}/sandbox/bank`, ...bankSandboxKeys(keys.card) },
  };
}
