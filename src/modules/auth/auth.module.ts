import { Global, Module } from '@nestjs/common';
import { MerchantsModule } from '../merchants/merchants.module';
import { AppRateLimitGuard, AppRateLimiter } from './app-rate-limit.guard';
import { AuthMaintenanceJob } from './auth-maintenance.job';
import { AuthRepository } from './auth.repository';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { JwksController } from './jwks.controller';
import { MerchantSignatureGuard } from './merchant-signature.guard';
import { PingController } from './ping.controller';
import { PlatformKeysAdminController } from './platform-keys-admin.controller';
import { PlatformKeysRepository } from './platform-keys.repository';
import { PlatformKeysService } from './platform-keys.service';
import { RequestVerifierService } from './request-verifier.service';
import { ResponseSigningMiddleware } from './response-signing.middleware';

/**
 * Global, like AdminModule: `@SignedApi` and `@Idempotent` in any module
 * instantiate their guards and interceptor there, resolving these exports.
 */
@Global()
@Module({
  imports: [MerchantsModule],
  controllers: [PingController, JwksController, PlatformKeysAdminController],
  providers: [
    AuthRepository,
    RequestVerifierService,
    MerchantSignatureGuard,
    AppRateLimiter,
    AppRateLimitGuard,
    IdempotencyRepository,
    IdempotencyInterceptor,
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
    PlatformKeysService,
    ResponseSigningMiddleware,
    AuthMaintenanceJob,
  ],
})
export class AuthModule {}
