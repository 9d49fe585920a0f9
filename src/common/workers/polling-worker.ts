import { Logger, OnModuleDestroy } from '@nestjs/common';

export interface PollingOptions {
  /** Pause between passes when the last one found nothing more to do. */
  intervalMs: number;
  /** Loops running passes side by side (default 1). */
  concurrency?: number;
  /** Ceiling of the back-off after failed passes (default: the larger of intervalMs and 5 s). */
  maxBackoffMs?: number;
}

/** What the WorkersModule starts and stops (src/workers): it alone decides where loops run. */
export interface Worker {
  start(): void;
  stop(): Promise<void>;
}

/** Passes after the first failure in a row that are logged again (a long outage logs every 50th). */
const LOG_EVERY_FAILURES = 50;
const NUDGE_DELAY_MS = 5;

/**
 * A loop that runs `tick()` every `intervalMs` once started (by the
 * WorkersModule, never by itself). A pass never overlaps the next of the
 * same loop; a pass that reports more work (`hasMore`) is followed at once;
 * failed passes back off exponentially up to `maxBackoffMs`; `nudge()` runs
 * one soon; `stop()` waits for the passes in flight. Timers are unref'd.
 * Subclasses keep `tick()` public so tests and the CLI can drive it.
 */
export abstract class PollingWorker implements Worker, OnModuleDestroy {
  protected readonly logger: Logger;
  private readonly loops: Array<Promise<void>> = [];
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void; nudged: boolean }>();
  private stopped = false;
  private nudged = false;

  protected constructor(
    name: string,
    private readonly options: PollingOptions,
  ) {
    this.logger = new Logger(name);
  }

  abstract tick(): Promise<unknown>;

  /** Whether the pass that returned `result` left work behind, so the next pass starts at once. */
  protected hasMore(_result: unknown): boolean {
    return false;
  }

  protected get isStopped(): boolean {
    return this.stopped;
  }

  get isRunning(): boolean {
    return this.loops.length > 0 && !this.stopped;
  }

  start(): void {
    if (this.loops.length > 0 || this.stopped) return;
    for (let i = 0; i < (this.options.concurrency ?? 1); i++) this.loops.push(this.loop(i));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.sleepers) s.wake();
    await Promise.all(this.loops);
  }

  /** A loop that was started stops with its module, whatever the order of the shutdown hooks. */
  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  /** Run a pass soon (new work was just created) instead of waiting for the poll. */
  nudge(): void {
    if (!this.isRunning) return;
    const sleepers = [...this.sleepers];
    if (sleepers.some((s) => s.nudged)) return;
    const sleeper = sleepers[0];
    if (!sleeper) {
      this.nudged = true;
      return;
    }
    // Once per sleep: a stream of nudges must not keep pushing the pass back.
    sleeper.nudged = true;
    clearTimeout(sleeper.timer);
    sleeper.timer = setTimeout(sleeper.wake, NUDGE_DELAY_MS);
    sleeper.timer.unref();
  }

  private async loop(index: number): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let more = false;
      try {
        more = this.hasMore(await this.tick());
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1 || failures % LOG_EVERY_FAILURES === 0)
          this.logger.error(`pass failed${index > 0 ? ` (loop ${index})` : ''}: ${(err as Error).message}`);
      }
      if (this.stopped) break;
      if (failures > 0) await this.sleep(this.backoffMs(failures));
      else if (this.nudged) {
        this.nudged = false;
        await this.sleep(NUDGE_DELAY_MS);
      } else if (!more) await this.sleep(this.options.intervalMs);
    }
  }

  /** Doubles per failure in a row, from intervalMs up to maxBackoffMs. */
  private backoffMs(failures: number): number {
    const { intervalMs, maxBackoffMs = Math.max(intervalMs, 5_000) } = this.options;
    return Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures, 6));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        nudged: false,
        timer: setTimeout(() => sleeper.wake(), ms),
        wake: () => {
          clearTimeout(sleeper.timer);
          this.sleepers.delete(sleeper);
          resolve();
        },
      };
      sleeper.timer.unref();
      this.sleepers.add(sleeper);
    });
  }
}
