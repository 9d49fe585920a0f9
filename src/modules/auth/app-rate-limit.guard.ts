import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { AuthErrors } from './auth.errors';
import { SignedRequestHolder, merchantContextOf } from './merchant-context';
import { TokenBuckets } from './token-bucket.util';

/**
 * Per-app quota of RATE_LIMIT_PER_MINUTE, in this replica's memory (see the
 * module README: with N replicas behind a balancer an app gets up to N times
 * the quota). Runs after the signature guard, so only an authenticated app
 * can spend its own quota; forged requests never touch another app's bucket.
 */
@Injectable()
export class AppRateLimiter {
  readonly buckets: TokenBuckets;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.buckets = new TokenBuckets(config.rateLimitPerMinute);
  }
}

@Injectable()
export class AppRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: AppRateLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const { appId } = merchantContextOf(http.getRequest<SignedRequestHolder>());
    const res = http.getResponse<Response>();
    const result = this.limiter.buckets.take(appId);
    res.setHeader('RateLimit-Limit', String(this.limiter.buckets.capacity));
    res.setHeader('RateLimit-Remaining', String(result.remaining));
    if (!result.allowed) throw AuthErrors.rateLimited(result.retryAfterSeconds);
    return true;
  }
}
