import type { Channel } from '../providers/provider.port';

/** Which wallet app's built-in browser opened the page, known from its User-Agent. */
export type PayerApp = 'alipay' | 'wechat' | 'browser';

/**
 * Alipay's in-app browser says `AlipayClient/10.x` (and `AliApp(AP/…)`);
 * WeChat's says `MicroMessenger/8.x` (WeCom's `wxwork` is WeChat too, but
 * cannot pay with WeChat Pay JSAPI, so it gets the ordinary cashier).
 */
export function payerAppOf(userAgent: string | undefined): PayerApp {
  const ua = userAgent ?? '';
  if (/AlipayClient|AliApp\(AP/i.test(ua)) return 'alipay';
  if (/MicroMessenger/i.test(ua) && !/wxwork/i.test(ua)) return 'wechat';
  return 'browser';
}

/** Channels a wallet's own browser can start without the payer choosing, best first. */
const IN_APP_PREFERENCE: Record<Exclude<PayerApp, 'browser'>, string[]> = {
  // WAP pay opens Alipay's own cashier inside the app; page pay is the desktop cashier, which works there too.
  alipay: ['alipay_wap', 'alipay_page'],
  // JSAPI needs the payer's openid: the cashier runs the OAuth step first.
  wechat: ['wechat_jsapi'],
};

/** The channel to start at once for this app, or undefined to show the choice. */
export function inAppChannel(app: PayerApp, offered: readonly string[]): string | undefined {
  if (app === 'browser') return undefined;
  return IN_APP_PREFERENCE[app].find((c) => offered.includes(c));
}

/** Channels the hosted cashier can run (cards need a card form and card-data encryption; not here). */
export const CASHIER_CHANNELS: readonly Channel[] = [
  'alipay_qr',
  'alipay_page',
  'alipay_wap',
  'wechat_native',
  'wechat_jsapi',
  'wechat_h5',
];

/** What a choice button says. */
export const CHANNEL_LABELS: Record<string, string> = {
  alipay_qr: 'Alipay (scan a code)',
  alipay_page: 'Alipay (log in on the Alipay site)',
  alipay_wap: 'Alipay (mobile)',
  wechat_native: 'WeChat Pay (scan a code)',
  wechat_jsapi: 'WeChat Pay (in WeChat)',
  wechat_h5: 'WeChat Pay (mobile browser)',
};
