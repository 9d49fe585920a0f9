import 'reflect-metadata';
import { connect } from 'amqplib';
import { randomBytes } from 'node:crypto';
import { Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { createHttpApp } from '../src/app.factory';
import { loadConfig } from '../src/config/config';
import { newId } from '../src/common/ids/ids.util';
import { runMigrations } from '../src/database/data-source';
import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';

/**
 * Event pipeline throughput against the real PostgreSQL and RabbitMQ:
 *  1. relay: N committed events → published with confirms (one quorum queue bound with `#`);
 *  2. webhooks: M events → relay → dispatcher (quorum queue, inbox) → signed POSTs to
 *     local endpoints → recorded as delivered.
 * Creates and drops its own database and RabbitMQ namespace.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672 \
 *     node -r @swc-node/register bench/events.bench.ts
 */
export interface EventsBenchResult {
  relay: { events: number; seconds: number; eventsPerSec: number };
  webhooks: {
    deliveries: number;
    endpoints: number;
    seconds: number;
    deliveriesPerSec: number;
    p50LatencyMs: number;
    p99LatencyMs: number;
  };
}

export interface EventsBenchOptions {
  databaseUrl?: string;
  amqpUrl?: string;
  events?: number;
  webhooks?: number;
  endpoints?: number;
}

const ADMIN = 'bench-admin-token-0123456789abcdef';

export async function runEventsBench(opts: EventsBenchOptions = {}): Promise<EventsBenchResult> {
  const adminUrl = opts.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const amqpUrl = opts.amqpUrl ?? process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const nEvents = opts.events ?? 20_000;
  const nWebhooks = opts.webhooks ?? 5_000;
  const nEndpoints = opts.endpoints ?? 8;
  const ns = `paygrid-bench.${randomBytes(4).toString('hex')}`;
  const dbName = `paygrid_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const amqp = await connect(amqpUrl);
  const ch = await amqp.createChannel();
  const servers: Server[] = [];
  let app: Awaited<ReturnType<typeof createHttpApp>> | undefined;
  try {
    await runMigrations(dbUrl);
    await ch.assertExchange(`${ns}.events`, 'topic', { durable: true });
    await ch.assertQueue(`${ns}.bench-sink`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(`${ns}.bench-sink`, `${ns}.events`, '#');

    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: dbUrl,
      DATABASE_MIGRATIONS_RUN: 'false',
      DATABASE_POOL_SIZE: '30',
      AMQP_URL: amqpUrl,
      EVENTS_NAMESPACE: ns,
      PAYGRID_DATA_DIR: tmpdir(),
      PAYGRID_DATA_KEYS: `b1:${randomBytes(32).toString('base64')}`,
      PAYGRID_ADMIN_TOKEN: ADMIN,
      PAYGRID_MODE: 'sandbox',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      OUTBOX_POLL_MS: '20',
      WEBHOOK_POLL_MS: '20',
      EVENT_CONSUMER_PREFETCH: '200',
      WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '16',
      PORT: '0',
      HOST: '127.0.0.1',
    });
    app = await createHttpApp(config);
    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();
    const ds = app.get<DataSource>(getDataSourceToken());
    const adminCall = async (path: string, body: unknown) => {
      const res = await fetch(base.replace('[::1]', '127.0.0.1') + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { id: string };
    };
    const merchant = await adminCall('/admin/v1/merchants', { name: 'Bench' });
    const quiet = await adminCall(`/admin/v1/merchants/${merchant.id}/apps`, {
      name: 'no webhooks',
      channels: ['card'],
    });

    // 1. Relay: commit N events in one transaction, time until every one is confirmed and marked.
    const t0 = Date.now();
    await insertEvents(ds, merchant.id, [quiet.id], nEvents);
    const committed = Date.now();
    await until(
      async () => Number((await ds.query(`SELECT count(*) AS n FROM events WHERE published_at IS NULL`))[0].n) === 0,
    );
    const relaySeconds = (Date.now() - committed) / 1000;
    void t0;

    // 2. Webhooks: endpoints answering 200 at once; time until every delivery is recorded as succeeded.
    const appIds: string[] = [];
    for (let i = 0; i < nEndpoints; i++) {
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200).end());
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      servers.push(server);
      const a = await adminCall(`/admin/v1/merchants/${merchant.id}/apps`, {
        name: `ep${i}`,
        channels: ['card'],
        webhook_url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
      });
      appIds.push(a.id);
    }
    const w0 = Date.now();
    await insertEvents(ds, merchant.id, appIds, nWebhooks);
    await until(
      async () =>
        Number((await ds.query(`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'`))[0].n) >=
        nWebhooks,
      300_000,
    );
    const webhookSeconds = (Date.now() - w0) / 1000;
    if (process.env.EVENTS_BENCH_DEBUG) {
      process.stdout.write(
        JSON.stringify(
          await ds.query(
            `SELECT (SELECT max(published_at) - min(created_at) FROM events WHERE app_id = ANY($1)) AS publish_span, (SELECT max(created_at) - min(created_at) FROM webhook_deliveries) AS create_span, (SELECT max(delivered_at) - min(created_at) FROM webhook_deliveries) AS deliver_span`,
            [appIds],
          ),
        ) + '\n',
      );
    }
    const lat = await ds.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99 FROM webhook_attempts`,
    );
    return {
      relay: { events: nEvents, seconds: relaySeconds, eventsPerSec: Math.round(nEvents / relaySeconds) },
      webhooks: {
        deliveries: nWebhooks,
        endpoints: nEndpoints,
        seconds: webhookSeconds,
        deliveriesPerSec: Math.round(nWebhooks / webhookSeconds),
        p50LatencyMs: Number(lat[0].p50),
        p99LatencyMs: Number(lat[0].p99),
      },
    };
  } finally {
    await app?.close();
    for (const s of servers) s.close();
    for (const q of ['bench-sink', 'webhooks', 'webhooks.dlq'])
      await ch.deleteQueue(`${ns}.${q}`).catch(() => undefined);
    await ch.deleteExchange(`${ns}.events`).catch(() => undefined);
    await ch.deleteExchange(`${ns}.dlx`).catch(() => undefined);
    await amqp.close().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

/** `count` events round-robin over the apps, committed in one transaction (the relay sees them all at once). */
async function insertEvents(ds: DataSource, merchantId: string, appIds: string[], count: number): Promise<void> {
  const ids: string[] = [];
  const apps: string[] = [];
  const aggs: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(newId('evt'));
    apps.push(appIds[i % appIds.length]);
    aggs.push(newId('pay'));
  }
  await ds.query(
    `INSERT INTO events (id, type, merchant_id, app_id, aggregate_id, aggregate_sequence, object)
     SELECT id, 'payment.succeeded', $1, app_id, agg, 1, jsonb_build_object('id', agg, 'object', 'payment', 'status', 'succeeded', 'amount', 1000, 'currency', 'CNY')
     FROM unnest($2::text[], $3::text[], $4::text[]) AS t(id, app_id, agg)`,
    [merchantId, ids, apps, aggs],
  );
}

async function until(probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

if (require.main === module) {
  runEventsBench({
    events: Number(process.env.EVENTS_BENCH_EVENTS ?? 20_000),
    webhooks: Number(process.env.EVENTS_BENCH_WEBHOOKS ?? 5_000),
  })
    .then((r) => {
      process.stdout.write(
        `outbox relay: ${r.relay.events} events published with confirms in ${r.relay.seconds.toFixed(2)} s = ${r.relay.eventsPerSec} events/s\n` +
          `webhooks: ${r.webhooks.deliveries} deliveries to ${r.webhooks.endpoints} endpoints end to end in ${r.webhooks.seconds.toFixed(2)} s = ${r.webhooks.deliveriesPerSec} deliveries/s (HTTP p50 ${r.webhooks.p50LatencyMs} ms, p99 ${r.webhooks.p99LatencyMs} ms)\n`,
      );
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`events bench failed: ${(err as Error).stack}\n`);
      process.exit(1);
    });
}
