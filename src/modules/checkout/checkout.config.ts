/** What the checkout module needs from the install, built at the top (providers-setup.ts `checkoutConfigFor`). */
export interface CheckoutConfig {
  /** How payers reach this instance: the cashier's URLs. */
  publicBaseUrl: string;
  /** Sandbox mode: where the simulators are, for the cashier's "Pay (sandbox)" buttons. Undefined in live mode. */
  sandboxBaseUrl?: string;
  /** The official account whose web OAuth gives a WeChat payer's openid (JSAPI). Undefined: no JSAPI in the cashier. */
  wechatOauth?: {
    /** Production: https://open.weixin.qq.com */
    authorizeBaseUrl: string;
    /** Production: https://api.weixin.qq.com */
    apiBaseUrl: string;
    appid: string;
    appSecret: string;
  };
}

export const CHECKOUT_CONFIG = Symbol('CHECKOUT_CONFIG');
