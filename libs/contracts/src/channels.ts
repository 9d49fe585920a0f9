/**
 * The payment channels: the one list the server's validation, its OpenAPI
 * enums, the event schemas and the SDK's types derive from. A new channel is
 * added here first.
 */
export const CHANNELS = [
  'alipay_qr',
  'alipay_page',
  'alipay_wap',
  'alipay_app',
  'alipay_barcode',
  'wechat_native',
  'wechat_jsapi',
  'wechat_h5',
  'wechat_app',
  'wechat_miniprogram',
  'card',
  'stripe_card',
] as const;

export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
