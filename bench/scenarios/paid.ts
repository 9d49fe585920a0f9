import { Client } from 'pg';
import { runLoad } from '../lib/http-load';
import { startProbe } from '../lib/merchant-side';
import { Scenario, perOp } from '../lib/scenario';
import { METRICS_TOKEN, SETTINGS, log, wants } from '../lib/settings';
import type { Stack } from '../lib/stack';
import { sleep, summarize, until } from '../lib/stats';
import { createRequest } from './create';

/**
 * Paid → delivered at one offered rate: the webhook row (with the 500/s target) and the RabbitMQ row. CPU and
 * SQL per paid payment: the API's (the provider callback) and the worker's (relay, webhook delivery).
 */
export function paid(rate: number): Scenario {
  const name = rate === SETTINGS.payRate ? 'paid' : 'paid-low';
  return {
    name,
    wanted: () => wants('paid'),
    async run(ctx) {
      const m = await ctx.measure(name, () => runPaidToDelivered(ctx.stack, ctx.runId, rate));
      const r = m.value;
      ctx.extra[`paid${rate}`] = r;
      const target = rate === SETTINGS.payRate && rate === 500;
      return [
        {
          scenario: `paid → webhook acked (${r.rate}/s offered for ${SETTINGS.paySeconds} s)`,
          unit: 'pay/s',
          throughput: r.achievedRate,
          p50: r.webhook.p50,
          p99: r.webhook.p99,
          errors: r.errors,
          ...perOp(m, r.offered, { withWorker: true }),
          target: target ? 'p99 < 1 s at 500/s' : undefined,
          met: target ? r.webhook.p99 < 1000 && r.achievedRate >= 0.98 * 500 && r.errors === 0 : undefined,
        },
        {
          scenario: ctx.stack.amqpUrl
            ? `paid → RabbitMQ message (${r.rate}/s offered)`
            : 'paid → RabbitMQ message (no AMQP_URL: in-process bus, not measured)',
          unit: 'pay/s',
          throughput: ctx.stack.amqpUrl ? r.achievedRate : undefined,
          p50: r.mq?.p50,
          p99: r.mq?.p99,
        },
      ];
    },
  };
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
  const needed = rate * SETTINGS.paySeconds;
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
    const shedBefore = await shedTotals(stack.apiUrl);
    log(`paid → delivered: paying ${toPay.length} payments at ${rate}/s`);
    const sentAt = new Map<string, number>();
    let errors = 0;
    // Why the payer-page POSTs failed (HTTP status or error message): the count alone hid the cause.
    const failures = new Map<string, number>();
    const fail = (why: string) => {
      errors++;
      failures.set(why, (failures.get(why) ?? 0) + 1);
    };
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
              if (res.status >= 300) fail(`HTTP ${res.status}`);
            })
            .catch((err: Error) => fail((err.cause as Error | undefined)?.message ?? err.message)),
        );
      }
      await sleep(10);
    }
    await Promise.all(inFlight);
    const shed = await shedTotals(stack.apiUrl);
    for (const [reason, n] of shed) shed.set(reason, n - (shedBefore.get(reason) ?? 0));
    if ([...shed.values()].some((n) => n > 0))
      log(
        `the API refused ${[...shed].map(([reason, n]) => `${n} (${reason})`).join(', ')} requests while paying (overload)`,
      );
    if (failures.size) log(`payer page failures: ${[...failures].map(([why, n]) => `${n}× ${why}`).join(', ')}`);
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
    if (missing)
      log(`${missing} of ${ids.length} paid payments reached no webhook (${callbacks.size} had a verified callback)`);
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

/** paygrid_http_shed_total by reason, from the API's /metrics (summed over its processes). */
async function shedTotals(apiUrl: string): Promise<Map<string, number>> {
  const res = await fetch(`${apiUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const totals = new Map<string, number>();
  if (res.status !== 200) log(`/metrics answered ${res.status}: what the API shed is not known`);
  for (const m of (await res.text()).matchAll(/^paygrid_http_shed_total\{reason="([a-z_]+)"\} (\d+)/gm))
    totals.set(m[1], Number(m[2]));
  return totals;
}
