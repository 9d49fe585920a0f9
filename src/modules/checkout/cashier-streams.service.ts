import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { CashierStatus, isFinalStatus, sameStatus, sseEventName } from './cashier-status.util';
import { CheckoutService } from './checkout.service';

/** One open `GET /checkout/{id}/events` response. */
export interface CashierStream {
  readonly sessionId: string;
  /** The status the page was last told. */
  last: CashierStatus;
  send(event: string, data: CashierStatus): void;
  /** A comment line, so proxies and browsers see a live connection between changes. */
  ping(): void;
  /** Ends the response (its 'close' then removes it here). */
  end(): void;
}

/** A comment every ~15 s keeps idle streams open through proxies with a 30-60 s idle timeout. */
const PING_EVERY_MS = 15_000;

/**
 * The cashier's live-status streams in this process. No stream holds a
 * database connection: one shared timer reads the status of every watched
 * session together (CheckoutService.statuses: two queries, whatever the
 * number of streams), only while a stream is open, and pushes changes to the
 * streams that need them. The number of streams is bounded
 * (CHECKOUT_SSE_MAX_STREAMS); the controller answers 503 beyond it and the
 * page polls instead.
 */
@Injectable()
export class CashierStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CashierStreams.name);
  private readonly bySession = new Map<string, Set<CashierStream>>();
  private count = 0;
  private timer?: NodeJS.Timeout;
  private passing = false;
  private lastPing = Date.now();

  constructor(
    private readonly checkout: CheckoutService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Whether a new stream would be refused now. */
  get full(): boolean {
    return this.count >= this.config.checkout.sseMaxStreams;
  }

  /** Registers a stream; false when the process already has as many as it may. */
  add(stream: CashierStream): boolean {
    if (this.full) return false;
    let set = this.bySession.get(stream.sessionId);
    if (!set) this.bySession.set(stream.sessionId, (set = new Set()));
    set.add(stream);
    this.count++;
    if (!this.timer) {
      this.timer = setInterval(() => void this.pass(), this.config.checkout.ssePollMs);
      this.timer.unref();
    }
    return true;
  }

  /** Idempotent: a stream's 'close' may come after it was ended here. */
  remove(stream: CashierStream): void {
    const set = this.bySession.get(stream.sessionId);
    if (!set?.delete(stream)) return;
    this.count--;
    if (set.size === 0) this.bySession.delete(stream.sessionId);
    if (this.count === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** One read for every watched session; public so tests can drive it. */
  async pass(): Promise<void> {
    // A slow database must not stack passes up: the next tick finds this one running and skips.
    if (this.passing || this.bySession.size === 0) return;
    this.passing = true;
    try {
      const statuses = await this.checkout.statuses([...this.bySession.keys()]);
      for (const [id, streams] of [...this.bySession]) {
        const now = statuses.get(id);
        if (!now) continue;
        for (const s of [...streams]) {
          if (!sameStatus(s.last, now)) {
            s.last = now;
            s.send(sseEventName(now), now);
          }
          if (isFinalStatus(now)) {
            this.remove(s);
            s.end();
          }
        }
      }
      if (Date.now() - this.lastPing >= PING_EVERY_MS) {
        this.lastPing = Date.now();
        for (const streams of this.bySession.values()) for (const s of streams) s.ping();
      }
    } catch (err) {
      // An outage: the streams stay open and the next pass tries again; the pages' own reconnects would cost more.
      this.logger.warn(
        `reading the status of ${this.bySession.size} watched sessions failed: ${(err as Error).message}`,
      );
    } finally {
      this.passing = false;
    }
  }

  /** The HTTP server waits for open responses on close: end every stream first. */
  beforeApplicationShutdown(): void {
    for (const streams of [...this.bySession.values()])
      for (const s of [...streams]) {
        this.remove(s);
        s.end();
      }
  }
}
