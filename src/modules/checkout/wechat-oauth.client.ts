import type { CheckoutConfig } from './checkout.config';
import { CheckoutErrors } from './checkout.errors';

type OauthConfig = NonNullable<CheckoutConfig['wechatOauth']>;

/**
 * WeChat web OAuth (snsapi_base), the step before a JSAPI payment: the payer
 * is sent to authorize and comes back with a one-time code, which the server
 * exchanges for the payer's openid. The AppSecret never leaves the server.
 */
export class WechatOauthClient {
  constructor(
    private readonly cfg: OauthConfig,
    private readonly timeoutMs: number,
  ) {}

  authorizeUrl(redirectUri: string, state: string): string {
    const q = new URLSearchParams({
      appid: this.cfg.appid,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'snsapi_base',
      state,
    });
    return `${this.cfg.authorizeBaseUrl}/connect/oauth2/authorize?${q.toString()}#wechat_redirect`;
  }

  async openidFor(code: string): Promise<string> {
    const q = new URLSearchParams({
      appid: this.cfg.appid,
      secret: this.cfg.appSecret,
      code,
      grant_type: 'authorization_code',
    });
    let body: { openid?: string; errcode?: number; errmsg?: string };
    try {
      const res = await fetch(`${this.cfg.apiBaseUrl}/sns/oauth2/access_token?${q.toString()}`, {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = (await res.json()) as typeof body;
    } catch {
      throw CheckoutErrors.oauthFailed('WeChat did not answer the OAuth code exchange; try again');
    }
    if (!body.openid)
      throw CheckoutErrors.oauthFailed(`WeChat refused the OAuth code (${body.errcode ?? 'no openid'})`);
    return body.openid;
  }
}
