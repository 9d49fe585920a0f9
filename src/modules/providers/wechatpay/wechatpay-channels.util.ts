import { randomBytes } from 'node:crypto';
import type { Channel, CreatePaymentInput } from '../provider.port';
import type { WechatPayConfig } from '../providers.config';
import { signOffThread } from '../rsa-sha256.util';

/**
 * What differs between the WeChat Pay v3 prepay channels: the endpoint, the
 * appid the order is made under, and the fields only some channels carry.
 * wechat_native → /native (code_url); wechat_jsapi → /jsapi under the
 * official-account appid; wechat_miniprogram → /jsapi under the mini-program
 * appid; wechat_h5 → /h5 with scene_info (h5_url); wechat_app → /app under
 * the mobile app's appid (prepay_id for the OpenSDK).
 */
export type PrepayKind = 'native' | 'jsapi' | 'h5' | 'app';

export const WECHAT_PREPAY_KIND: Partial<Record<Channel, PrepayKind>> = {
  wechat_native: 'native',
  wechat_jsapi: 'jsapi',
  wechat_miniprogram: 'jsapi',
  wechat_h5: 'h5',
  wechat_app: 'app',
};

/** The appid an order of this channel is made under; undefined when that appid is not configured. */
export function appidFor(channel: Channel, config: WechatPayConfig): string | undefined {
  if (channel === 'wechat_miniprogram') return config.miniProgramAppid;
  if (channel === 'wechat_app') return config.appAppid;
  return config.appid;
}

/** Every appid bound to the merchant: a callback naming any other one is for someone else. */
export function boundAppids(config: WechatPayConfig): string[] {
  return [config.appid, config.miniProgramAppid, config.appAppid].filter((a): a is string => Boolean(a));
}

/** The channel's extra prepay fields, or the reason it cannot be made. */
export function channelFields(
  channel: Channel,
  input: CreatePaymentInput,
): { fields: Record<string, unknown> } | { missing: string } {
  const kind = WECHAT_PREPAY_KIND[channel];
  if (kind === 'jsapi') {
    if (!input.payer?.openid) return { missing: 'payer.openid' };
    return { fields: { payer: { openid: input.payer.openid } } };
  }
  if (kind === 'h5') {
    if (!input.payer?.ip) return { missing: 'payer.ip' };
    // The payer's own IP, as WeChat checks it against the browser that opens h5_url.
    return { fields: { scene_info: { payer_client_ip: input.payer.ip, h5_info: { type: 'Wap' } } } };
  }
  return { fields: {} };
}

/**
 * APP invoke params for the WeChat OpenSDK's PayReq. The signature covers
 * `appid\ntimestamp\nnoncestr\nprepay_id\n`: the bare prepay_id, unlike
 * JSAPI's `prepay_id=…` package line.
 */
export function buildAppParamsAsync(
  appid: string,
  mchid: string,
  prepayId: string,
  merchantPrivateKeyPem: string,
  nowSeconds?: number,
): Promise<Record<string, string>> {
  const timestamp = String(nowSeconds ?? Math.floor(Date.now() / 1000));
  const noncestr = randomBytes(16).toString('hex').toUpperCase();
  return signOffThread(
    {
      message: `${appid}\n${timestamp}\n${noncestr}\n${prepayId}\n`,
      finish: (sign) => ({
        appid,
        partnerid: mchid,
        prepayid: prepayId,
        package: 'Sign=WXPay',
        noncestr,
        timestamp,
        sign,
      }),
    },
    merchantPrivateKeyPem,
  );
}
