import { connect } from 'amqplib';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { VARIABLES } from '../../src/config/config';
import { runMigrations } from '../../src/database/data-source';
import { amqpNames } from '../../src/modules/messaging/rabbit-connection';
import { startEmbeddedPostgres } from '../../src/embedded-postgres';
import { machineTicks } from './cpu';
import type { BenchApp } from './http-load';
import { WebhookReceiver, startReceiver } from './merchant-side';
import { freePort } from './ports';
import { NodeChild, REPO_ROOT, spawnNode, waitForHttp, waitForLog } from './processes';
import { ADMIN_TOKEN, METRICS_TOKEN, SETTINGS, log } from './settings';
import { sleep } from './stats';

const env = process.env;
const SANDBOX = SETTINGS.sandbox;
const APPS = SETTINGS.apps;

/** What every scenario runs against: the database, the broker namespace, the processes and the merchants. */
export interface Stack {
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

/**
 * The processes run the compiled build, as the Docker image does (`node dist/src/main.js`):
 * the TypeScript loader of `npm start` costs about 90 MB of RSS per process and nothing a
 * deployment has. BENCH_BUILD=0 skips the build when dist/ is known to be current.
 */
function buildDist(): void {
  if (!SETTINGS.build) return;
  log('building the compiled app (npm run build)');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function startStack(runId: string, logDir: string, profileDir?: string): Promise<Stack> {
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
    ...(env.ACCESS_LOG_SAMPLE_RATE ? { ACCESS_LOG_SAMPLE_RATE: env.ACCESS_LOG_SAMPLE_RATE } : {}),
    DATABASE_URL: dbUrl,
    DATABASE_MIGRATIONS_RUN: 'false',
    ...(env.DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: env.DATABASE_POOL_SIZE } : {}),
    ...(amqpUrl ? { AMQP_URL: amqpUrl } : {}),
    EVENTS_NAMESPACE: namespace,
    PAYGRID_MODE: 'sandbox',
    PAYGRID_DATA_DIR: mkdtempSync(join(tmpdir(), 'paygrid-bench-')),
    PAYGRID_DATA_KEYS: `b1:${randomBytes(32).toString('base64')}`,
    PAYGRID_ADMIN_TOKEN: ADMIN_TOKEN,
    METRICS_TOKEN,
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
  // Paygrid's processes get the image's V8 heap cap (Dockerfile NODE_OPTIONS) unless BENCH_NODE_OPTIONS says
  // otherwise; the simulators stand for the providers and keep Node's defaults.
  const nodeOptions: Record<string, string> = SETTINGS.nodeOptions ? { NODE_OPTIONS: SETTINGS.nodeOptions } : {};
  const apiLog = join(logDir, 'api.log');
  const api = spawnNode(
    'api',
    'dist/src/main.js',
    {
      ...common,
      PAYGRID_ROLE: 'api',
      PAYGRID_API_PROCESSES: String(SETTINGS.apiProcesses),
      ...nodeOptions,
    },
    apiLog,
    profileDir,
    join(logDir, 'api-statements.json'),
  );
  await waitForHttp(api, `${apiUrl}/health/live`);
  const workerLog = join(logDir, 'worker.log');
  const worker = spawnNode(
    'worker',
    'dist/src/worker.js',
    { ...common, ...nodeOptions },
    workerLog,
    profileDir,
    join(logDir, 'worker-statements.json'),
  );
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

export async function stopStack(stack: Stack): Promise<void> {
  await Promise.all([stack.api.stop(), stack.worker.stop(), stack.sandbox?.stop()]);
  await stack.receiver.close();
  if (stack.amqpUrl) await deleteNamespace(stack.amqpUrl, stack.namespace);
  if (!SETTINGS.keepDb) {
    const admin = new Client({ connectionString: stack.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${stack.dbName} WITH (FORCE)`);
    await admin.end();
  }
  await stack.stopEmbedded?.();
}

/** The consumers whose queues the app declares in every namespace (webhook dispatch, payouts). */
const APP_CONSUMERS = ['webhooks', 'payouts'];

/**
 * Deletes what the run declared on the broker: each consumer's queue, its DLQ and every delay queue
 * (`.retry.<ms>ms`, the tiers the processes ran with), the bench's probe queue, and the two exchanges.
 * Quorum queues left behind are Raft groups that slow the shared broker down for everyone.
 */
async function deleteNamespace(amqpUrl: string, namespace: string): Promise<void> {
  const names = amqpNames(namespace);
  const tiers = env.EVENT_CONSUMER_RETRY_TIERS_MS
    ? env.EVENT_CONSUMER_RETRY_TIERS_MS.split(',').map(Number)
    : VARIABLES.EVENT_CONSUMER_RETRY_TIERS_MS.default;
  const conn = await connect(amqpUrl);
  try {
    const ch = await conn.createChannel();
    let deleted = 0;
    for (const c of APP_CONSUMERS) {
      for (const q of [names.queue(c), names.deadLetterQueue(c), ...tiers.map((ms) => names.retryQueue(c, ms))]) {
        await ch.deleteQueue(q);
        deleted++;
      }
    }
    await ch.deleteQueue(`${namespace}.bench-probe`);
    await ch.deleteExchange(names.exchange);
    await ch.deleteExchange(names.deadLetterExchange);
    log(`deleted the ${deleted + 1} queues and 2 exchanges of ${namespace}`);
  } catch (err) {
    log(`could not delete the RabbitMQ namespace ${namespace}: ${(err as Error).message}`);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export async function adminCall<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function describeMachine(stack: Stack) {
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
