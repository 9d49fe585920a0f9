import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { WorkerProcessModule } from './worker';
import type { AppConfig } from './config/config';
import { serveClusterMetrics } from './modules/observability/cluster-metrics';
import { Metrics } from './modules/observability/metrics';
import { bootBanner } from './boot-banner';
import { BootQuietLogger } from './modules/observability/boot-quiet.logger';

const REFORK_DELAY_MS = 1000;

/**
 * The primary of `PAYGRID_API_PROCESSES` > 1 (docs/hot-path.md "All the
 * cores"): it forks that many HTTP processes sharing one port (node:cluster
 * hands connections out round-robin), replaces one that dies, and sums
 * their /metrics. In role `all` it also runs the workers (relay, webhook
 * delivery, resolver, schedulers) itself, once, so HTTP processes carry
 * HTTP only. The first HTTP process starts alone (it runs the migrations
 * and the sandbox demo seed when configured); the others follow with both
 * off, so nothing races at boot.
 */
export async function runClusterPrimary(config: AppConfig): Promise<void> {
  let workers: INestApplicationContext | undefined;
  if (config.role === 'all') {
    workers = await NestFactory.createApplicationContext(WorkerProcessModule.forRoot({ ...config, role: 'worker' }), {
      bufferLogs: true,
    });
    workers.useLogger(workers.get(BootQuietLogger));
    await workers.init();
  }
  serveClusterMetrics(workers?.get(Metrics).registry);

  const childEnv = (first: boolean): NodeJS.ProcessEnv => ({
    PAYGRID_ROLE: 'api',
    // The primary resolved the database (the embedded one included): every child uses the same.
    DATABASE_URL: config.database.url,
    ...(first && !workers ? {} : { DATABASE_MIGRATIONS_RUN: 'false' }),
    ...(first ? {} : { PAYGRID_DEMO_SEED: 'false' }),
  });
  const fork = (first: boolean): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(childEnv(first));
      worker.once('listening', () => resolve(worker));
      worker.once('exit', (code) => reject(new Error(`API process ${worker.process.pid} exited with ${code}`)));
    });

  let stopping = false;
  await fork(true);
  await Promise.all(Array.from({ length: config.apiProcesses - 1 }, () => fork(false)));
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    process.stderr.write(`Paygrid API process ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
    setTimeout(() => void fork(false).catch(() => undefined), REFORK_DELAY_MS);
  });

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
            w.process.kill(signal);
          }),
      ),
    );
    await workers?.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  // The first API process printed the demo credentials, if it created them; the block points to their file.
  process.stdout.write(bootBanner(config));
}
