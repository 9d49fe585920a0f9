import { BenchApp, runLoad, signed } from '../lib/http-load';
import { Scenario, perOp } from '../lib/scenario';
import { SETTINGS, log, wants } from '../lib/settings';

/**
 * Signed create-payment: autocannon `POST /v1/payments`, each request signed with a fresh nonce, a fresh
 * `out_trade_no` and `Idempotency-Key`; compared with ceiling A. It also makes the payments the GET and paid
 * scenarios use (a 5 s run when only those are asked for).
 */
export const create: Scenario = {
  name: 'create',
  wanted: () => wants('create') || wants('paid') || wants('get'),
  async run(ctx) {
    const { stack, runId } = ctx;
    const seconds = wants('create') ? SETTINGS.seconds : 5;
    log(`signed create-payment (${SETTINGS.channel}), ${SETTINGS.connections} connections, ${seconds} s`);
    let seq = 0;
    const m = await ctx.measure('create', () =>
      runLoad({
        baseUrl: stack.apiUrl,
        connections: SETTINGS.connections,
        seconds,
        build: () => createRequest(stack.apps[seq % stack.apps.length], `${runId}c${seq++}`),
      }),
    );
    if (!wants('create')) return [];
    const raw = ctx.ceilings.raw;
    const r = m.value;
    return [
      {
        scenario: `signed create-payment (${SETTINGS.channel})`,
        unit: 'req/s',
        throughput: r.throughput,
        p50: r.p50,
        p99: r.p99,
        errors: r.errors,
        ...perOp(m, r.requests),
        ceiling: raw,
        ceilingName: 'A',
        target: '≥ 15 % of A, p99 ≤ 100 ms; ≤ 3 ms CPU',
        met: raw
          ? r.throughput >= 0.15 * raw && r.p99 <= 100 && (perOp(m, r.requests).cpuMsPerOp ?? 99) <= 3
          : undefined,
      },
    ];
  },
};

export function createRequest(app: BenchApp, n: string) {
  const body = JSON.stringify({
    out_trade_no: `b${n}`,
    amount: 1000,
    currency: 'CNY',
    channel: SETTINGS.channel,
    subject: 'Bench order',
    metadata: { order_ref: n },
  });
  return signed(app, 'POST', '/v1/payments', body, { 'idempotency-key': `idem-${n}` });
}
