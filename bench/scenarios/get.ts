import { Client } from 'pg';
import { runLoad, signed } from '../lib/http-load';
import { Scenario, perOp } from '../lib/scenario';
import { SETTINGS, log, wants } from '../lib/settings';
import type { Stack } from '../lib/stack';

/** Signed GET payment: autocannon `GET /v1/payments/:id` over the payments created before; compared with ceiling B. */
export const get: Scenario = {
  name: 'get',
  wanted: () => wants('get'),
  async run(ctx) {
    const { stack } = ctx;
    const ids = await paymentIdsByApp(stack);
    log(`signed GET payment, ${SETTINGS.connections} connections, ${SETTINGS.seconds} s`);
    let seq = 0;
    const m = await ctx.measure('get', () =>
      runLoad({
        baseUrl: stack.apiUrl,
        connections: SETTINGS.connections,
        seconds: SETTINGS.seconds,
        build: () => {
          const app = stack.apps[seq++ % stack.apps.length];
          const list = ids.get(app.appId)!;
          return signed(app, 'GET', `/v1/payments/${list[Math.floor(Math.random() * list.length)]}`);
        },
      }),
    );
    const echo = ctx.ceilings.echo;
    const r = m.value;
    const cost = perOp(m, r.requests);
    return [
      {
        scenario: 'signed GET payment',
        unit: 'req/s',
        throughput: r.throughput,
        p50: r.p50,
        p99: r.p99,
        errors: r.errors,
        ...cost,
        ceiling: echo,
        ceilingName: 'B',
        target: '≥ 60 % of B; ≤ 0.8 ms CPU',
        met: echo ? r.throughput >= 0.6 * echo && (cost.cpuMsPerOp ?? 99) <= 0.8 : undefined,
      },
    ];
  },
};

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
