import { connect } from 'amqplib';
import { Client } from 'pg';
import { newId } from '../../src/common/ids/ids.util';
import { runAmqpCeiling } from '../amqp-ceiling';
import { processCpuSeconds } from '../lib/cpu';
import { Scenario, perOp } from '../lib/scenario';
import { SETTINGS, log, wants } from '../lib/settings';
import type { Stack } from '../lib/stack';
import { sleep, until } from '../lib/stats';

/**
 * The outbox relay against the bare broker: ceiling MQ (amqplib confirmed publishes, no Paygrid), then
 * BENCH_RELAY_EVENTS events committed at once and timed until the worker's relay has published and marked them.
 * CPU and SQL per event are the worker's.
 */
export const relay: Scenario = {
  name: 'relay',
  wanted: () => wants('relay'),
  async run(ctx) {
    const { stack } = ctx;
    const rows = [];
    if (stack.amqpUrl) {
      const c = await runAmqpCeiling({
        amqpUrl: stack.amqpUrl,
        namespace: stack.namespace,
        messages: SETTINGS.relayEvents,
        window: 1000,
        bodyBytes: 900,
      });
      ctx.ceilings.mq = c.perSec;
      rows.push({
        scenario: 'ceiling MQ: bare amqplib confirmed publishes (window 1000)',
        unit: 'msg/s',
        throughput: c.perSec,
      });
    }
    const m = await ctx.measure('relay', () => runRelay(stack));
    rows.push({
      scenario: `outbox relay (${SETTINGS.relayEvents} committed events)`,
      unit: 'events/s',
      throughput: m.value,
      ...perOp({ ...m, sql: { api: m.sql.worker } }, SETTINGS.relayEvents),
      ceiling: ctx.ceilings.mq,
      ceilingName: 'MQ',
      target: '≥ 5,000/s',
      met: m.value >= 5000,
    });
    return rows;
  },
};

/** Commits BENCH_RELAY_EVENTS events at once and times the worker's relay until every one is confirmed and marked. */
async function runRelay(stack: Stack): Promise<number> {
  const db = new Client({ connectionString: stack.dbUrl });
  await db.connect();
  try {
    const ids: string[] = [];
    const aggs: string[] = [];
    for (let i = 0; i < SETTINGS.relayEvents; i++) {
      ids.push(newId('evt'));
      aggs.push(newId('pay'));
    }
    log(`outbox relay: ${SETTINGS.relayEvents} events committed at once`);
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
    return Math.round(SETTINGS.relayEvents / ((Date.now() - committed) / 1000));
  } finally {
    await db.end();
  }
}

/** Waits (2 min at most) until the worker's consumer queue is empty and the worker uses under 10 % of a core. */
export async function workerIdle(stack: Stack): Promise<void> {
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
