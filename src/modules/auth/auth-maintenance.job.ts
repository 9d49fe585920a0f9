import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AuthRepository } from './auth.repository';

export const AUTH_PURGE_INTERVAL_MS = 60_000;

/**
 * Deletes expired nonces and idempotency keys once a minute. Every replica
 * runs it; deletes are idempotent, so overlapping runs only repeat work.
 * Correctness never depends on it: expired rows are reused in place.
 */
@Injectable()
export class AuthMaintenanceJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuthMaintenanceJob.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly repo: AuthRepository) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purgeExpired(), AUTH_PURGE_INTERVAL_MS);
    // Never keeps the process (or a test run) alive on its own.
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async purgeExpired(): Promise<{ nonces: number; idempotencyKeys: number }> {
    if (this.running) return { nonces: 0, idempotencyKeys: 0 };
    this.running = true;
    try {
      const nonces = await this.repo.purgeExpired('request_nonces');
      const idempotencyKeys = await this.repo.purgeExpired('idempotency_keys');
      await this.repo.purgeIdleRateLimitBuckets();
      if (nonces + idempotencyKeys > 0)
        this.logger.debug(`Purged ${nonces} nonces and ${idempotencyKeys} idempotency keys`);
      return { nonces, idempotencyKeys };
    } catch (err) {
      this.logger.warn({ err }, 'Purge of expired nonces and idempotency keys failed; next run retries');
      return { nonces: 0, idempotencyKeys: 0 };
    } finally {
      this.running = false;
    }
  }
}
