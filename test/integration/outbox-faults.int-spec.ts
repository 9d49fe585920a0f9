import { ChildProcess, spawn } from 'node:child_process';
import { Client } from 'pg';
import { EVENT_BUS, EventBus } from '../../src/modules/notifications/event-bus';
import { OutboxRelay } from '../../src/modules/notifications/outbox-relay.worker';
import {
  AMQP_URL,
  AmqpObserver,
  FAST_EVENTS_ENV,
  createMerchantApp,
  enqueueEvents,
  testNamespace,
  unpublishedCount,
} from '../utils/events-kit';
import { http, waitFor } from '../utils/http';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';
import { TcpProxy, viaProxy } from '../utils/tcp-proxy';

/** src/worker.ts as its own process (no HTTP server), on the test's database and namespace. */
function spawnWorker(t: TestApp, ns: string, amqpUrl: string): ChildProcess {
  return spawn(process.execPath, ['-r', '@swc-node/register', 'src/worker.ts'], {
    cwd: `${__dirname}/../..`,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: t.db.url,
      DATABASE_MIGRATIONS_RUN: 'false',
      PAYGRID_DATA_DIR: t.config.dataDir,
      PAYGRID_DATA_KEYS: `t1:${t.config.dataKeys![0].key.toString('base64')}`,
      AMQP_URL: amqpUrl,
      EVENTS_NAMESPACE: ns,
      ...FAST_EVENTS_ENV,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('outbox faults (integration)', () => {
  const ns = testNamespace('faults');
  const proxy = new TcpProxy(Number(new URL(AMQP_URL).port || 5672));
  let t: TestApp;
  let observer: AmqpObserver;
  let owner: { merchantId: string; appId: string };
  const applied = new Map<string, number>();

  beforeAll(async () => {
    observer = new AmqpObserver(ns);
    await observer.start();
    const port = await proxy.start();
    t = await startTestApp({ AMQP_URL: viaProxy(AMQP_URL, port), EVENTS_NAMESPACE: ns, ...FAST_EVENTS_ENV });
    await t.dataSource.query(`CREATE TABLE test_effects (event_id text PRIMARY KEY, n integer NOT NULL)`);
    // A consumer whose side effect is a row: a second application would violate nothing but bump n.
    await t.app.get<EventBus>(EVENT_BUS).subscribe({
      name: 'effects',
      patterns: ['#'],
      handle: async (e, { manager }) => {
        applied.set(e.id, (applied.get(e.id) ?? 0) + 1);
        await manager.query(
          `INSERT INTO test_effects VALUES ($1, 1) ON CONFLICT (event_id) DO UPDATE SET n = test_effects.n + 1`,
          [e.id],
        );
      },
    });
    owner = await createMerchantApp(t);
  });
  afterAll(async () => {
    await t?.close();
    await proxy.close();
    await observer?.cleanup(['webhooks', 'effects']);
  });

  it('keeps accepting changes while RabbitMQ is unreachable and delivers every event once it is back', async () => {
    await waitFor(async () => proxy.openConnections > 0, { what: 'the app to connect through the proxy' });
    await proxy.cut();

    // The API keeps working: admin writes and event-producing transactions commit.
    const m = await http('POST', `${t.baseUrl}/admin/v1/merchants`, {
      token: TEST_ADMIN_TOKEN,
      body: { name: 'During outage' },
    });
    expect(m.status).toBe(201);
    const ready = await http('GET', `${t.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    const events = await enqueueEvents(t, owner, 150);
    expect(await unpublishedCount(t)).toBe(150);
    expect(events.some((e) => observer.ids().includes(e.id))).toBe(false);

    await proxy.restore();
    await waitFor(async () => events.every((e) => observer.ids().includes(e.id)), {
      timeoutMs: 45_000,
      what: 'every event after the outage',
    });
    await waitFor(async () => (await unpublishedCount(t)) === 0, { what: 'outbox drained' });
    const rows: Array<{ event_id: string; n: number }> = await waitFor(
      async () => {
        const r = await t.dataSource.query(`SELECT event_id, n FROM test_effects WHERE event_id = ANY($1)`, [
          events.map((e) => e.id),
        ]);
        return r.length === 150 ? r : undefined;
      },
      { timeoutMs: 20_000, what: 'the consumer to apply every event' },
    );
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it('republishes an event whose relay died between publish and marking it, and the consumer applies it once', async () => {
    // Only the killed worker's relay may run for this test: stop this app's relay loops.
    await t.app.get(OutboxRelay).onModuleDestroy();
    const events = await enqueueEvents(t, owner, 20);

    // Hold a SHARE lock: the relay can claim (FOR UPDATE) and publish, but its UPDATE … published_at blocks.
    const locker = new Client({ connectionString: t.db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE events IN SHARE MODE');
    let worker: ChildProcess | undefined = spawnWorker(t, ns, AMQP_URL);
    try {
      await waitFor(async () => events.every((e) => observer.ids().includes(e.id)), {
        timeoutMs: 30_000,
        what: 'the doomed relay to publish',
      });
      worker.kill('SIGKILL');
      await new Promise((r) => worker!.once('exit', r));
      worker = undefined;
      await locker.query('ROLLBACK');
      expect(await unpublishedCount(t)).toBe(20); // published, confirmed, but never marked

      worker = spawnWorker(t, ns, AMQP_URL);
      await waitFor(async () => (await unpublishedCount(t)) === 0, {
        timeoutMs: 30_000,
        what: 'a new relay to republish',
      });
      await waitFor(async () => events.every((e) => observer.ids().filter((id) => id === e.id).length === 2), {
        what: 'each event seen twice on the wire',
      });
      const rows: Array<{ n: number }> = await waitFor(
        async () => {
          const r = await t.dataSource.query(`SELECT n FROM test_effects WHERE event_id = ANY($1)`, [
            events.map((e) => e.id),
          ]);
          return r.length === 20 ? r : undefined;
        },
        { what: 'the consumer to apply the events' },
      );
      // Delivered twice, applied once: the inbox absorbed the duplicates.
      expect(rows.every((r) => r.n === 1)).toBe(true);
      const inbox = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM event_inbox WHERE consumer = 'effects' AND event_id = ANY($1)`,
        [events.map((e) => e.id)],
      );
      expect(inbox[0].n).toBe(20);
    } finally {
      worker?.kill('SIGKILL');
      await locker.end().catch(() => undefined);
    }
  });
});
