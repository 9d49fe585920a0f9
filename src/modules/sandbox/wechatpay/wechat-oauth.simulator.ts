import { createHmac, randomBytes } from 'node:crypto';
import { SimResponse, json } from '../shared/simulator-http';

/**
 * The sandbox official account's AppSecret. Derived from the APIv3 key that
 * both sides of a sandbox install already share, so no new key material is
 * needed; a live install configures the real AppSecret instead.
 */
export function sandboxWechatAppSecret(apiV3Key: string): string {
  return createHmac('sha256', apiV3Key).update('sandbox official-account AppSecret').digest('hex').slice(0, 32);
}

const CODE_TTL_MS = 5 * 60_000;

/**
 * WeChat's web OAuth for official accounts, as a JSAPI payment needs it: the
 * payer's browser is sent to /connect/oauth2/authorize (snsapi_base: silent,
 * no consent page) and comes back to redirect_uri with a one-time `code`; the
 * server exchanges it at /sns/oauth2/access_token for the payer's openid.
 * Field names and error codes are the real ones (40013 appid, 40125 secret,
 * 40029 code, 40163 code used).
 */
export class WechatOauthSimulator {
  private readonly codes = new Map<string, { openid: string; scope: string; at: number; used: boolean }>();

  constructor(
    private readonly appid: string,
    private readonly appSecret: string,
  ) {}

  authorize(query: URLSearchParams): SimResponse {
    const redirectUri = query.get('redirect_uri');
    const scope = query.get('scope') ?? '';
    if (query.get('appid') !== this.appid) return json(400, { errcode: 40013, errmsg: 'invalid appid' });
    if (query.get('response_type') !== 'code' || !['snsapi_base', 'snsapi_userinfo'].includes(scope))
      return json(400, { errcode: 10003, errmsg: 'redirect_uri, response_type=code and scope are required' });
    let target: URL;
    try {
      target = new URL(redirectUri ?? '');
    } catch {
      return json(400, { errcode: 10003, errmsg: 'redirect_uri is not a URL' });
    }
    const code = randomBytes(16).toString('hex');
    // One payer per code; a real openid is 28 characters of base64url.
    this.codes.set(code, {
      openid: `o${randomBytes(20).toString('base64url').slice(0, 27)}`,
      scope,
      at: Date.now(),
      used: false,
    });
    for (const [k, v] of this.codes) if (Date.now() - v.at > CODE_TTL_MS) this.codes.delete(k);
    target.searchParams.set('code', code);
    target.searchParams.set('state', query.get('state') ?? '');
    return { status: 302, headers: { location: target.toString() }, body: '' };
  }

  accessToken(query: URLSearchParams): SimResponse {
    if (query.get('appid') !== this.appid) return json(200, { errcode: 40013, errmsg: 'invalid appid' });
    if (query.get('secret') !== this.appSecret) return json(200, { errcode: 40125, errmsg: 'invalid appsecret' });
    if (query.get('grant_type') !== 'authorization_code')
      return json(200, { errcode: 40002, errmsg: 'invalid grant_type' });
    const entry = this.codes.get(query.get('code') ?? '');
    if (!entry || Date.now() - entry.at > CODE_TTL_MS) return json(200, { errcode: 40029, errmsg: 'invalid code' });
    if (entry.used) return json(200, { errcode: 40163, errmsg: 'code been used' });
    entry.used = true;
    return json(200, {
      access_token: randomBytes(24).toString('base64url'),
      expires_in: 7200,
      refresh_token: randomBytes(24).toString('base64url'),
      openid: entry.openid,
      scope: entry.scope,
    });
  }
}
