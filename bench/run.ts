import 'reflect-metadata';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cpuMeter, type CpuReading } from './lib/cpu';
import type { Row } from './lib/report';
import { printTable } from './lib/report';
import { benchChart } from './lib/chart';
import { budgetTable, cpuBudget, type StageRow } from './lib/cpu-budget';
import type { BenchContext, Measured, Scenario } from './lib/scenario';
import { RESULTS_DIR, SETTINGS, log } from './lib/settings';
import { describeMachine, startStack, stopStack } from './lib/stack';
import { ceilingEcho } from './scenarios/ceiling-echo';
import { ceilingRawSql } from './scenarios/ceiling-raw-sql';
import { create } from './scenarios/create';
import { get } from './scenarios/get';
import { ledger } from './scenarios/ledger';
import { paid } from './scenarios/paid';
import { relay } from './scenarios/relay';

/**
 * `npm run bench`: starts Paygrid as an API process, a worker process and a
 * simulator process against the configured PostgreSQL (DATABASE_URL, else
 * the local server, else the embedded one) and RabbitMQ (AMQP_URL, else the
 * in-process bus), runs the scenarios of bench/scenarios/ in the order below
 * for a bounded time each, and prints one table: throughput, latency, errors,
 * Paygrid's CPU and SQL per operation, and the ratio to the ceiling measured
 * in the same run. Writes bench/results/latest.json. See bench/README.md.
 */
const SCENARIOS: Scenario[] = [
  ceilingEcho, // ceiling B, for the GET
  ceilingRawSql, // ceiling A, for the create
  create,
  get,
  // Paid → delivered at a rate the stack sustains here (before the relay, whose events keep the worker busy afterwards).
  paid(SETTINGS.payRateLow),
  relay,
  ledger,
  // Last: the overloaded run leaves work behind (provider retries) that would skew later scenarios.
  paid(SETTINGS.payRate),
];

async function main(): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const runId = randomBytes(4).toString('hex');
  const logDir = join(RESULTS_DIR, `logs-${runId}`);
  mkdirSync(logDir, { recursive: true });
  const profileDir = SETTINGS.profile ? join(RESULTS_DIR, `profiles-${runId}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const rows: Row[] = [];
  const cpu: Record<string, CpuReading['pct']> = {};
  const stack = await startStack(runId, logDir, profileDir);
  const machine = await describeMachine(stack);
  log(
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB; ${machine.postgres}; RabbitMQ ${machine.rabbitmq}`,
  );
  if (machine.backgroundBusyPct > 10)
    log(
      `WARNING: the machine was ${machine.backgroundBusyPct} % busy before the run (load ${machine.loadAverage}): other work skews the figures`,
    );
  log(`logs in ${logDir}`);
  const pids: Record<string, number> = {
    api: stack.api.pid,
    worker: stack.worker.pid,
    ...(stack.sandbox ? { sandbox: stack.sandbox.pid } : {}),
  };
  // Profiled scenarios in the order their profiles are written (api-1, api-2, …), with the API's CPU per request.
  const profiled: Array<{ name: string; apiMsPerRequest?: number }> = [];
  const ctx: BenchContext = {
    stack,
    runId,
    logDir,
    profileDir,
    ceilings: {},
    extra: {},
    async measure<T>(name: string, fn: () => Promise<T>): Promise<Measured<T>> {
      const profile = SETTINGS.profile?.includes(name)
        ? [stack.api, stack.worker, ...(stack.sandbox ? [stack.sandbox] : [])]
        : [];
      for (const p of profile) p.toggleProfile();
      const [api0, worker0] = await Promise.all([stack.api.sqlCounts(), stack.worker.sqlCounts()]);
      const meter = cpuMeter(pids);
      try {
        const value = await fn();
        const reading = meter();
        const [api1, worker1] = await Promise.all([stack.api.sqlCounts(), stack.worker.sqlCounts()]);
        const delta = (a?: typeof api0, b?: typeof api0) =>
          a && b ? { statements: b.statements - a.statements, commits: b.commits - a.commits } : undefined;
        cpu[name] = reading.pct;
        if (profile.length) {
          const requests = (value as { requests?: unknown }).requests;
          profiled.push({
            name,
            apiMsPerRequest:
              typeof requests === 'number' && requests > 0 ? (1000 * (reading.seconds.api ?? 0)) / requests : undefined,
          });
        }
        return { value, cpu: reading, sql: { api: delta(api0, api1), worker: delta(worker0, worker1) } };
      } finally {
        for (const p of profile) p.toggleProfile();
      }
    },
  };

  try {
    for (const scenario of SCENARIOS) if (scenario.wanted()) rows.push(...(await scenario.run(ctx)));
  } finally {
    const apiRss = stack.api.peakRssMb();
    const workerRss = stack.worker.peakRssMb();
    rows.push(
      { scenario: 'peak RSS, API process', unit: 'MB', throughput: apiRss, target: '< 300 MB', met: apiRss < 300 },
      {
        scenario: 'peak RSS, worker process',
        unit: 'MB',
        throughput: workerRss,
        target: '< 300 MB',
        met: workerRss < 300,
      },
    );
    if (stack.sandbox)
      rows.push({
        scenario: 'peak RSS, simulator process (the providers’ side)',
        unit: 'MB',
        throughput: stack.sandbox.peakRssMb(),
      });
    await stopStack(stack);
  }

  const title = `Paygrid bench ${new Date().toISOString()} — ${machine.cores} cores ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.postgres}, RabbitMQ ${machine.rabbitmq ?? 'not used (in-process bus)'}, Node ${process.version}; machine ${machine.backgroundBusyPct} % busy before the run (load ${machine.loadAverage})`;
  const table = printTable(title, rows);
  process.stdout.write(`\n${table}\n`);
  process.stdout.write(
    `\nCPU ms/op: Paygrid's CPU (API + worker processes) per request, paid payment or relayed event; the simulators' is apart below.\n` +
      `SQL/op (commits): statements Paygrid sent per operation (API; the worker's too for paid, the worker's for the relay), background work included.\n`,
  );
  process.stdout.write(`\nCPU during each scenario (% of one core; machine = % of all ${machine.cores} cores):\n`);
  for (const [k, v] of Object.entries(cpu))
    process.stdout.write(
      `  ${k.padEnd(8)} ${Object.entries(v)
        .map(([p, n]) => `${p} ${n}%`)
        .join(', ')}\n`,
    );
  const budgets: Record<string, StageRow[]> = {};
  profiled.forEach(({ name, apiMsPerRequest }, i) => {
    const file = join(profileDir!, `api-${i + 1}.cpuprofile`);
    if (!existsSync(file)) return log(`no API profile for ${name} (${file})`);
    budgets[name] = cpuBudget(file, apiMsPerRequest);
    const per = apiMsPerRequest === undefined ? '' : `, ${apiMsPerRequest.toFixed(2)} ms of API CPU per request`;
    process.stdout.write(`\n${budgetTable(`CPU budget of the API, ${name}${per} (${file}):`, budgets[name])}\n`);
  });
  const json = {
    date: new Date().toISOString(),
    machine,
    settings: SETTINGS,
    rows,
    cpu,
    extra: ctx.extra,
    table,
    profiles: profileDir,
    budgets,
  };
  writeFileSync(join(RESULTS_DIR, 'latest.json'), JSON.stringify(json, null, 2));
  writeFileSync(join(RESULTS_DIR, 'latest.svg'), benchChart(title, rows));
  log(
    `wrote bench/results/latest.json and latest.svg (the table as a chart)${profileDir ? `; CPU profiles in ${profileDir}` : ''}`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
