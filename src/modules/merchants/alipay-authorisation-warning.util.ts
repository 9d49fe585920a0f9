import type { ProviderAccount } from './entities/provider-account.entity';

/**
 * How long before its refresh token expires an Alipay authorisation is
 * flagged (admin field, metric, alert): the merchant must authorise the
 * platform's app again before then, or its direct-mode payments stop.
 */
export const ALIPAY_REFRESH_WARN_DAYS = 14;
export const ALIPAY_REFRESH_WARN_BEFORE_MS = ALIPAY_REFRESH_WARN_DAYS * 86_400_000;

export type AlipayWarning = 'refresh_refused' | 'refresh_token_expiring';

/** Why an authorised Alipay account needs an operator, or null. A refusal outranks an approaching expiry. */
export function alipayWarning(
  a: Pick<ProviderAccount, 'appAuthTokenEnc' | 'refreshFailedAt' | 'refreshExpiresAt'>,
  now: Date,
): AlipayWarning | null {
  if (!a.appAuthTokenEnc) return null;
  if (a.refreshFailedAt) return 'refresh_refused';
  if (a.refreshExpiresAt && a.refreshExpiresAt.getTime() - now.getTime() <= ALIPAY_REFRESH_WARN_BEFORE_MS)
    return 'refresh_token_expiring';
  return null;
}
