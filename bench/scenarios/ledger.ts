import { runLedgerBench } from '../ledger.bench';
import type { Scenario } from '../lib/scenario';
import { log, wants } from '../lib/settings';
import { workerIdle } from './relay';

/**
 * Ledger postings (bench/ledger.bench.ts, its own database, in the bench process): payment entries on the shared
 * platform accounts, against entries on accounts no other worker touches, and against the broker.
 */
export const ledger: Scenario = {
  name: 'ledger',
  wanted: () => wants('ledger'),
  async run(ctx) {
    // The relay's events are still going through the worker's webhook consumer: let it finish,
    // so the ledger figure is not the ledger sharing the machine with that backlog.
    if (wants('relay')) await workerIdle(ctx.stack);
    log('ledger postings (bench/ledger.bench.ts, its own database)');
    const { value: results } = await ctx.measure('ledger', () => runLedgerBench(ctx.stack.adminUrl));
    ctx.extra.ledger = results;
    const shared = Math.max(
      ...results.filter((r) => r.scenario.includes('shared platform accounts')).map((r) => r.postingsPerSec),
    );
    const isolated = Math.max(...results.filter((r) => r.scenario.includes('no shared')).map((r) => r.postingsPerSec));
    return [
      {
        scenario: 'ledger postings, payment entries on shared platform accounts',
        unit: 'postings/s',
        throughput: shared,
        ceiling: isolated,
        ceilingName: 'no hot rows',
        target: '≥ 3,000/s',
        met: shared >= 3000,
      },
      {
        scenario: 'ledger postings, ledger vs broker',
        unit: 'postings/s',
        throughput: shared,
        ceiling: ctx.ceilings.mq,
        ceilingName: 'MQ',
      },
    ];
  },
};
