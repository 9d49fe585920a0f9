import type { ProviderAccountResponseDto } from './dto/provider-account.dto';
import type { ProviderAccount } from './entities/provider-account.entity';
import { alipayWarning } from './alipay-authorisation-warning.util';

/** Never maps the tokens: only whether the merchant has authorised and until when. */
export const toProviderAccountResponse = (a: ProviderAccount): ProviderAccountResponseDto => ({
  id: a.id,
  object: 'provider_account',
  merchant_id: a.merchantId,
  family: a.family,
  mode: a.mode,
  sub_mchid: a.subMchid,
  sub_appid: a.subAppid,
  ...(a.family === 'alipay'
    ? {
        alipay_authorisation: {
          authorised: a.appAuthTokenEnc !== null,
          auth_app_id: a.authAppId,
          user_id: a.alipayUserId,
          token_expires_at: a.tokenExpiresAt?.toISOString() ?? null,
          refresh_expires_at: a.refreshExpiresAt?.toISOString() ?? null,
          refresh_failed_at: a.refreshFailedAt?.toISOString() ?? null,
          refresh_failure_code: a.refreshFailureCode,
          warning: alipayWarning(a, new Date()),
        },
      }
    : {}),
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
});
