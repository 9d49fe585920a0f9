import type { FieldCheckInput, FieldViolation } from '../provider.port';

/** description is string(127) in every v3 prepay API (native, jsapi, h5, app). */
const DESCRIPTION_MAX_CHARS = 127;
/** The production hosts (api. and the api2. backup): there notify_url must be https. */
const PRODUCTION_HOST = /(^|\.)mch\.weixin\.qq\.com$/i;

/**
 * WeChat Pay v3 prepay limits, checked before anything is written or sent.
 * notify_url is Paygrid's own callback URL (PUBLIC_BASE_URL): WeChat refuses
 * one with a query string, and in production one that is not https; the
 * sandbox simulator takes http, so https is required only against WeChat's hosts.
 */
export function wechatFieldViolation(input: FieldCheckInput, baseUrl: string): FieldViolation | undefined {
  if ([...input.subject].length > DESCRIPTION_MAX_CHARS)
    return {
      field: 'subject',
      message: `WeChat Pay description (subject) is at most ${DESCRIPTION_MAX_CHARS} characters`,
    };
  if (input.amount < 1n) return { field: 'amount', message: 'WeChat Pay amount.total is at least 1 fen' };
  let notify: URL;
  try {
    notify = new URL(input.notifyUrl);
  } catch {
    return { field: 'notify_url', message: 'PUBLIC_BASE_URL does not make a valid WeChat Pay notify_url' };
  }
  if (notify.search !== '' || notify.hash !== '')
    return {
      field: 'notify_url',
      message: 'WeChat Pay notify_url may not carry a query string (check PUBLIC_BASE_URL)',
    };
  if (notify.protocol !== 'https:' && PRODUCTION_HOST.test(new URL(baseUrl).hostname))
    return {
      field: 'notify_url',
      message: 'WeChat Pay notify_url must be https (set PUBLIC_BASE_URL to an https address)',
    };
  return undefined;
}
