import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { REPO_ROOT } from './processes';

/** The bench's settings (bench/README.md "Variables"), read once from the environment. */
const env = process.env;
export const SETTINGS = {
  seconds: Number(env.BENCH_SECONDS ?? 15),
  connections: Number(env.BENCH_CONNECTIONS ?? 64),
  channel: env.BENCH_CHANNEL ?? 'alipay_qr',
  payRate: Number(env.BENCH_PAY_RATE ?? 500),
  payRateLow: Number(env.BENCH_PAY_RATE_LOW ?? 100),
  paySeconds: Number(env.BENCH_PAY_SECONDS ?? 8),
  relayEvents: Number(env.BENCH_RELAY_EVENTS ?? 20_000),
  apps: Number(env.BENCH_APPS ?? 8),
  only: env.BENCH_ONLY?.split(','),
  // `process` (default): the simulators in their own process, as the providers are other people's servers; `inprocess`: served by the API.
  sandbox: env.BENCH_SANDBOX ?? 'process',
  // Scenario names to CPU-profile, e.g. "create,get"; `npm run bench -- --profile` is create and get (the CPU budget).
  profile: env.BENCH_PROFILE?.split(',') ?? (process.argv.includes('--profile') ? ['create', 'get'] : undefined),
  /** First of a range of ports to bind (API, simulators, receiver, echo); unset: ports the OS picks. */
  portBase: env.BENCH_PORT_BASE ? Number(env.BENCH_PORT_BASE) : undefined,
  keepDb: Boolean(env.BENCH_KEEP_DB),
  /** HTTP processes of the API (PAYGRID_API_PROCESSES): 1 is "Paygrid as one process"; more, a node:cluster. */
  apiProcesses: Number(env.BENCH_API_PROCESSES ?? 1),
  build: env.BENCH_BUILD !== '0',
  /** NODE_OPTIONS of the API and worker: the Docker image's heap cap by default; '' runs them with Node's defaults. */
  nodeOptions: env.BENCH_NODE_OPTIONS ?? '--max-old-space-size=256',
};

export const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
/** Opens the API's /metrics (closed in production without it): the bench reads what the API refused. */
export const METRICS_TOKEN = `bench-metrics-${randomBytes(12).toString('hex')}`;
export const RESULTS_DIR = resolve(REPO_ROOT, 'bench/results');

export const wants = (name: string) => !SETTINGS.only || SETTINGS.only.includes(name);

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}
