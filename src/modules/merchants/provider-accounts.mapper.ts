import type { ProviderAccountResponseDto } from './dto/provider-account.dto';
import type { ProviderAccount } from './entities/provider-account.entity';

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
        },
      }
    : {}),
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
});
