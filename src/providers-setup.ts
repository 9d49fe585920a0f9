import type { AppConfig, LiveVariable } from './config/config';
import type { StoredSecretsService } from './modules/crypto/stored-secrets.service';
import type { AlipayConfig, ProvidersConfig } from './modules/providers/providers.config';
import {
  alipayPrivateKeyPem,
  alipayPublicKeyPem,
  loadAlipayCertificates,
} from './modules/providers/alipay/alipay-keys';
import { providersConfigForSandbox } from './modules/sandbox/sandbox-providers.config';
import { sandboxBaseUrl, sandboxKeys } from './modules/sandbox/sandbox-setup';

/**
 * Adapter config: in sandbox mode pointing at the simulators (served by this
 * app, or by the separate process at SANDBOX_URL), in live mode from the ALIPAY_* / WECHATPAY_* / CARD_ACQUIRER_* / STRIPE_*
 * variables (a provider with incomplete variables is not registered, and its
 * channels answer `channel_unavailable`).
 */
export async function providersConfigFor(config: AppConfig, secrets: StoredSecretsService): Promise<ProvidersConfig> {
  const http = { timeoutMs: config.providerTimeoutMs };
  const withHttp = (c: ProvidersConfig): ProvidersConfig => ({
    alipay: c.alipay && { ...c.alipay, http },
    wechatpay: c.wechatpay && { ...c.wechatpay, http },
    card: c.card && { ...c.card, http },
    stripe: c.stripe && { ...c.stripe, http },
    bank: c.bank && { ...c.bank, http },
  });
  if (config.mode === 'sandbox')
    return withHttp(providersConfigForSandbox(await sandboxKeys(secrets), sandboxBaseUrl(config)));
  const l = config.live;
  const all = (...names: LiveVariable[]) => names.every((n) => Boolean(l[n]));
  const wechatCertMode = l.WECHATPAY_KEY_MODE === 'certificate';
  const wechatPublicKey = all('WECHATPAY_PUBLIC_KEY_ID', 'WECHATPAY_PUBLIC_KEY');
  return withHttp({
    alipay: alipayLiveConfig(l),
    wechatpay:
      all(
        'WECHATPAY_BASE_URL',
        'WECHATPAY_MCHID',
        'WECHATPAY_APPID',
        'WECHATPAY_MERCHANT_SERIAL_NO',
        'WECHATPAY_MERCHANT_PRIVATE_KEY',
        'WECHATPAY_API_V3_KEY',
      ) &&
      // Public-key mode needs the key; certificate mode downloads its keys (and may hold a public key as well).
      (wechatCertMode || all('WECHATPAY_PUBLIC_KEY_ID', 'WECHATPAY_PUBLIC_KEY'))
        ? {
            baseUrl: l.WECHATPAY_BASE_URL!,
            mchid: l.WECHATPAY_MCHID!,
            appid: l.WECHATPAY_APPID!,
            miniProgramAppid: l.WECHATPAY_MINIPROGRAM_APPID,
            appAppid: l.WECHATPAY_APP_APPID,
            merchantSerialNo: l.WECHATPAY_MERCHANT_SERIAL_NO!,
            merchantPrivateKeyPem: l.WECHATPAY_MERCHANT_PRIVATE_KEY!,
            platformKeyMode: wechatCertMode ? 'certificate' : 'public_key',
            platformPublicKeys: wechatPublicKey ? { [l.WECHATPAY_PUBLIC_KEY_ID!]: l.WECHATPAY_PUBLIC_KEY! } : {},
            platformPublicKeyId: wechatPublicKey ? l.WECHATPAY_PUBLIC_KEY_ID : undefined,
            apiV3Key: l.WECHATPAY_API_V3_KEY!,
          }
        : undefined,
    card: all('CARD_ACQUIRER_URL', 'CARD_ACQUIRER_MERCHANT_ID', 'CARD_ACQUIRER_SECRET')
      ? { baseUrl: l.CARD_ACQUIRER_URL!, merchantId: l.CARD_ACQUIRER_MERCHANT_ID!, hmacSecret: l.CARD_ACQUIRER_SECRET! }
      : undefined,
    stripe: all('STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET')
      ? {
          apiBase: l.STRIPE_API_BASE ?? 'https://api.stripe.com',
          secretKey: l.STRIPE_SECRET_KEY!,
          webhookSecret: l.STRIPE_WEBHOOK_SECRET!,
          publishableKey: l.STRIPE_PUBLISHABLE_KEY,
        }
      : undefined,
    bank: all('BANK_TRANSFER_URL', 'BANK_TRANSFER_ACCOUNT_ID', 'BANK_TRANSFER_SECRET')
      ? { baseUrl: l.BANK_TRANSFER_URL!, accountId: l.BANK_TRANSFER_ACCOUNT_ID!, hmacSecret: l.BANK_TRANSFER_SECRET! }
      : undefined,
  });
}

/**
 * Alipay in public-key mode (ALIPAY_PUBLIC_KEY) or certificate mode
 * (ALIPAY_KEY_MODE=certificate and the three certificate files). Keys may be
 * PEM or the bare base64 the console shows. Incomplete variables: not
 * registered; present but unusable ones stop the boot with the reason.
 */
function alipayLiveConfig(l: AppConfig['live']): AlipayConfig | undefined {
  const certMode = l.ALIPAY_KEY_MODE === 'certificate';
  const verifyWith = certMode ? [l.ALIPAY_APP_CERT, l.ALIPAY_PUBLIC_CERT, l.ALIPAY_ROOT_CERT] : [l.ALIPAY_PUBLIC_KEY];
  if (![l.ALIPAY_GATEWAY_URL, l.ALIPAY_APP_ID, l.ALIPAY_APP_PRIVATE_KEY, ...verifyWith].every(Boolean))
    return undefined;
  try {
    const appPrivateKeyPem = alipayPrivateKeyPem(l.ALIPAY_APP_PRIVATE_KEY!);
    return {
      gatewayUrl: l.ALIPAY_GATEWAY_URL!,
      appId: l.ALIPAY_APP_ID!,
      sellerId: l.ALIPAY_SELLER_ID,
      appPrivateKeyPem,
      ...(certMode
        ? {
            certificates: loadAlipayCertificates(
              { appCert: l.ALIPAY_APP_CERT!, alipayCert: l.ALIPAY_PUBLIC_CERT!, rootCert: l.ALIPAY_ROOT_CERT! },
              appPrivateKeyPem,
            ),
          }
        : { alipayPublicKeyPem: alipayPublicKeyPem(l.ALIPAY_PUBLIC_KEY!) }),
    };
  } catch (err) {
    throw new Error(`Alipay configuration: ${(err as Error).message}`);
  }
}
