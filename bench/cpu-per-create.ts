import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { treeCpuSeconds } from './lib/cpu';
import { runLoad } from './lib/http-load';
import { RESULTS_DIR, SETTINGS, log } from './lib/settings';
import { startStack, stopStack } from './lib/stack';
import { createRequest } from './scenarios/create';

/**
 * The API's CPU per signed create, alone: starts the stack as `npm run bench` does (compiled build, simulators in
 * their own process), warms up for 2 s, then runs BENCH_SECONDS (default here 5) of signed creates at
 * BENCH_CONNECTIONS and prints one line `cpu-per-create api_ms=… worker_ms=… creates=… rps=…`. Short on purpose:
 * run it several times, alternating two builds, and compare the medians of the pairs' ratios (bench/README.md
 * "CPU per create, A/B"), since one run on a shared machine says little.
 *
 *   BENCH_BUILD=0 node -r @swc-node/register bench/cpu-per-create.ts
 */
async function main(): Promise<void> {
  const runId = randomBytes(4).toString('hex');
  const logDir = join(RESULTS_DIR, `logs-${runId}`);
  mkdirSync(logDir, { recursive: true });
  const stack = await startStack(runId, logDir);
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  let seq = 0;
  const load = (s: number) =>
    runLoad({
      baseUrl: stack.apiUrl,
      connections: SETTINGS.connections,
      seconds: s,
      build: () => createRequest(stack.apps[seq % stack.apps.length], `${runId}c${seq++}`),
    });
  try {
    await load(2);
    const api0 = treeCpuSeconds(stack.api.pid);
    const worker0 = treeCpuSeconds(stack.worker.pid);
    const r = await load(seconds);
    const api = treeCpuSeconds(stack.api.pid) - api0;
    const worker = treeCpuSeconds(stack.worker.pid) - worker0;
    const creates = r.requests - r.non2xx;
    process.stdout.write(
      `cpu-per-create api_ms=${((1000 * api) / creates).toFixed(3)} worker_ms=${((1000 * worker) / creates).toFixed(3)} creates=${creates} errors=${r.errors} rps=${r.throughput}\n`,
    );
  } finally {
    await stopStack(stack);
  }
}

main().catch((err) => {
  log(`failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
