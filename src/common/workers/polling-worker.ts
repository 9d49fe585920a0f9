import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../../config/config';

/**
 * A loop that runs `tick()` every `intervalMs` in the worker role (and in
 * `all`, never in `api`). Timers are unref'd, a pass never overlaps the next,
 * shutdown waits for the pass in flight, and `nudge()` runs one soon.
 * Subclasses keep `tick()` public so tests and the CLI can drive it.
 */
export abstract class PollingWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private enabled = false;

  protected constructor(
    private readonly role: AppConfig['role'],
    private readonly intervalMs: number,
    name: string,
  ) {
    this.logger = new Logger(name);
  }

  abstract tick(): Promise<unknown>;

  protected get isStopped(): boolean {
    return this.stopped;
  }

  onApplicationBootstrap(): void {
    if (this.role === 'api') return;
    this.enabled = true;
    this.schedule(this.intervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Run a pass soon (new work was just created) instead of waiting for the poll. */
  nudge(): void {
    if (!this.enabled || this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.schedule(5);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: Error) => this.logger.error(`pass failed: ${err.message}`))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.intervalMs);
        });
    }, ms);
    this.timer.unref();
  }
}
