import 'reflect-metadata';
import { connect } from 'amqplib';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { newId } from '../src/common/ids/ids.util';
import { runMigrations } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/persistence/embedded-postgres';
import { runAmqpCeiling } from './amqp-ceiling';
import { runLedgerBench } from './ledger.bench';
import { runRawSqlCeiling } from './raw-sql';
import { cpuMeter, machineTicks, processCpuSeconds } from './lib/cpu';
import { BenchApp, runLoad, signed } from './lib/http-load';
import { NodeChild, REPO_ROOT, spawnNode, waitForHttp, waitForLog } from './lib/processes';
import { Row, printTable } from './lib/report';
import { sleep, summarize, until } from './lib/stats';

/**
 * `npm run bench`: starts Paygrid as an API process and a worker process
 * against the configured PostgreSQL (DATABASE_URL, else the local server,
 * else the embedded one) and RabbitMQ (AMQP_URL, else the in-process bus),
 * runs each scenario for a bounded time, and prints one table of throughput,
 * latency, errors and the ratio to the ceiling measured in the same run.
 * Writes bench/results/latest.json. See bench/README.md.
 */

const env = process.env;
const SECONDS = Number(env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 64);
const CHANNEL = env.BENCH_CHANNEL ?? 'alipay_qr';
const PAY_RATE = Number(env.BENCH_PAY_RATE ?? 500);
const PAY_RATE_LOW = Number(env.BENCH_PAY_RATE_LOW ?? 100);
const PAY_SECONDS = Number(env.BENCH_PAY_SECONDS ?? 8);
const RELAY_EVENTS = Number(env.BENCH_RELAY_EVENTS ?? 20_000);
const APPS = Number(env.BENCH_APPS ?? 8);
const ONLY = env.BENCH_ONLY?.split(',');
// `process` (default): the simulators in their own process, as the providers are other people's servers; `inprocess`: served by the API.
const SANDBOX = env.BENCH_SANDBOX ?? 'process';
const PROFILE = env.BENCH_PROFILE?.split(','); // scenario names to CPU-profile, e.g. "create,get"
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const RESULTS_DIR = resolve(REPO_ROOT, 'bench/results');

const wants = (name: string) => !ONLY || ONLY.includes(name);

interface Stack {
  adminUrl: string;
  dbUrl: string;
  dbName: string;
  amqpUrl?: string;
  namespace: string;
  api: NodeChild;
  worker: NodeChild;
  sandbox?: NodeChild;
  apiUrl: string;
  apps: BenchApp[];
  quietAppId: string;
  receiver: WebhookReceiver;
  stopEmbedded?: () => Promise<void>;
}

async function main(): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const runId = randomBytes(4).toString('hex');
  const logDir = join(RESULTS_DIR, `logs-${runId}`);
  mkdirSync(logDir, { recursive: true });
  const profileDir = PROFILE ? join(RESULTS_DIR, `profiles-${runId}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const rows: Row[] = [];
  const extra: Record<string, unknown> = {};
  const cpu: Record<string, Record<string, number>> = {};
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
  const profiled = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const profile = PROFILE?.includes(name) ? [stack.api, stack.worker, ...(stack.sandbox ? [stack.sandbox] : [])] : [];
    for (const p of profile) p.toggleProfile();
    const meter = cpuMeter(pids);
    try {
      return await fn();
    } finally {
      cpu[name] = meter();
      for (const p of profile) p.toggleProfile();
    }
  };

  try {
    // Ceiling B: the framework alone.
    let echo: Awaited<ReturnType<typeof runLoad>> | undefined;
    if (wants('get')) {
      echo = await profiled('echo', () => runEcho(logDir, profileDir));
      rows.push({
        scenario: 'ceiling B: NestJS echo route (GET)',
        unit: 'req/s',
        throughput: echo.throughput,
        p50: echo.p50,
        p99: echo.p99,
        errors: echo.errors,
      });
    }

    // Ceiling A: the rows of a create, raw SQL.
    let raw: Awaited<ReturnType<typeof runRawSqlCeiling>> | undefined;
    if (wants('create')) {
      log(`ceiling A: raw SQL create rows, ${CONNECTIONS} concurrent, ${SECONDS} s`);
      raw = await profiled('raw', () =>
        runRawSqlCeiling({
          url: stack.dbUrl,
          merchantId: stack.apps[0].merchantId,
          appId: stack.apps[0].appId,
          concurrency: CONNECTIONS,
          durationMs: SECONDS * 1000,
        }),
      );
      rows.push({
        scenario: `ceiling A: raw SQL create rows (pg, 1 tx, ${CONNECTIONS} conc.)`,
        unit: 'tx/s',
        throughput: raw.throughput,
        p50: raw.p50,
        p99: raw.p99,
        errors: raw.errors,
      });
    }

    // Signed create-payment vs A.
    if (wants('create') || wants('paid') || wants('get')) {
      log(`signed create-payment (${CHANNEL}), ${CONNECTIONS} connections, ${SECONDS} s`);
      let seq = 0;
      const create = await profiled('create', () =>
        runLoad({
          baseUrl: stack.apiUrl,
          connections: CONNECTIONS,
          seconds: wants('create') ? SECONDS : 5,
          build: () => createRequest(stack.apps[seq % stack.apps.length], `${runId}c${seq++}`),
        }),
      );
      if (wants('create')) {
        rows.push({
          scenario: `signed create-payment (${CHANNEL})`,
          unit: 'req/s',
          throughput: create.throughput,
          p50: create.p50,
          p99: create.p99,
          errors: create.errors,
          ceiling: raw?.throughput,
          ceilingName: 'A',
          target: '≥ 50 % of A, p99 ≤ 50 ms',
          met: raw ? create.throughput >= 0.5 * raw.throughput && create.p99 <= 50 : undefined,
        });
      }
    }

    // Signed GET vs B.
    if (wants('get')) {
      const ids = await paymentIdsByApp(stack);
      log(`signed GET payment, ${CONNECTIONS} connections, ${SECONDS} s`);
      let seq = 0;
      const get = await profiled('get', () =>
        runLoad({
          baseUrl: stack.apiUrl,
          connections: CONNECTIONS,
          seconds: SECONDS,
          build: () => {
            const app = stack.apps[seq++ % stack.apps.length];
            const list = ids.get(app.appId)!;
            return signed(app, 'GET', `/v1/payments/${list[Math.floor(Math.random() * list.length)]}`);
          },
        }),
      );
      rows.push({
        scenario: 'signed GET payment',
        unit: 'req/s',
        throughput: get.throughput,
        p50: get.p50,
        p99: get.p99,
        errors: get.errors,
        ceiling: echo?.throughput,
        ceilingName: 'B',
        target: '≥ 60 % of B',
        met: echo ? get.throughput >= 0.6 * echo.throughput : undefined,
      });
    }

    /** Paid → delivered at one offered rate: the webhook row (with the 500/s target) and the RabbitMQ row. */
    const paidScenario = async (rate: number): Promise<void> => {
      const paid = await profiled(rate === PAY_RATE ? 'paid' : 'paid-low', () =>
        runPaidToDelivered(stack, runId, rate),
      );
      extra[`paid${rate}`] = paid;
      const target = rate === PAY_RATE && rate === 500;
      rows.push({
        scenario: `paid → webhook acked (${paid.rate}/s offered for ${PAY_SECONDS} s)`,
        unit: 'pay/s',
        throughput: paid.achievedRate,
        p50: paid.webhook.p50,
        p99: paid.webhook.p99,
        errors: paid.errors,
        target: target ? 'p99 < 1 s at 500/s' : undefined,
        met: target ? paid.webhook.p99 < 1000 && paid.achievedRate >= 0.98 * 500 && paid.errors === 0 : undefined,
      });
      rows.push({
        scenario: stack.amqpUrl
          ? `paid → RabbitMQ message (${paid.rate}/s offered)`
          : 'paid → RabbitMQ message (no AMQP_URL: in-process bus, not measured)',
        unit: 'pay/s',
        throughput: stack.amqpUrl ? paid.achievedRate : undefined,
        p50: paid.mq?.p50,
        p99: paid.mq?.p99,
      });
    };

    // Paid → delivered at a rate the stack sustains here (before the relay, whose 20,000 events keep the worker busy afterwards).
    if (wants('paid')) {
      await paidScenario(PAY_RATE_LOW);
    }

    // Relay and ledger vs the broker.
    let ceilingMq: number | undefined;
    if (wants('relay') && stack.amqpUrl) {
      const c = await runAmqpCeiling({
        amqpUrl: stack.amqpUrl,
        namespace: stack.namespace,
        messages: RELAY_EVENTS,
        window: 1000,
        bodyBytes: 900,
      });
      ceilingMq = c.perSec;
      rows.push({
        scenario: 'ceiling MQ: bare amqplib confirmed publishes (window 1000)',
        unit: 'msg/s',
        throughput: c.perSec,
      });
    }
    if (wants('relay')) {
      const relay = await profiled('relay', () => runRelay(stack));
      rows.push({
        scenario: `outbox relay (${RELAY_EVENTS} committed events)`,
        unit: 'events/s',
        throughput: relay,
        ceiling: ceilingMq,
        ceilingName: 'MQ',
        target: '≥ 5,000/s',
        met: relay >= 5000,
      });
    }
    if (wants('ledger')) {
      // The relay's 20,000 events are still going through the worker's webhook consumer: let it finish,
      // so the ledger figure is not the ledger sharing the machine with that backlog.
      if (wants('relay')) await workerIdle(stack);
      log('ledger postings (bench/ledger.bench.ts, its own database)');
      const ledger = await profiled('ledger', () => runLedgerBench(stack.adminUrl));
      extra.ledger = ledger;
      const shared = Math.max(
        ...ledger.filter((r) => r.scenario.includes('shared platform accounts')).map((r) => r.postingsPerSec),
      );
      const isolated = Math.max(...ledger.filter((r) => r.scenario.includes('no shared')).map((r) => r.postingsPerSec));
      rows.push({
        scenario: 'ledger postings, payment entries on shared platform accounts',
        unit: 'postings/s',
        throughput: shared,
        ceiling: isolated,
        ceilingName: 'no hot rows',
        target: '≥ 3,000/s',
        met: shared >= 3000,
      });
      rows.push({
        scenario: 'ledger postings, ledger vs broker',
        unit: 'postings/s',
        throughput: shared,
        ceiling: ceilingMq,
        ceilingName: 'MQ',
      });
    }
    // Paid → delivered, last: the overloaded run leaves work behind (provider retries) that would skew later scenarios.
    // At the target rate.
    if (wants('paid')) {
      await paidScenario(PAY_RATE);
    }
  } finally {
    const apiRss = stack.api.peakRssMb();
    const workerRss = stack.worker.peakRssMb();
    rows.push({
      scenario: 'peak RSS, API process',
      unit: 'MB',
      throughput: apiRss,
      target: '< 300 MB',
      met: apiRss < 300,
    });
    rows.push({
      scenario: 'peak RSS, worker process',
      unit: 'MB',
      throughput: workerRss,
      target: '< 300 MB',
      met: workerRss < 300,
    });
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
  process.stdout.write(`\nCPU during each scenario (% of one core; machine = % of all ${machine.cores} cores):\n`);
  for (const [k, v] of Object.entries(cpu))
    process.stdout.write(
      `  ${k.padEnd(8)} ${Object.entries(v)
        .map(([p, n]) => `${p} ${n}%`)
        .join(', ')}\n`,
    );
  const json = {
    date: new Date().toISOString(),
    machine,
    settings: {
      seconds: SECONDS,
      connections: CONNECTIONS,
      channel: CHANNEL,
      payRate: PAY_RATE,
      payRateLow: PAY_RATE_LOW,
      paySeconds: PAY_SECONDS,
      relayEvents: RELAY_EVENTS,
      apps: APPS,
      sandbox: SANDBOX,
    },
    rows,
    cpu,
    extra,
    table,
    profiles: profileDir,
  };
  writeFileSync(join(RESULTS_DIR, 'latest.json'), JSON.stringify(json, null, 2));
  log(`wrote bench/results/latest.json${profileDir ? `; CPU profiles in ${profileDir}` : ''}`);
}

function createRequest(app: BenchApp, n: string) {
  const body = JSON.stringify({
    out_trade_no: `b${n}`,
    amount: 1000,
    currency: 'CNY',
    channel: CHANNEL,
    subject: 'Bench order',
    metadata: { order_ref: n },
  });
  return signed(app, 'POST', '/v1/payments', body, { 'idempotency-key': `idem-${n}` });
}

// ---------------------------------------------------------------------------
// The stack: database, broker namespace, API and worker processes, merchants.

/**
 * The processes run the compiled build, as the Docker image does (`node dist/src/main.js`):
 * the TypeScript loader of `npm start` costs about 90 MB of RSS per process and nothing a
 * deployment has. BENCH_BUILD=0 skips the build when dist/ is known to be current.
 */
function buildDist(): void {
  if (env.BENCH_BUILD === '0') return;
  log('building the compiled app (npm run build)');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function startStack(runId: string, logDir: string, profileDir?: string): Promise<Stack> {
  buildDist();
  let adminUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!env.DATABASE_URL && !(await pgAnswers(adminUrl))) {
    const dataDir = resolve(REPO_ROOT, env.PAYGRID_DATA_DIR ?? '.data');
    const embedded = await startEmbeddedPostgres(dataDir, Number(env.EMBEDDED_POSTGRES_PORT ?? 54329));
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
    log(`no DATABASE_URL and nothing on 127.0.0.1:5432: using the embedded PostgreSQL in ${dataDir}/pg`);
  }
  const dbName = `paygrid_bench_${runId}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  await runMigrations(dbUrl);

  const amqpUrl = env.AMQP_URL;
  const namespace = `paygrid-bench.${runId}`;
  if (!amqpUrl) log('no AMQP_URL: events go through the in-process bus (the RabbitMQ rows are not measured)');
  const receiver = await startReceiver();
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const common: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    DATABASE_URL: dbUrl,
    DATABASE_MIGRATIONS_RUN: 'false',
    ...(env.DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: env.DATABASE_POOL_SIZE } : {}),
    ...(amqpUrl ? { AMQP_URL: amqpUrl } : {}),
    EVENTS_NAMESPACE: namespace,
    PAYGRID_MODE: 'sandbox',
    PAYGRID_DATA_DIR: mkdtempSync(join(tmpdir(), 'paygrid-bench-')),
    PAYGRID_DATA_KEYS: `b1:${randomBytes(32).toString('base64')}`,
    PAYGRID_ADMIN_TOKEN: ADMIN_TOKEN,
    PAYGRID_DEMO_SEED: 'false',
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: apiUrl,
    // One app sends far more than a merchant's default quota here.
    RATE_LIMIT_PER_MINUTE: '10000000',
    // Pending bench payments are not polled at the sandbox while scenarios run (each poll is a signed provider call).
    RESOLVER_BASE_MS: '600000',
    // Operator overrides for experiments (pool, relay, webhooks).
    ...Object.fromEntries(
      Object.entries(env).filter(
        ([k, v]) => v !== undefined && /^(OUTBOX_|WEBHOOK_|EVENT_CONSUMER_|BENCH_APP_)/.test(k),
      ) as Array<[string, string]>,
    ),
  };
  let sandbox: NodeChild | undefined;
  if (SANDBOX === 'process') {
    const sandboxPort = await freePort();
    const sandboxLog = join(logDir, 'sandbox.log');
    sandbox = spawnNode(
      'sandbox',
      'dist/src/sandbox.js',
      { ...common, SANDBOX_PORT: String(sandboxPort) },
      sandboxLog,
      profileDir,
    );
    await waitForLog(sandbox, sandboxLog, 'sandbox simulators listening');
    common.SANDBOX_URL = `http://127.0.0.1:${sandboxPort}`;
  }
  const apiLog = join(logDir, 'api.log');
  const api = spawnNode('api', 'dist/src/main.js', { ...common, PAYGRID_ROLE: 'api' }, apiLog, profileDir);
  await waitForHttp(api, `${apiUrl}/health/live`);
  const workerLog = join(logDir, 'worker.log');
  const worker = spawnNode('worker', 'dist/src/worker.js', common, workerLog, profileDir);
  await waitForLog(worker, workerLog, 'Paygrid worker started');
  log(
    `API pid ${api.pid} on ${apiUrl}, worker pid ${worker.pid}, ${sandbox ? `simulators pid ${sandbox.pid} on ${common.SANDBOX_URL}` : 'simulators in the API process'}, database ${dbName}, namespace ${namespace}`,
  );

  const apps: BenchApp[] = [];
  for (let i = 0; i < APPS; i++) {
    const merchant = await adminCall<{ id: string }>(apiUrl, 'POST', '/admin/v1/merchants', {
      name: `Bench merchant ${i}`,
    });
    const app = await adminCall<{ id: string }>(apiUrl, 'POST', `/admin/v1/merchants/${merchant.id}/apps`, {
      name: `bench ${i}`,
      channels: ['alipay_qr', 'alipay_page', 'wechat_native', 'card'],
      webhook_url: `${receiver.url}/hook/${i}`,
    });
    const key = await adminCall<{ id: string; secret: string }>(apiUrl, 'POST', `/admin/v1/apps/${app.id}/keys`, {
      type: 'hmac',
    });
    apps.push({ merchantId: merchant.id, appId: app.id, keyId: key.id, secret: key.secret });
  }
  const quiet = await adminCall<{ id: string }>(apiUrl, 'POST', `/admin/v1/merchants/${apps[0].merchantId}/apps`, {
    name: 'no webhooks',
    channels: ['card'],
  });
  return {
    adminUrl,
    dbUrl,
    dbName,
    amqpUrl,
    namespace,
    api,
    worker,
    sandbox,
    apiUrl,
    apps,
    quietAppId: quiet.id,
    receiver,
    stopEmbedded,
  };
}

async function stopStack(stack: Stack): Promise<void> {
  await Promise.all([stack.api.stop(), stack.worker.stop(), stack.sandbox?.stop()]);
  await stack.receiver.close();
  if (stack.amqpUrl) {
    const conn = await connect(stack.amqpUrl);
    const ch = await conn.createChannel();
    for (const q of ['webhooks', 'webhooks.dlq', 'bench-probe'])
      await ch.deleteQueue(`${stack.namespace}.${q}`).catch(() => undefined);
    for (const x of ['events', 'dlx']) await ch.deleteExchange(`${stack.namespace}.${x}`).catch(() => undefined);
    await conn.close().catch(() => undefined);
  }
  if (!env.BENCH_KEEP_DB) {
    const admin = new Client({ connectionString: stack.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${stack.dbName} WITH (FORCE)`);
    await admin.end();
  }
  await stack.stopEmbedded?.();
}

async function adminCall<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

// ---------------------------------------------------------------------------
// Scenarios that need more than autocannon.

async function runEcho(logDir: string, profileDir?: string) {
  const port = await freePort();
  const echoLog = join(logDir, 'echo.log');
  const echo = spawnNode(
    'echo',
    'bench/echo-server.ts',
    {
      NODE_ENV: 'production',
      LOG_LEVEL: env.LOG_LEVEL ?? 'info',
      PORT: String(port),
      HOST: '127.0.0.1',
      PAYGRID_DATA_KEYS: `e1:${randomBytes(32).toString('base64')}`,
    },
    echoLog,
    profileDir && PROFILE?.includes('echo') ? profileDir : undefined,
  );
  try {
    await waitForLog(echo, echoLog, 'echo server listening');
    log(`ceiling B: NestJS echo route, ${CONNECTIONS} connections, ${SECONDS} s`);
    if (PROFILE?.includes('echo')) echo.toggleProfile();
    const r = await runLoad({
      baseUrl: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      seconds: SECONDS,
      build: (i) => ({ method: 'GET', path: `/v1/echo/pay_${i}` }),
    });
    if (PROFILE?.includes('echo')) echo.toggleProfile();
    await sleep(300);
    return r;
  } finally {
    await echo.stop();
  }
}

async function paymentIdsByApp(stack: Stack): Promise<Map<string, string[]>> {
  const db = new Client({ connectionString: stack.dbUrl });
  await db.connect();
  const rows: Array<{ id: string; app_id: string }> = (
    await db.query(`SELECT id, app_id FROM payments WHERE out_trade_no NOT LIKE 'raw-%' ORDER BY random() LIMIT 20000`)
  ).rows;
  await db.end();
  const out = new Map<string, string[]>(stack.apps.map((a) => [a.appId, []]));
  for (const r of rows) out.get(r.app_id)?.push(r.id);
  for (const [appId, list] of out) if (list.length === 0) throw new Error(`no payments of ${appId} to read`);
  return out;
}

interface PaidResult {
  rate: number;
  offered: number;
  achievedRate: number;
  errors: number;
  delivered: number;
  webhook: ReturnType<typeof summarize>;
  mq?: ReturnType<typeof summarize>;
  payerToAck: ReturnType<typeof summarize>;
}

/**
 * Pays pending payments through the sandbox's payer page at a fixed rate;
 * the simulator then sends its signed callback to the API. Measured from the
 * callback's arrival (provider_callbacks.received_at, same host clock) to the
 * moment the bench's webhook receiver answers 200, and to the moment the
 * bench's own RabbitMQ consumer gets the payment.succeeded message.
 */
async function runPaidToDelivered(stack: Stack, runId: string, rate: number): Promise<PaidResult> {
  const needed = rate * PAY_SECONDS;
  const db = new Client({ connectionString: stack.dbUrl });
  await db.connect();
  try {
    const pendingCount = async () =>
      Number(
        (
          await db.query(
            `SELECT count(*) AS n FROM payments WHERE status = 'pending' AND next_action IS NOT NULL AND out_trade_no NOT LIKE 'raw-%'`,
          )
        ).rows[0].n,
      );
    let have = await pendingCount();
    if (have < needed) {
      log(`creating ${needed - have} more payments to pay`);
      let seq = 0;
      while (have < needed) {
        await runLoad({
          baseUrl: stack.apiUrl,
          connections: 32,
          seconds: 3,
          build: () => createRequest(stack.apps[seq % stack.apps.length], `${runId}p${seq++}`),
        });
        have = await pendingCount();
      }
    }
    const toPay: Array<{ id: string; qr: string }> = (
      await db.query(
        `SELECT id, next_action->>'qr_code' AS qr FROM payments WHERE status = 'pending' AND next_action IS NOT NULL AND out_trade_no NOT LIKE 'raw-%' ORDER BY id LIMIT $1`,
        [needed],
      )
    ).rows;

    const mq = stack.amqpUrl ? await startProbe(stack.amqpUrl, stack.namespace) : undefined;
    stack.receiver.seen.clear();
    log(`paid → delivered: paying ${toPay.length} payments at ${rate}/s`);
    const sentAt = new Map<string, number>();
    let errors = 0;
    const inFlight: Array<Promise<void>> = [];
    const started = Date.now();
    let i = 0;
    // Fixed rate: every 10 ms, send what the schedule says should have been sent by now.
    while (i < toPay.length) {
      const due = Math.min(toPay.length, Math.floor(((Date.now() - started) / 1000) * rate) + 1);
      for (; i < due; i++) {
        const p = toPay[i];
        sentAt.set(p.id, Date.now());
        inFlight.push(
          fetch(p.qr, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"outcome":"success"}',
          })
            .then(async (res) => {
              await res.arrayBuffer();
              if (res.status >= 300) errors++;
            })
            .catch(() => {
              errors++;
            }),
        );
      }
      await sleep(10);
    }
    await Promise.all(inFlight);
    const sendSeconds = (Date.now() - started) / 1000;
    const ids = toPay.map((p) => p.id);
    await until(
      async () => ids.every((id) => stack.receiver.seen.has(id)),
      120_000,
      'every paid payment to reach the webhook receiver',
    ).catch((err: Error) => log(err.message));
    if (mq)
      await until(async () => ids.every((id) => mq.seen.has(id)), 10_000, 'every payment.succeeded on RabbitMQ').catch(
        (err: Error) => log(err.message),
      );
    const callbacks = new Map<string, number>(
      (
        await db.query(
          `SELECT provider_order_id AS id, min(received_at) AS at FROM provider_callbacks WHERE provider_order_id = ANY($1) AND verified GROUP BY 1`,
          [ids],
        )
      ).rows.map((r: { id: string; at: Date }) => [r.id, r.at.getTime()]),
    );
    const webhook: number[] = [];
    const viaMq: number[] = [];
    const payerToAck: number[] = [];
    for (const id of ids) {
      const cb = callbacks.get(id);
      const ack = stack.receiver.seen.get(id);
      if (cb !== undefined && ack !== undefined) webhook.push(ack - cb);
      const m = mq?.seen.get(id);
      if (cb !== undefined && m !== undefined) viaMq.push(m - cb);
      if (ack !== undefined) payerToAck.push(ack - sentAt.get(id)!);
    }
    await mq?.close();
    const missing = ids.length - webhook.length;
    return {
      rate,
      offered: ids.length,
      achievedRate: Math.round(ids.length / sendSeconds),
      errors: errors + missing,
      delivered: webhook.length,
      webhook: summarize(webhook),
      mq: mq ? summarize(viaMq) : undefined,
      payerToAck: summarize(payerToAck),
    };
  } finally {
    await db.end();
  }
}

/** Commits RELAY_EVENTS events at once and times the worker's relay until every one is confirmed and marked. */
async function runRelay(stack: Stack): Promise<number> {
  const db = new Client({ connectionString: stack.dbUrl });
  await db.connect();
  try {
    const ids: string[] = [];
    const aggs: string[] = [];
    for (let i = 0; i < RELAY_EVENTS; i++) {
      ids.push(newId('evt'));
      aggs.push(newId('pay'));
    }
    log(`outbox relay: ${RELAY_EVENTS} events committed at once`);
    await db.query(
      `INSERT INTO events (id, type, merchant_id, app_id, aggregate_id, aggregate_sequence, object)
       SELECT id, 'payment.succeeded', $1, $2, agg, 1,
              jsonb_build_object('id', agg, 'object', 'payment', 'status', 'succeeded', 'amount', 1000, 'currency', 'CNY', 'channel', 'alipay_qr',
                                 'subject', 'Bench order', 'metadata', '{}'::jsonb, 'out_trade_no', agg)
       FROM unnest($3::text[], $4::text[]) AS t(id, agg)`,
      [stack.apps[0].merchantId, stack.quietAppId, ids, aggs],
    );
    const committed = Date.now();
    await until(
      async () =>
        Number((await db.query(`SELECT count(*) AS n FROM events WHERE published_at IS NULL`)).rows[0].n) === 0,
      120_000,
      'the relay',
      10,
    );
    return Math.round(RELAY_EVENTS / ((Date.now() - committed) / 1000));
  } finally {
    await db.end();
  }
}

/** Waits (2 min at most) until the worker's consumer queue is empty and the worker uses under 10 % of a core. */
async function workerIdle(stack: Stack): Promise<void> {
  const started = Date.now();
  const conn = stack.amqpUrl ? await connect(stack.amqpUrl) : undefined;
  const ch = await conn?.createChannel();
  try {
    await until(
      async () => {
        const ready = ch ? (await ch.checkQueue(`${stack.namespace}.webhooks`)).messageCount : 0;
        const before = processCpuSeconds(stack.worker.pid);
        await sleep(500);
        return ready === 0 && processCpuSeconds(stack.worker.pid) - before < 0.05;
      },
      120_000,
      'the worker to drain the relay backlog',
      0,
    );
    log(`worker idle after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    log((err as Error).message);
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// The merchant side: webhook receiver and a RabbitMQ consumer.

interface WebhookReceiver {
  url: string;
  /** payment id → when the receiver acknowledged its payment.succeeded webhook. */
  seen: Map<string, number>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<WebhookReceiver> {
  const seen = new Map<string, number>();
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok', () => {
        try {
          const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            type: string;
            data: { object: { id: string } };
          };
          if (e.type === 'payment.succeeded' && !seen.has(e.data.object.id)) seen.set(e.data.object.id, Date.now());
        } catch {
          // not an event
        }
      });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function startProbe(amqpUrl: string, namespace: string) {
  const conn = await connect(amqpUrl);
  const ch = await conn.createChannel();
  const seen = new Map<string, number>();
  await ch.assertExchange(`${namespace}.events`, 'topic', { durable: true });
  const q = `${namespace}.bench-probe`;
  await ch.assertQueue(q, { exclusive: true, autoDelete: true });
  await ch.bindQueue(q, `${namespace}.events`, 'payment.succeeded');
  await ch.consume(
    q,
    (msg) => {
      if (!msg) return;
      try {
        const e = JSON.parse(msg.content.toString('utf8')) as { data: { object: { id: string } } };
        if (!seen.has(e.data.object.id)) seen.set(e.data.object.id, Date.now());
      } catch {
        // ignore
      }
    },
    { noAck: true },
  );
  return { seen, close: () => conn.close().catch(() => undefined) };
}

// ---------------------------------------------------------------------------

async function describeMachine(stack: Stack) {
  const db = new Client({ connectionString: stack.dbUrl });
  await db.connect();
  const pg = (await db.query('SHOW server_version')).rows[0].server_version as string;
  const sc = (await db.query('SHOW synchronous_commit')).rows[0].synchronous_commit as string;
  await db.end();
  let rabbitmq: string | undefined;
  if (stack.amqpUrl) {
    const conn = await connect(stack.amqpUrl);
    rabbitmq = String(
      (conn.connection as unknown as { serverProperties?: { version?: string } }).serverProperties?.version ??
        'unknown',
    );
    await conn.close();
  }
  // Other work on the machine skews every figure: say how busy it was just before the run.
  const before = machineTicks();
  await sleep(2000);
  const after = machineTicks();
  const backgroundBusyPct = Math.round((100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total));
  const model =
    /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    cores: cpus().length,
    cpuModel: model.trim(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    postgres: `PostgreSQL ${pg} (synchronous_commit ${sc})`,
    rabbitmq,
    node: process.version,
    backgroundBusyPct,
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

async function pgAnswers(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
