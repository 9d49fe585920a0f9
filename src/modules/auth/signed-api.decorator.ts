import { UseGuards, applyDecorators } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AppRateLimitGuard } from './app-rate-limit.guard';
import { MerchantSignatureGuard } from './merchant-signature.guard';
import { ApiErrors } from '../../common/http/api-errors.decorator';

/** The OpenAPI security scheme of signed `/v1` requests (declared in swagger.ts). */
export const SIGNATURE_SCHEME = 'paygrid-signature';

/**
 * Marks a controller as part of the merchant API (`/v1`): the request
 * signature is verified (then `@MerchantContext()` is available), the app's
 * rate limit applies, and OpenAPI documents the scheme and its errors once.
 *
 * Responses are signed by ResponseSigningMiddleware, mounted on every `/v1`
 * path in app.factory, so error bodies of the exception filter are signed
 * too; controllers must live under `/v1` for that.
 */
export function SignedApi(tag: string): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiSecurity(SIGNATURE_SCHEME),
    UseGuards(MerchantSignatureGuard, AppRateLimitGuard),
    ApiErrors(
      'authorization_missing',
      'authorization_duplicated',
      'authorization_malformed',
      'timestamp_out_of_window',
      'key_unknown',
      'key_revoked',
      'key_expired',
      'signature_scheme_mismatch',
      'signature_invalid',
      'nonce_reused',
      'key_mode_mismatch',
      'merchant_suspended',
      'app_suspended',
      ['rate_limited', 'over the per-app quota; see `Retry-After`'],
    ),
  );
}
