import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { DomainError } from '../errors/domain-error';

/** Traffic that reaches Paygrid before (or without) authentication, limited per client IP. */
export type IpLimitGroup = 'callbacks' | 'public' | 'admin';

/** Which paths belong to which group; anything else (signed /v1, health, metrics) is not limited per IP. */
export const IP_LIMIT_PATHS: Record<IpLimitGroup, string[]> = {
  callbacks: ['/callbacks'],
  public: ['/checkout', '/sandbox', '/.well-known'],
  admin: ['/admin'],
};

const WINDOW_MS = 60_000;

export const ipRateLimited = (retryAfterSeconds: number, what: string) =>
  new DomainError({
    code: 'rate_limited',
    message: `Too many ${what} from this address; retry after ${retryAfterSeconds} s`,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

/**
 * Per-IP limits for unauthenticated traffic (docs/reliability.md "Limits
 * per IP"). The counting is @nestjs/throttler's in-memory storage (sliding
 * window of hits, with a block for repeated admin-token failures), chosen
 * over the shared PostgreSQL token bucket on purpose: a flood from many
 * addresses must cost memory, not a database statement per new address.
 * The price is that each process counts alone, so with N API processes and
 * replicas an address may get up to N times the limit; exact limits belong
 * at the ingress.
 */
@Injectable()
export class IpRateLimiter implements OnApplicationShutdown {
  private readonly storage = new ThrottlerStorageService();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown();
  }

  /** Counts one request of `ip` in `group`; undefined when allowed, else the seconds to wait. */
  async hit(group: IpLimitGroup, ip: string): Promise<number | undefined> {
    const limit = this.config.ipRateLimits[group];
    if (limit <= 0) return undefined;
    // No block duration: a refused request is not counted, so the address gets its next slot when its oldest hit ages out.
    const r = await this.storage.increment(`${group}:${ip}`, WINDOW_MS, limit, 0, group);
    return r.isBlocked ? Math.max(1, r.timeToBlockExpire) : undefined;
  }

  /** Seconds `ip` must wait because of failed admin-token attempts, or undefined. Counts nothing. */
  adminAuthBlocked(ip: string, now = Date.now()): number | undefined {
    if (this.config.ipRateLimits.adminAuthFailures <= 0) return undefined;
    const record = this.storage.storage.get(failureKey(ip));
    if (!record?.isBlocked || record.blockExpiresAt <= now) return undefined;
    return Math.max(1, Math.ceil((record.blockExpiresAt - now) / 1000));
  }

  /** One failed admin-token attempt of `ip`: the Nth within a minute blocks the address for a minute. */
  async adminAuthFailed(ip: string): Promise<void> {
    const limit = this.config.ipRateLimits.adminAuthFailures;
    if (limit <= 0) return;
    // The storage blocks once hits exceed its limit: limit − 1 makes the Nth failure the one that blocks.
    await this.storage.increment(failureKey(ip), WINDOW_MS, limit - 1, WINDOW_MS, 'admin_auth_failures');
  }

  /** Express middleware for one group, mounted on its paths before the body parsers (a refused body is never parsed). */
  middleware(group: IpLimitGroup) {
    const what = group === 'callbacks' ? 'callbacks' : 'requests';
    return (req: Request, _res: Response, next: NextFunction): void => {
      this.hit(group, clientIp(req)).then(
        (wait) => next(wait === undefined ? undefined : ipRateLimited(wait, what)),
        (err: unknown) => next(err),
      );
    };
  }
}

const failureKey = (ip: string) => `admin_auth_failures:${ip}`;

/** The client address as Express derives it under TRUST_PROXY (X-Forwarded-For only from trusted peers). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** Global, so the admin guard (admin module) and app.factory reach the one limiter of the HTTP process. */
@Global()
@Module({ providers: [IpRateLimiter], exports: [IpRateLimiter] })
export class IpRateLimitModule {}
