import type { AppConfig, LiveVariable } from '../../config/config';
import { StoredSecretsService } from '../crypto/stored-secrets.service';
import { SandboxKeyMaterial, createSandboxKeyMaterial, providersConfigForSandbox, sandboxConfigForKeys } from '../sandbox/sandbox-keys.util';
import type { SandboxConfig } from '../sandbox/sandbox.config';
import type { ProvidersConfig } from './providers.config';

const SANDBOX_KEYS_SECRET = 'sandbox_key_material';

/**
 * The simulators' keys are generated on first boot and kept (encrypted) in
 * the database, so the API, the workers and restarts all agree on them.
 */
export function sandboxKeys(secrets: StoredSecretsService): Promise<SandboxKeyMaterial> {
  return secrets.getOrCreateJson(SANDBOX_KEYS_SECRET, createSandboxKeyMaterial);
}

/** Where the simulators are served: a separate process (SANDBOX_URL) or this app. */
export function sandboxBaseUrl(config: AppConfig): string {
  return config.sandbox.url ?? config.publicBaseUrl;
}

/**
 * Adapter config: in sandbox mode pointing at the simulators (served by this
 * app, or by the separate process at SANDBOX_URL), in live mode from the ALIPAY_* / WECHATPAY_* / CARD_ACQUIRER_*
 * variables (a provider with incomplete variables is not registered, and its
 * channels answer `channel_unavailable`).
 */
export async function providersConfigFor(config: AppConfig, secrets: StoredSecretsService): Promise<ProvidersConfig> {
  const http = { timeoutMs: config.providerTimeoutMs };
  const withHttp = (c: ProvidersConfig): ProvidersConfig => ({
    alipay: c.alipay && { ...c.alipay, http },
    wechatpay: c.wechatpay && { ...c.wechatpay, http },
    card: c.card && { ...c.card, http },
    bank: c.bank && { ...c.bank, http },
  });
  if (config.mode === 'sandbox') return withHttp(providersConfigForSandbox(await sandboxKeys(secrets), sandboxBaseUrl(config)));
  const l = config.live;
  const all = (...names: LiveVariable[]) => names.every((n) => Boolean(l[n]));
  return withHttp({
    alipay: all('ALIPAY_GATEWAY_URL', 'ALIPAY_APP_ID', 'ALIPAY_APP_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY')
      ? { gatewayUrl: l.ALIPAY_GATEWAY_URL!, appId: l.ALIPAY_APP_ID!, sellerId: l.ALIPAY_SELLER_ID, appPrivateKeyPem: l.ALIPAY_APP_PRIVATE_KEY!, alipayPublicKeyPem: l.ALIPAY_PUBLIC_KEY! }
      : undefined,
    wechatpay: all('WECHATPAY_BASE_URL', 'WECHATPAY_MCHID', 'WECHATPAY_APPID', 'WECHATPAY_MERCHANT_SERIAL_NO', 'WECHATPAY_MERCHANT_PRIVATE_KEY', 'WECHATPAY_PUBLIC_KEY_ID', 'WECHATPAY_PUBLIC_KEY', 'WECHATPAY_API_V3_KEY')
      ? {
          baseUrl: l.WECHATPAY_BASE_URL!,
          mchid: l.WECHATPAY_MCHID!,
          appid: l.WECHATPAY_APPID!,
          merchantSerialNo: l.WECHATPAY_MERCHANT_SERIAL_NO!,
          merchantPrivateKeyPem: l.WECHATPAY_MERCHANT_PRIVATE_KEY!,
          platformPublicKeys: { [l.WECHATPAY_PUBLIC_KEY_ID!]: l.WECHATPAY_PUBLIC_KEY! },
          platformPublicKeyId: l.WECHATPAY_PUBLIC_KEY_ID!,
          apiV3Key: l.WECHATPAY_API_V3_KEY!,
        }
      : undefined,
    card: all('CARD_ACQUIRER_URL', 'CARD_ACQUIRER_MERCHANT_ID', 'CARD_ACQUIRER_SECRET')
      ? { baseUrl: l.CARD_ACQUIRER_URL!, merchantId: l.CARD_ACQUIRER_MERCHANT_ID!, hmacSecret: l.CARD_ACQUIRER_SECRET! }
      : undefined,
    bank: all('BANK_TRANSFER_URL', 'BANK_TRANSFER_ACCOUNT_ID', 'BANK_TRANSFER_SECRET')
      ? { baseUrl: l.BANK_TRANSFER_URL!, accountId: l.BANK_TRANSFER_ACCOUNT_ID!, hmacSecret: l.BANK_TRANSFER_SECRET! }
      : undefined,
  });
}

/** The simulators' own config; their payer pages and download links are under `sandboxBaseUrl`. */
export async function sandboxConfigFor(config: AppConfig, secrets: StoredSecretsService): Promise<SandboxConfig> {
  return sandboxConfigForKeys(await sandboxKeys(secrets), sandboxBaseUrl(config), {
    callbackTimeCompression: config.sandbox.timeCompression,
    hangMs: config.sandbox.hangMs,
  });
}
