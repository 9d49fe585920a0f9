import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter } from 'prom-client';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Metrics } from './metrics';

export type ShedReason = 'in_flight' | 'event_loop_delay';

/** Answers a refused request; app.factory knows the API error shape and the providers' "try again". */
export type Refuse = (req: Request, res: Response, reason: ShedReason) => void;

/** Probes and scrapes, and the simulators (which stand for the providers), are never counted nor refused. */
const EXEMPT = /^\/(health|metrics|sandbox)(\/|$|\?)/;

/**
 * The cashier's live-status streams (Server-Sent Events) stay open for minutes while idle: a new one is refused
 * when the process is overloaded, like any request, but an open one is not counted as in flight. They are bounded
 * on their own (CHECKOUT_SSE_MAX_STREAMS), so open pages cannot shed the API's own requests.
 */
const LONG_LIVED = /^\/checkout\/[^/?]+\/events(\?|$)/;

/**
 * Overload is refused, not queued (docs/hot-path.md): past OVERLOAD_MAX_IN_FLIGHT
 * requests in flight, or an event-loop delay p99 over OVERLOAD_MAX_EVENT_LOOP_DELAY_MS
 * in the last ~500 ms window, a request is answered at once, before its body is read.
 */
@Injectable()
export class LoadShedder implements OnApplicationShutdown {
  private active = 0;
  private loopDelayMs = 0;
  private histogram?: IntervalHistogram;
  private timer?: NodeJS.Timeout;
  readonly shed: Counter<'reason'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    this.shed = new Counter({
      name: 'paygrid_http_shed_total',
      help: 'Requests refused because the process was overloaded, by reason',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
  }

  get inFlight(): number {
    return this.active;
  }

  /** The reason a new request would be refused now, or undefined. */
  overloaded(): ShedReason | undefined {
    const { maxInFlight, maxEventLoopDelayMs } = this.config.overload;
    if (maxInFlight > 0 && this.active >= maxInFlight) return 'in_flight';
    if (maxEventLoopDelayMs > 0 && this.loopDelayMs > maxEventLoopDelayMs) return 'event_loop_delay';
    return undefined;
  }

  middleware(refuse: Refuse): (req: Request, res: Response, next: NextFunction) => void {
    this.startSampling();
    return (req, res, next) => {
      if (EXEMPT.test(req.url)) return next();
      const reason = this.overloaded();
      if (reason) {
        this.shed.inc({ reason });
        return refuse(req, res, reason);
      }
      if (LONG_LIVED.test(req.url)) return next();
      this.active++;
      // 'close' fires once for a finished response and for an aborted connection alike.
      res.once('close', () => this.active--);
      next();
    };
  }

  private startSampling(): void {
    if (this.config.overload.maxEventLoopDelayMs <= 0 || this.histogram) return;
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.loopDelayMs = this.histogram!.percentile(99) / 1e6;
      this.histogram!.reset();
    }, 500);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
  }
}
