import { runRawSqlCeiling } from '../raw-sql';
import type { Scenario } from '../lib/scenario';
import { SETTINGS, log, wants } from '../lib/settings';

/** Ceiling A: the rows of a create written in raw SQL from a `pg` pool, one transaction each (bench/raw-sql.ts). */
export const ceilingRawSql: Scenario = {
  name: 'raw',
  wanted: () => wants('create'),
  async run(ctx) {
    log(`ceiling A: raw SQL create rows, ${SETTINGS.connections} concurrent, ${SETTINGS.seconds} s`);
    const { value: raw } = await ctx.measure('raw', () =>
      runRawSqlCeiling({
        url: ctx.stack.dbUrl,
        merchantId: ctx.stack.apps[0].merchantId,
        appId: ctx.stack.apps[0].appId,
        concurrency: SETTINGS.connections,
        durationMs: SETTINGS.seconds * 1000,
      }),
    );
    ctx.ceilings.raw = raw.throughput;
    return [
      {
        scenario: `ceiling A: raw SQL create rows (pg, 1 tx, ${SETTINGS.connections} conc.)`,
        unit: 'tx/s',
        throughput: raw.throughput,
        p50: raw.p50,
        p99: raw.p99,
        errors: raw.errors,
      },
    ];
  },
};
