import cluster from 'node:cluster';
import { resolveConfig } from './bootstrap';
import { describeStartupFailure } from './common/errors/startup-error';
import { createHttpApp } from './app.factory';
import { runClusterPrimary } from './cluster';
import { bootBanner } from './boot-banner';
import { DemoSeedService } from './modules/demo/demo-seed.service';

/**
 * The HTTP API; with PAYGRID_ROLE=all (the default) the workers run in this
 * process too. With PAYGRID_API_PROCESSES > 1 this process is the cluster
 * primary (src/cluster.ts) and the HTTP processes are its children.
 */
async function main(): Promise<void> {
  const config = await resolveConfig();
  if (config.apiProcesses > 1 && cluster.isPrimary) return runClusterPrimary(config);
  const app = await createHttpApp(config, { signals: 'caller' });
  await app.listen(config.port, config.host);
  const server = app.getHttpServer() as { getConnections(cb: (err: Error | null, n: number) => void): void };
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    const started = Date.now();
    const open = await new Promise<number>((r) => server.getConnections((err, n) => r(err ? 0 : n)));
    process.stdout.write(`\n${signal}: shutting down… (${open} open HTTP connection(s) to drain)\n`);
    await app.close();
    process.stdout.write(
      `done in ${Date.now() - started} ms (HTTP server, workers, database pool and broker connections closed)\n`,
    );
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, (s) => void stop(s));
  if (cluster.isWorker) return;
  const seed = config.mode === 'sandbox' ? app.get(DemoSeedService, { strict: false }) : undefined;
  process.stdout.write(bootBanner(config, { credentials: seed?.created }));
}

main().catch((err: unknown) => {
  process.stderr.write(`Paygrid failed to start: ${describeStartupFailure(err)}\n`);
  process.exit(1);
});
