import type { AppConfig } from './config/config';
import type { CheckoutConfig } from './modules/checkout/checkout.config';
import type { StoredSecretsService } from './modules/crypto/stored-secrets.service';
import { sandboxBaseUrl, sandboxKeys } from './modules/sandbox/sandbox-setup';
import { sandboxWechatAppSecret } from './modules/sandbox/wechatpay/wechat-oauth.simulator';

/**
 * The cashier's config, composed at the top: in sandbox mode its "Pay
 * (sandbox)" buttons and the WeChat OAuth step go to the simulators; in live
 * mode OAuth goes to WeChat with the official account's AppSecret (no secret:
 * no JSAPI in the cashier).
 */
export async function checkoutConfigFor(config: AppConfig, secrets: StoredSecretsService): Promise<CheckoutConfig> {
  if (config.mode === 'sandbox') {
    const keys = await sandboxKeys(secrets);
    const base = sandboxBaseUrl(config);
    return {
      publicBaseUrl: config.publicBaseUrl,
      sandboxBaseUrl: base,
      wechatOauth: {
        authorizeBaseUrl: `${base}/sandbox/wechatpay`,
        apiBaseUrl: `${base}/sandbox/wechatpay`,
        appid: keys.wechatpay.appid,
        appSecret: sandboxWechatAppSecret(keys.wechatpay.apiV3Key),
      },
    };
  }
  const appid = config.live.WECHATPAY_APPID;
  const appSecret = config.checkout.wechatAppSecret;
  return {
    publicBaseUrl: config.publicBaseUrl,
    wechatOauth:
      appid && appSecret
        ? {
            authorizeBaseUrl: config.checkout.wechatOauthUrl,
            apiBaseUrl: config.checkout.wechatApiUrl,
            appid,
            appSecret,
          }
        : undefined,
  };
}
