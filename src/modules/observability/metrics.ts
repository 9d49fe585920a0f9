import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import cluster from 'node:cluster';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { answerClusterCollection } from './cluster-metrics';

/** One registry per process; modules register their own metrics on it. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'paygrid_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'paygrid_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** 1 per process; summed over a cluster it says how many processes the scrape covers. */
  readonly processes = new Gauge({
    name: 'paygrid_processes',
    help: 'Paygrid processes whose metrics this scrape sums (PAYGRID_API_PROCESSES)',
    aggregator: 'sum',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'paygrid_' });
    this.processes.set(1);
    if (cluster.isWorker) answerClusterCollection(this.registry);
  }

  /**
   * A metric already registered under this name: modules built again on the same registry (several app instances
   * in one process, as in tests) reuse it, since prom-client refuses a second registration of a name.
   */
  existing<T>(name: string): T | undefined {
    return this.registry.getSingleMetric(name) as T | undefined;
  }

  /**
   * The label children of each (method, route) and status, made once: a request looks them up in nested maps and
   * allocates no label object, no label string and no closure (the profile of a create showed the per-request
   * label objects and prom-client's label hashing). Bounded: routes are templates, methods and statuses few.
   */
  private readonly series = new Map<string, Map<string, RouteSeries>>();

  /** Route templates, not raw URLs, so ids do not explode label cardinality. */
  middleware = (req: Request, res: Response, next: NextFunction): void => {
    (res as TimedResponse)[STARTED_AT] = performance.now();
    res.on('finish', this.onFinish);
    next();
  };

  /** One listener for every response: the emitter calls it with the response that finished as `this`. */
  private readonly onFinish = finishListener(this);

  /** @internal for finishListener */
  record(method: string, route: string, status: number, seconds: number): void {
    const s = this.seriesOf(method, route);
    let count = s.byStatus.get(status);
    if (!count) {
      count = this.httpRequests.labels(method, route, String(status));
      s.byStatus.set(status, count);
    }
    count.inc();
    s.duration.observe(seconds);
  }

  private seriesOf(method: string, route: string): RouteSeries {
    let byRoute = this.series.get(method);
    if (!byRoute) this.series.set(method, (byRoute = new Map()));
    let s = byRoute.get(route);
    if (!s) {
      s = { duration: this.httpDuration.labels(method, route), byStatus: new Map() };
      byRoute.set(route, s);
    }
    return s;
  }
}

const STARTED_AT = Symbol('paygrid.metrics.started-at');
type TimedResponse = Response & { [STARTED_AT]: number };

function finishListener(metrics: Metrics): (this: TimedResponse) => void {
  return function (this: TimedResponse): void {
    const req = this.req as Request;
    const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
    metrics.record(req.method, route, this.statusCode, (performance.now() - this[STARTED_AT]) / 1000);
  };
}

interface RouteSeries {
  duration: { observe(seconds: number): void };
  byStatus: Map<number, { inc(): void }>;
}
