import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { AuthErrors } from './auth.errors';
import { AuthRepository } from './auth.repository';
import { SignedRequestHolder, merchantContextOf } from './merchant-context';
import { SharedTokenBuckets } from './shared-token-buckets';

/**
 * Per-app quota of RATE_LIMIT_PER_MINUTE, shared by every API process and
 * replica through PostgreSQL (shared-token-buckets.ts; the module README).
 * Runs after the signature guard, so only an authenticated app can spend
 * its own quota; forged requests never touch another app's bucket.
 */
@Injectable()
export class AppRateLimiter {
  readonly buckets: SharedTokenBuckets;

  constructor(@Inject(APP_CONFIG) config: AppConfig, repo: AuthRepository) {
    this.buckets = new SharedTokenBuckets(config.rateLimitPerMinute, (key, capacity, perMs, want) =>
      repo.takeTokens(key, capacity, perMs, want),
    );
  }
}

@Injectable()
export class AppRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: AppRateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const { appId } = merchantContextOf(http.getRequest<SignedRequestHolder>());
    const res = http.getResponse<Response>();
    const result = await this.limiter.buckets.take(appId);
    res.setHeader('RateLimit-Limit', String(this.limiter.buckets.capacity));
    res.setHeader('RateLimit-Remaining', String(result.remaining));
    if (!result.allowed) throw AuthErrors.rateLimited(result.retryAfterSeconds);
    return true;
  }
}
