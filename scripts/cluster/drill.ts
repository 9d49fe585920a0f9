/**
 * npm run cluster:drill — runs failure scenarios against the topology of `npm run cluster:up` under a steady
 * create-and-pay load, then checks the database after each one. Prints a table, writes
 * $CLUSTER_DIR/cluster-drill.json, exits 1 when any lost/duplicated count is not 0.
 *
 * CLUSTER_DRILL_RATE (payments/s, default 15: what this topology sustains on 2 cores, docs/scaling.md), CLUSTER_DRILL_SCENARIOS (comma list, default all),
 * CLUSTER_DRILL_OUTAGE_S (how long a killed RabbitMQ node stays down / a node stays paused, default 30),
 * CLUSTER_DRILL_REPLICA_DOWN_S (how long a killed API or worker stays down, default 15),
 * CLUSTER_DRILL_HOLD_S (load before and after each fault, default 10),
 * CLUSTER_DRILL_CONCURRENCY and CLUSTER_DRILL_SCALE_S (the `scale` scenario's closed loop: payers and seconds per
 * configuration, defaults 16 and 20).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { signRequest } from '../../libs/sdk/src/request-signing';

const REPO = resolve(__dirname, '..', '..');
const DIR = process.env.CLUSTER_DIR ?? join(REPO, '.data', 'cluster');
const BASE = Number(process.env.CLUSTER_PORT_BASE ?? 43000);
const RATE = Number(process.env.CLUSTER_DRILL_RATE ?? 15);
const OUTAGE_S = Number(process.env.CLUSTER_DRILL_OUTAGE_S ?? 30);
const REPLICA_DOWN_S = Number(process.env.CLUSTER_DRILL_REPLICA_DOWN_S ?? 15);
const HOLD_S = Number(process.env.CLUSTER_DRILL_HOLD_S ?? 10);
const CONCURRENCY = Number(process.env.CLUSTER_DRILL_CONCURRENCY ?? 16);
const SCALE_S = Number(process.env.CLUSTER_DRILL_SCALE_S ?? 20);
const API = `http://127.0.0.1:${BASE + 80}`;
const RECEIVER_PORT = BASE + 95;
const PATRONI = (i: number) => `http://127.0.0.1:${BASE + 50 + i}`;
const env = Object.fromEntries(
  readFileSync(join(DIR, 'paygrid.env'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
) as Record<string, string>;
const ADMIN = env.PAYGRID_ADMIN_TOKEN;
const DB_URL = env.DATABASE_URL;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => Date.now();
const log = (m: string) => process.stderr.write(`[drill ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const sh = (script: string) =>
  execFileSync('bash', ['-c', `source '${REPO}/scripts/cluster/env.sh'; ${script}`], { encoding: 'utf8' }).trim();
const pidOf = (name: string) => Number(readFileSync(join(DIR, 'run', `${name}.pid`), 'utf8').trim());
const kill = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

// ---------------------------------------------------------------------------------------------------------
// The load: create (signed, idempotency key, retried like the SDK on 503/5xx/network errors), then pay.

interface Credentials {
  appId: string;
  keyId: string;
  secret: string;
}
interface Attempt {
  at: number;
  status: number; // 0: network error
  retryAfter: boolean;
}
const attempts: Attempt[] = [];
const accepted = new Map<string, number>(); // payment id -> time the API answered 201
const paid = new Set<string>();
const webhooks = new Map<string, number>(); // payment id -> first payment.succeeded webhook
const createLatency: Array<{ at: number; ms: number }> = [];
let seq = 0;
let loadOn = false;
const inFlight = new Set<Promise<void>>();

async function call(method: string, url: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function createAndPay(app: Credentials, runId: string): Promise<void> {
  const n = `${runId}-${seq++}`;
  const body = JSON.stringify({
    out_trade_no: `d${n}`,
    amount: 1000,
    currency: 'CNY',
    channel: 'alipay_qr',
    subject: 'Drill',
  });
  const started = now();
  let payment: Record<string, unknown> | undefined;
  for (let tries = 0; now() - started < 90_000; tries++) {
    const t0 = now();
    try {
      const headers = {
        'content-type': 'application/json',
        accept: 'application/json',
        'idempotency-key': `idem-${n}`,
        authorization: signRequest(app, { method: 'POST', pathWithQuery: '/v1/payments', body }),
      };
      const res = await fetch(`${API}/v1/payments`, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      attempts.push({ at: t0, status: res.status, retryAfter: res.headers.has('retry-after') });
      if (res.status === 201 || res.status === 200) {
        payment = JSON.parse(text) as Record<string, unknown>;
        accepted.set(String(payment.id), now());
        createLatency.push({ at: t0, ms: now() - t0 });
        break;
      }
      if (res.status < 500 && res.status !== 429 && res.status !== 409)
        throw new Error(`create ${res.status}: ${text}`);
      const ra = Number(res.headers.get('retry-after') ?? 0);
      await sleep(Math.max(ra * 1000, Math.min(2_000, 100 * 2 ** tries)));
    } catch (err) {
      if ((err as Error).message.startsWith('create ')) throw err;
      attempts.push({ at: t0, status: 0, retryAfter: false });
      await sleep(Math.min(2_000, 100 * 2 ** tries));
    }
  }
  if (!payment) return;
  const qr = (payment.next_action as { qr_code?: string } | undefined)?.qr_code;
  if (!qr) return;
  for (let tries = 0; tries < 30; tries++) {
    try {
      const res = await fetch(qr, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"outcome":"success"}',
        signal: AbortSignal.timeout(15_000),
      });
      await res.arrayBuffer();
      if (res.status < 300) {
        paid.add(String(payment.id));
        return;
      }
    } catch {
      // retried
    }
    await sleep(500);
  }
}

/** Open loop: RATE payments a second whatever the answers (a fault shows as payments piling up in flight). */
function startLoad(app: Credentials, runId: string): void {
  loadOn = true;
  const started = now();
  let sent = 0;
  const tick = () => {
    if (!loadOn) return;
    const due = Math.floor(((now() - started) / 1000) * RATE);
    for (; sent < due; sent++) track(createAndPay(app, runId));
    setTimeout(tick, 20);
  };
  tick();
  startProgress();
}
/** Closed loop: `payers` clients, each creating and paying the next payment as soon as the last one is paid. */
function startClosedLoad(app: Credentials, runId: string, payers: number): void {
  loadOn = true;
  const loop = async (): Promise<void> => {
    while (loadOn) await createAndPay(app, runId);
  };
  for (let i = 0; i < payers; i++) track(loop());
  startProgress();
}
function track(work: Promise<void>): void {
  const p: Promise<void> = work.catch((err: Error) => void log(`load: ${err.message}`));
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
}
async function stopLoad(): Promise<void> {
  loadOn = false;
  stopProgress();
  await Promise.all([...inFlight]);
}

/** A line every 5 s while the load runs, so a long drill shows it is moving (and where it is stuck). */
let progress: NodeJS.Timeout | undefined;
function startProgress(): void {
  stopProgress();
  let last = { at: now(), accepted: accepted.size, hooks: webhooks.size };
  progress = setInterval(() => {
    const t = now();
    const s = (t - last.at) / 1000;
    const recent = attempts.filter((a) => a.at >= last.at);
    log(
      `  ${accepted.size} created (${Math.round((accepted.size - last.accepted) / s)}/s), ${paid.size} paid, ` +
        `${webhooks.size} webhooks (${Math.round((webhooks.size - last.hooks) / s)}/s), ${inFlight.size} in flight; ` +
        `last ${Math.round(s)} s: ${recent.filter((a) => a.status === 503).length} × 503, ` +
        `${recent.filter((a) => a.status === 0).length} network errors`,
    );
    last = { at: t, accepted: accepted.size, hooks: webhooks.size };
  }, 5_000);
  progress.unref();
}
function stopProgress(): void {
  if (progress) clearInterval(progress);
  progress = undefined;
}

function startReceiver(): Promise<() => Promise<void>> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end('ok');
      try {
        const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          type: string;
          data: { object: { id: string } };
        };
        if (e.type === 'payment.succeeded' && !webhooks.has(e.data.object.id)) webhooks.set(e.data.object.id, now());
      } catch {
        // not an event
      }
    });
  });
  return new Promise((r) =>
    server.listen(RECEIVER_PORT, '127.0.0.1', () => r(() => new Promise<void>((d) => server.close(() => d())))),
  );
}

async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await call(method, API + path, body, {
    authorization: `Bearer ${ADMIN}`,
    'content-type': 'application/json',
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json as T;
}

// ---------------------------------------------------------------------------------------------------------
// The engines: who leads, kill, restart.

async function patroniLeader(): Promise<{ name: string; index: number; syncStandby?: string }> {
  for (const i of [1, 2, 3]) {
    try {
      const c = (await (await fetch(`${PATRONI(i)}/cluster`, { signal: AbortSignal.timeout(2_000) })).json()) as {
        members: Array<{ name: string; role: string; state: string }>;
      };
      const leader = c.members.find((m) => m.role === 'leader' && m.state === 'running');
      const sync = c.members.find((m) => m.role === 'sync_standby' && ['running', 'streaming'].includes(m.state));
      if (leader) return { name: leader.name, index: Number(leader.name.slice(2)), syncStandby: sync?.name };
    } catch {
      // that agent is down: ask the next
    }
  }
  throw new Error('no Patroni leader');
}
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch {
      // not yet
    }
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}
/** The node leading paygrid.webhooks (the queue every payment's webhook goes through). */
function rabbitLeader(): number {
  for (const i of [1, 2, 3]) {
    try {
      const out = sh(`rabbitctl ${i} list_queues name leader -q 2>/dev/null`);
      const line = out.split('\n').find((l) => l.startsWith('paygrid.webhooks\t'));
      if (line) return Number(/paygrid-rabbit-(\d)@/.exec(line)![1]);
    } catch {
      // ask the next node
    }
  }
  // Under heavy CPU load the CLI (an Erlang VM per call) may time out: kill a running node anyway.
  log('no RabbitMQ node answered list_queues; taking node 1');
  return 1;
}
function rabbitVmPid(i: number): number {
  return Number(readFileSync(join(DIR, `rabbit${i}`, 'rabbit.pid'), 'utf8').trim());
}
function postmasterPid(i: number): number {
  return Number(readFileSync(join(DIR, `pg${i}`, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
}
async function rabbitRunning(i: number): Promise<boolean> {
  sh(`rabbitctl ${i} await_startup --timeout 30 >/dev/null 2>&1`);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Checks from the database.

interface Checks {
  accepted_but_missing: number;
  paid_not_succeeded: number;
  ledger_missing: number;
  duplicated_ledger_postings: number;
  trial_balance: number;
  events_without_publish: number;
  webhooks_lost: number;
}

async function settleAndCheck(): Promise<Checks> {
  const db = new Client({ connectionString: DB_URL });
  await waitFor('the database', 60_000, async () => (await db.connect(), true));
  try {
    const ids = [...accepted.keys()];
    const paidIds = [...paid];
    // Wait (bounded) for every paid payment to succeed, the outbox to drain and each webhook to arrive.
    await waitFor('the system to settle', 120_000, async () => {
      const r = await db.query(
        `SELECT (SELECT count(*)::int FROM payments WHERE id = ANY($1) AND status <> 'succeeded') AS open,
                (SELECT count(*)::int FROM events WHERE published_at IS NULL) AS unpublished`,
        [paidIds],
      );
      return r.rows[0].open === 0 && r.rows[0].unpublished === 0 && paidIds.every((id) => webhooks.has(id));
    }).catch((err: Error) => log(err.message));
    const q = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params)).rows[0].n);
    return {
      accepted_but_missing: ids.length - (await q(`SELECT count(*)::int AS n FROM payments WHERE id = ANY($1)`, [ids])),
      paid_not_succeeded: await q(
        `SELECT count(*)::int AS n FROM payments WHERE id = ANY($1) AND status <> 'succeeded'`,
        [paidIds],
      ),
      ledger_missing: await q(
        `SELECT count(*)::int AS n FROM payments p WHERE p.id = ANY($1) AND p.status = 'succeeded'
           AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.reference_type = 'payment' AND e.reference_id = p.id)`,
        [paidIds],
      ),
      duplicated_ledger_postings: await q(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM ledger_entries WHERE reverses_entry_id IS NULL
           GROUP BY type, reference_type, reference_id HAVING count(*) > 1) d`,
      ),
      trial_balance: await q(
        `SELECT coalesce(sum(abs(s)), 0)::bigint AS n FROM (SELECT currency,
           sum(CASE direction WHEN 'debit' THEN amount ELSE -amount END) AS s FROM ledger_postings GROUP BY currency) t`,
      ),
      events_without_publish: await q(`SELECT count(*)::int AS n FROM events WHERE published_at IS NULL`),
      webhooks_lost: (
        await db.query(`SELECT id FROM payments WHERE id = ANY($1) AND status = 'succeeded'`, [paidIds])
      ).rows.filter((r: { id: string }) => !webhooks.has(r.id)).length,
    };
  } finally {
    await db.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios.

interface Outcome {
  scenario: string;
  action: string;
  recovery_s?: number;
  webhook_recovery_s?: number;
  longest_gap_without_201_s?: number;
  longest_gap_without_webhook_s?: number;
  throughput?: number;
  p99_ms?: number;
  answers: Record<string, number>;
  http_500: number;
  http_503_without_retry_after: number;
  checks?: Checks;
  notes: string[];
}

/**
 * How the fault showed: the time from `t` to the first 201 of a create sent after it and to the first webhook
 * after it, and the longest stretch from `t` to `to` without any 201 answer and without any webhook (a
 * stretch that starts before the fault counts from `t`). The gaps are the better measure of an outage: a
 * create that reached the healthy replica answers 201 at once, while its neighbours wait for a retry.
 */
function recovery(t: number, to: number) {
  const round = (ms: number) => Math.round(ms / 100) / 10;
  const answered = createLatency.map((c) => c.at + c.ms);
  const firstCreate = createLatency.filter((c) => c.at >= t).sort((a, b) => a.at + a.ms - (b.at + b.ms))[0];
  const firstHook = [...webhooks.values()].filter((w) => w > t).sort((a, b) => a - b)[0];
  return {
    recovery_s: firstCreate ? round(firstCreate.at + firstCreate.ms - t) : undefined,
    webhook_recovery_s: firstHook ? round(firstHook - t) : undefined,
    longest_gap_without_201_s: round(longestGap(answered, t, to)),
    longest_gap_without_webhook_s: round(longestGap([...webhooks.values()], t, to)),
  };
}
function longestGap(times: number[], from: number, to: number): number {
  const within = times.filter((x) => x > from && x < to).sort((a, b) => a - b);
  let gap = 0;
  let prev = from;
  for (const x of [...within, to]) {
    gap = Math.max(gap, x - prev);
    prev = x;
  }
  return gap;
}
function answers(from: number, to: number) {
  const within = attempts.filter((a) => a.at >= from && a.at <= to);
  const by: Record<string, number> = {};
  for (const a of within)
    by[a.status === 0 ? 'network' : String(a.status)] = (by[a.status === 0 ? 'network' : String(a.status)] ?? 0) + 1;
  return {
    answers: by,
    http_500: within.filter((a) => a.status === 500).length,
    http_503_without_retry_after: within.filter((a) => a.status === 503 && !a.retryAfter).length,
  };
}
function throughputAndP99(from: number, to: number) {
  const c = createLatency
    .filter((x) => x.at >= from && x.at <= to)
    .map((x) => x.ms)
    .sort((a, b) => a - b);
  return {
    throughput: Math.round(c.length / ((to - from) / 1000)),
    p99_ms: c.length ? c[Math.min(c.length - 1, Math.floor(c.length * 0.99))] : undefined,
  };
}

type Scenario = {
  name: string;
  action: string;
  /** Measured under its own closed-loop load (measureScale) instead of the open-loop load around a fault. */
  closedLoop?: boolean;
  run: () => Promise<{ t: number; notes: string[] }>;
};

const SCENARIOS: Scenario[] = [
  {
    name: 'baseline',
    action: `no fault for ${REPLICA_DOWN_S} s (what the rate costs by itself)`,
    run: async () => {
      const t = now();
      await sleep(REPLICA_DOWN_S * 1000);
      return { t, notes: [] };
    },
  },
  {
    name: 'rabbitmq-node-kill',
    action: `SIGKILL the node leading paygrid.webhooks; restart it ${OUTAGE_S} s later`,
    run: async () => {
      const i = rabbitLeader();
      const t = now();
      kill(rabbitVmPid(i), 'SIGKILL');
      kill(pidOf(`rabbit${i}`), 'SIGKILL');
      await sleep(OUTAGE_S * 1000);
      sh(`'${REPO}/scripts/cluster/up.sh' rabbit ${i}`);
      await waitFor(`rabbit ${i} back`, 120_000, () => rabbitRunning(i));
      return { t, notes: [`killed node ${i}`] };
    },
  },
  {
    name: 'rabbitmq-partition',
    action: `pause (SIGSTOP) the node leading paygrid.webhooks for ${OUTAGE_S} s`,
    run: async () => {
      const i = rabbitLeader();
      const t = now();
      kill(rabbitVmPid(i), 'SIGSTOP');
      await sleep(OUTAGE_S * 1000);
      kill(rabbitVmPid(i), 'SIGCONT');
      await waitFor(`rabbit ${i} back`, 120_000, () => rabbitRunning(i));
      return { t, notes: [`paused node ${i}`] };
    },
  },
  {
    name: 'postgres-primary-loss',
    action: "SIGKILL the leader's Patroni agent and postmaster together",
    run: async () => {
      const leader = await patroniLeader();
      const pm = postmasterPid(leader.index);
      const t = now();
      kill(pidOf(`patroni${leader.index}`), 'SIGKILL');
      kill(pm, 'SIGKILL');
      const next = await waitFor('a new Patroni leader', 90_000, async () => {
        const l = await patroniLeader();
        return l.name !== leader.name ? l : undefined;
      });
      const promotedS = Math.round((now() - t) / 100) / 10;
      await sleep(15_000);
      // The old primary comes back as a replica (pg_rewind), so the next scenarios have two standbys again.
      sh(`'${REPO}/scripts/cluster/up.sh' patroni ${leader.index}`);
      await waitFor('the old primary to rejoin', 120_000, async () => {
        const c = (await (await fetch(`${PATRONI(next.index)}/cluster`)).json()) as {
          members: Array<{ name: string; state: string }>;
        };
        return c.members.some((m) => m.name === leader.name && ['running', 'streaming'].includes(m.state));
      });
      return {
        t,
        notes: [
          `${leader.name} killed; ${next.name} promoted after ${promotedS} s (was sync standby: ${leader.syncStandby === next.name})`,
        ],
      };
    },
  },
  {
    name: 'switchover',
    action: 'patronictl switchover to the synchronous standby under load',
    run: async () => {
      const leader = await waitFor('a synchronous standby', 90_000, async () => {
        const l = await patroniLeader();
        return l.syncStandby ? l : undefined;
      });
      const t = now();
      sh(
        `patronictl_ switchover --leader ${leader.name} --candidate ${leader.syncStandby} --force >/dev/null 2>&1 || patronictl_ switchover --master ${leader.name} --candidate ${leader.syncStandby} --force >/dev/null`,
      );
      const next = await waitFor('the switchover', 60_000, async () => {
        const l = await patroniLeader();
        return l.name === leader.syncStandby ? l : undefined;
      });
      return { t, notes: [`${leader.name} → ${next.name} in ${Math.round((now() - t) / 100) / 10} s`] };
    },
  },
  {
    name: 'api-replica-kill',
    action: `SIGKILL one of the two API processes; restart it ${REPLICA_DOWN_S} s later`,
    run: async () => {
      const t = now();
      kill(pidOf('api1'), 'SIGKILL');
      await sleep(REPLICA_DOWN_S * 1000);
      sh(`'${REPO}/scripts/cluster/up.sh' api 1`);
      await waitFor('API 1 back', 120_000, async () => (await fetch(`http://127.0.0.1:${BASE + 81}/health/live`)).ok);
      return { t, notes: [] };
    },
  },
  {
    name: 'worker-replica-kill',
    action: `SIGKILL one of the two workers mid-relay and mid-delivery; restart it ${REPLICA_DOWN_S} s later`,
    run: async () => {
      const t = now();
      kill(pidOf('worker1'), 'SIGKILL');
      await sleep(REPLICA_DOWN_S * 1000);
      sh(`'${REPO}/scripts/cluster/up.sh' worker 1`);
      return { t, notes: [] };
    },
  },
  {
    name: 'scale',
    action: `closed-loop load (${CONCURRENCY} payers, ${SCALE_S} s each) on 2/1 API processes × 2/1 workers`,
    closedLoop: true,
    run: async () => ({ t: now(), notes: [] }), // measureScale() runs instead
  },
];

// ---------------------------------------------------------------------------------------------------------
// The `scale` scenario: what a second API process and a second worker add, on this machine.

interface ScaleRow {
  api_processes: number;
  workers: number;
  creates_per_s: number;
  p99_ms?: number;
  webhooks_per_s: number;
  machine_busy_pct: number;
}
/** Busy and total jiffies of all cores, from /proc/stat (busy: everything but idle and iowait). */
function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}
async function stopReplica(name: 'api2' | 'worker2'): Promise<void> {
  const pid = pidOf(name);
  kill(pid, 'SIGTERM');
  await waitFor(`${name} to stop`, 60_000, async () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  if (name === 'api2') {
    // HAProxy takes it out of the pool after three failed checks; until then a refused connection is redispatched.
    await waitFor('HAProxy to drop api2', 30_000, async () => {
      const csv = await (await fetch(`http://127.0.0.1:${BASE + 79}/;csv`)).text();
      return csv.split('\n').some((l) => l.startsWith('api,api2,') && l.split(',')[17]?.startsWith('DOWN'));
    });
  }
}
async function startReplica(name: 'api2' | 'worker2'): Promise<void> {
  const starts = () => readFileSync(join(DIR, 'log', 'worker2.log'), 'utf8').split('Paygrid worker started').length;
  const before = name === 'worker2' ? starts() : 0;
  sh(`'${REPO}/scripts/cluster/up.sh' ${name === 'api2' ? 'api' : 'worker'} 2`);
  if (name === 'api2')
    await waitFor('api2 in the pool', 120_000, async () => {
      if (!(await fetch(`http://127.0.0.1:${BASE + 82}/health/live`)).ok) return false;
      const csv = await (await fetch(`http://127.0.0.1:${BASE + 79}/;csv`)).text();
      return csv.split('\n').some((l) => l.startsWith('api,api2,') && l.split(',')[17]?.startsWith('UP'));
    });
  else await waitFor('worker2 started', 120_000, async () => starts() > before);
}
async function measureScale(app: Credentials, runId: string): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  const measure = async (api: number, workers: number) => {
    log(`scale: ${api} API process(es), ${workers} worker(s)`);
    startClosedLoad(app, `${runId}${api}${workers}`, CONCURRENCY);
    await sleep(3_000); // warm-up: connections, JIT
    const from = now();
    const cpu0 = cpuTimes();
    await sleep(SCALE_S * 1000);
    const to = now();
    const cpu1 = cpuTimes();
    await stopLoad();
    const hooks = [...webhooks.values()].filter((w) => w >= from && w < to).length;
    const { throughput, p99_ms } = throughputAndP99(from, to);
    rows.push({
      api_processes: api,
      workers,
      creates_per_s: throughput,
      p99_ms,
      webhooks_per_s: Math.round(hooks / ((to - from) / 1000)),
      machine_busy_pct: Math.round((100 * (cpu1.busy - cpu0.busy)) / (cpu1.total - cpu0.total)),
    });
  };
  await measure(2, 2);
  await stopReplica('worker2');
  await measure(2, 1);
  await stopReplica('api2');
  await measure(1, 1);
  await startReplica('worker2');
  await measure(1, 2);
  await startReplica('api2');
  return rows;
}

async function main(): Promise<void> {
  if (!existsSync(join(DIR, 'run', 'api1.pid'))) throw new Error('the cluster is not up: npm run cluster:up');
  const wanted = (process.env.CLUSTER_DRILL_SCENARIOS ?? SCENARIOS.map((s) => s.name).join(',')).split(',');
  const closeReceiver = await startReceiver();
  const runId = Date.now().toString(36);
  const merchant = await admin<{ id: string }>('POST', '/admin/v1/merchants', { name: `Drill ${runId}` });
  const app = await admin<{ id: string }>('POST', `/admin/v1/merchants/${merchant.id}/apps`, {
    name: 'drill',
    channels: ['alipay_qr'],
    webhook_url: `http://127.0.0.1:${RECEIVER_PORT}/hook`,
  });
  const key = await admin<{ id: string; secret: string }>('POST', `/admin/v1/apps/${app.id}/keys`, { type: 'hmac' });
  const creds = { appId: app.id, keyId: key.id, secret: key.secret };
  const results: Outcome[] = [];
  let scale: ScaleRow[] = [];
  const started = new Date().toISOString();
  try {
    for (const s of SCENARIOS.filter((x) => wanted.includes(x.name))) {
      const from = now();
      let t = from;
      let to = from;
      const notes: string[] = [];
      if (s.closedLoop) {
        log(`${s.name}: ${s.action}`);
        scale = await measureScale(creds, `${runId}sc`).catch((err: Error) => {
          notes.push(`scenario failed: ${err.message}`);
          return [];
        });
        to = now();
      } else {
        log(`${s.name}: ${s.action} (load ${RATE}/s)`);
        startLoad(creds, `${runId}${s.name.slice(0, 3)}`);
        await sleep(HOLD_S * 1000);
        t = now();
        try {
          const r = await s.run();
          t = r.t;
          notes.push(...r.notes);
        } catch (err) {
          notes.push(`scenario failed: ${(err as Error).message}`);
        }
        await sleep(HOLD_S * 1000);
        to = now();
        await stopLoad();
      }
      const checks = await settleAndCheck();
      const o: Outcome = {
        scenario: s.name,
        action: s.action,
        ...(s.closedLoop ? {} : recovery(t, to)),
        ...throughputAndP99(from, to),
        ...answers(from, to),
        checks,
        notes,
      };
      results.push(o);
      log(`${s.name}: ${JSON.stringify(o)}`);
    }
  } finally {
    await stopLoad();
    await closeReceiver();
  }
  const machine = { host: hostname(), cores: cpus().length, cpu: cpus()[0]?.model };
  const failed = results.filter(
    (r) =>
      !r.checks ||
      Object.values(r.checks).some((v) => v !== 0) ||
      r.http_500 > 0 ||
      r.http_503_without_retry_after > 0 ||
      r.notes.some((n) => n.startsWith('scenario failed')),
  );
  const report = {
    started,
    finished: new Date().toISOString(),
    rate: RATE,
    outage_s: OUTAGE_S,
    replica_down_s: REPLICA_DOWN_S,
    machine,
    results,
    scale,
    ok: failed.length === 0,
  };
  writeFileSync(join(DIR, 'cluster-drill.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${table(results)}\n`);
  if (scale.length > 0) process.stdout.write(`\n${scaleTable(scale)}\n`);
  process.stdout.write(`written ${join(DIR, 'cluster-drill.json')}\n`);
  if (failed.length > 0) {
    process.stdout.write(`FAILED: ${failed.map((f) => f.scenario).join(', ')}\n`);
    process.exitCode = 1;
  }
}

function table(rows: Outcome[]): string {
  const head = [
    'scenario',
    'longest without a 201 (s)',
    'longest without a webhook (s)',
    'creates/s',
    'p99 ms',
    '503 (Retry-After)',
    '500',
    'missing',
    'dup postings',
    'trial bal.',
    'unpublished',
    'webhooks lost',
    'notes',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.longest_gap_without_201_s ?? '-'),
    String(r.longest_gap_without_webhook_s ?? '-'),
    String(r.throughput ?? '-'),
    String(r.p99_ms ?? '-'),
    String(r.answers['503'] ?? 0),
    String(r.http_500),
    String(
      (r.checks?.accepted_but_missing ?? '?') +
        '' +
        (r.checks?.paid_not_succeeded ? ` (+${r.checks.paid_not_succeeded} unpaid)` : ''),
    ),
    String(r.checks?.duplicated_ledger_postings ?? '?'),
    String(r.checks?.trial_balance ?? '?'),
    String(r.checks?.events_without_publish ?? '?'),
    String(r.checks?.webhooks_lost ?? '?'),
    r.notes.join('; '),
  ]);
  return markdown(head, lines);
}
function scaleTable(rows: ScaleRow[]): string {
  return markdown(
    ['API processes', 'workers', 'creates/s', 'p99 ms', 'webhooks/s', 'machine busy %'],
    rows.map((r) =>
      [r.api_processes, r.workers, r.creates_per_s, r.p99_ms ?? '-', r.webhooks_per_s, r.machine_busy_pct].map(String),
    ),
  );
}
function markdown(head: string[], lines: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...lines.map((l) => `| ${l.join(' | ')} |`),
  ].join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster drill failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
