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

  /** Route templates, not raw URLs, so ids do not explode label cardinality. */
  middleware = (req: Request, res: Response, next: NextFunction): void => {
    const end = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - end) / 1e9;
      this.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.httpDuration.observe({ method: req.method, route }, seconds);
    });
    next();
  };
}
