import { Global, Module } from '@nestjs/common';
import { MerchantsModule } from '../merchants/merchants.module';
import { AppRateLimitGuard, AppRateLimiter } from './app-rate-limit.guard';
import { AuthMaintenanceJob } from './auth-maintenance.job';
import { AuthRepository } from './auth.repository';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { MerchantSignatureGuard } from './merchant-signature.guard';
import { PlatformKeysRepository } from './platform-keys.repository';
import { PlatformKeysService } from './platform-keys.service';
import { ProcessSentinel } from './process-sentinel';
import { RequestVerifierService } from './request-verifier.service';
import { ResponseSigningMiddleware } from './response-signing.middleware';

/**
 * Global, like AdminModule: `@SignedApi` and `@Idempotent` in any module
 * instantiate their guards and interceptor there, resolving these exports.
 */
@Global()
@Module({
  imports: [MerchantsModule],
  providers: [
    AuthRepository,
    RequestVerifierService,
    MerchantSignatureGuard,
    AppRateLimiter,
    AppRateLimitGuard,
    IdempotencyRepository,
    IdempotencyInterceptor,
    ProcessSentinel,
    PlatformKeysRepository,
    PlatformKeysService,
    ResponseSigningMiddleware,
    AuthMaintenanceJob,
  ],
  exports: [
    RequestVerifierService,
    MerchantSignatureGuard,
    AppRateLimiter,
    AppRateLimitGuard,
    IdempotencyRepository,
    IdempotencyInterceptor,
    ProcessSentinel,
    PlatformKeysService,
    ResponseSigningMiddleware,
    AuthMaintenanceJob,
  ],
})
export class AuthModule {}
