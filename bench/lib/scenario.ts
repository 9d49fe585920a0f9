import type { CpuReading } from './cpu';
import type { SqlCounts } from './processes';
import type { Row } from './report';
import type { Stack } from './stack';

/** What a scenario's measured run used: CPU per process, and the SQL the API and worker sent. */
export interface Measured<T> {
  value: T;
  cpu: CpuReading;
  sql: { api?: SqlCounts; worker?: SqlCounts };
}

/** What the runner (bench/run.ts) hands every scenario. */
export interface BenchContext {
  stack: Stack;
  runId: string;
  logDir: string;
  profileDir?: string;
  /**
   * Runs `fn` with the CPU of every process and the SQL statements of the API and worker measured, and
   * CPU-profiled when BENCH_PROFILE names `name`; the CPU line of `name` is printed under the table.
   */
  measure<T>(name: string, fn: () => Promise<T>): Promise<Measured<T>>;
  /** Figures a scenario leaves for later ones (the ceilings their rows are compared with). */
  ceilings: Record<string, number | undefined>;
  /** Sub-results kept in bench/results/latest.json. */
  extra: Record<string, unknown>;
}

/** One file of bench/scenarios/: its rows, when BENCH_ONLY asks for it. */
export interface Scenario {
  name: string;
  /** Whether this run needs it (BENCH_ONLY). */
  wanted(): boolean;
  run(ctx: BenchContext): Promise<Row[]>;
}

// Two significant digits below 0.1: the relay's statements per event (batches of 1,000) would all print as 0.0.
const fixed = (n: number) => (n > 0 && n < 0.1 ? n.toPrecision(2) : (Math.round(n * 10) / 10).toFixed(1));

/**
 * Paygrid's CPU per operation (API + worker, ms) and the SQL per operation: `5.0 (5.0)` is statements (commits)
 * of the API; with `withWorker`, the worker's follow (`API 8.0 (2.0) + worker 4.1 (2.0)`).
 */
export function perOp(
  m: Measured<unknown>,
  ops: number,
  opts: { withWorker?: boolean } = {},
): Pick<Row, 'cpuMsPerOp' | 'sqlPerOp'> {
  if (ops <= 0) return {};
  const paygridSeconds = (m.cpu.seconds.api ?? 0) + (m.cpu.seconds.worker ?? 0);
  const sql = (c?: SqlCounts) => (c ? `${fixed(c.statements / ops)} (${fixed(c.commits / ops)})` : undefined);
  const api = sql(m.sql.api);
  const worker = sql(m.sql.worker);
  return {
    cpuMsPerOp: (1000 * paygridSeconds) / ops,
    sqlPerOp: opts.withWorker && api && worker ? `API ${api} + worker ${worker}` : api,
  };
}
