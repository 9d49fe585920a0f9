import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';

type ProcessMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * /metrics over every process of a `PAYGRID_API_PROCESSES` cluster: the API
 * process that gets the scrape asks the primary, the primary asks every API
 * process (and adds its own registry, e.g. the workers' in role `all`), and
 * prom-client's AggregatorRegistry sums them (counters and histograms add up,
 * gauges by each metric's aggregator).
 */
const ASK = 'paygrid:metrics:ask';
const COLLECT = 'paygrid:metrics:collect';
const COLLECTED = 'paygrid:metrics:collected';
const ANSWER = 'paygrid:metrics:answer';
const TIMEOUT_MS = 5000;

interface Message {
  type: string;
  id: number;
  metrics?: ProcessMetrics;
  text?: string;
  error?: string;
}

let nextId = 0;
const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();

/** In an API process of a cluster: answers the primary's collection requests from this process's registry. */
export function answerClusterCollection(registry: Registry): void {
  process.on('message', (msg: Message) => {
    if (msg?.type === COLLECT)
      void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: COLLECTED, id: msg.id, metrics }));
    else if (msg?.type === ANSWER) {
      const waiter = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) waiter?.reject(new Error(msg.error));
      else waiter?.resolve(msg.text ?? '');
    }
  });
}

/** In an API process of a cluster: the metrics of all processes, summed by the primary. */
export function clusterMetrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the primary did not answer the metrics request'));
    }, TIMEOUT_MS);
    pending.set(id, {
      resolve: (text) => (clearTimeout(timer), resolve(text)),
      reject: (err) => (clearTimeout(timer), reject(err)),
    });
    process.send?.({ type: ASK, id });
  });
}

/** In the primary: serves the API processes' requests for the summed metrics. */
export function serveClusterMetrics(own?: Registry): void {
  let nextCollection = 0;
  const collections = new Map<number, (worker: Worker, metrics: ProcessMetrics) => void>();
  cluster.on('message', (worker: Worker, msg: Message) => {
    if (msg?.type === COLLECTED) collections.get(msg.id)?.(worker, msg.metrics ?? []);
    if (msg?.type !== ASK) return;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w?.isConnected()));
    const id = ++nextCollection;
    const got = new Map<number, ProcessMetrics>();
    const finish = async (error?: string) => {
      collections.delete(id);
      clearTimeout(timer);
      if (error) return worker.send({ type: ANSWER, id: msg.id, error });
      const all = [...got.values()];
      if (own) all.push(await own.getMetricsAsJSON());
      worker.send({ type: ANSWER, id: msg.id, text: await AggregatorRegistry.aggregate(all).metrics() });
    };
    const timer = setTimeout(() => void finish('an API process did not report its metrics in time'), TIMEOUT_MS);
    collections.set(id, (from, metrics) => {
      got.set(from.id, metrics);
      if (got.size === workers.length) void finish();
    });
    for (const w of workers) w.send({ type: COLLECT, id });
  });
}
