import { PaygridClient } from '@paygrid/sdk';
import type { Client } from 'pg';
import { waitFor } from '../utils/http';
import { onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV } from '../utils/payments-kit';
import { viaProxy } from '../utils/tcp-proxy';
import { TcpProxyProcess } from '../utils/tcp-proxy-process';
import { TestApp, startTestApp } from '../utils/test-app';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';
import { ALL_ZERO } from './kit/invariants';
import { CreatePayLoad } from './kit/load';
import { lostAndDuplicated, paidButNotSucceeded, recoveredSeconds, settledInvariants, sleep } from './kit/scenario';
import { recordScenario } from './kit/summary';

const RATE = 8;
const CUT_MS = 3_000;
const PARTITION_MS = 4_000;

/**
 * Chaos scenario 2: PostgreSQL behind a TCP proxy (its own process) while merchants create and pay at a steady
 * rate. The proxy resets every connection and refuses new ones for a few seconds, then, after a normal stretch,
 * drops every packet (connections stay open, nothing flows) for a few seconds, then heals. Every 5xx meanwhile must
 * be a 503 with Retry-After; every create is retried with its Idempotency-Key until 201. After recovery nothing
 * accepted is missing or doubled, every paid payment succeeded once in the ledger, and nothing is left `creating`,
 * `in_progress` or unpublished.
 */
describe('chaos 2: PostgreSQL reset and partition during a create-and-pay load', () => {
  let db: TestDatabase;
  let proxy: TcpProxyProcess;
  let t: TestApp;
  let direct: Client;
  let client: PaygridClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = new TcpProxyProcess(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
    await proxy.start();
    t = await startTestApp(
      {
        ...FAST_SANDBOX_ENV,
        DATABASE_URL: viaProxy(db.url, proxy.port),
        // Production's shape, shortened: a dead connection fails in seconds, so the fault is seen as 503s.
        DATABASE_CONNECT_TIMEOUT_MS: '3000',
        DATABASE_QUERY_TIMEOUT_MS: '3000',
        DATABASE_STATEMENT_TIMEOUT_MS: '2500',
        RATE_LIMIT_PER_MINUTE: '100000',
        OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
        RESOLVER_CREATE_GRACE_MS: '5000',
      },
      { db },
    );
    const m = await onboardMerchant(t, { channels: ['alipay_qr'] });
    client = new PaygridClient({
      baseUrl: t.baseUrl,
      appId: m.appId,
      keyId: m.keyId,
      secret: m.secret,
      maxRetries: 0,
      timeoutMs: 8_000,
      verifyResponses: false,
    });
    // Read beside the proxy, so the checks work while the app's own path is cut.
    direct = await rawClient(db.url);
  });
  afterAll(async () => {
    await proxy?.heal().catch(() => undefined);
    await direct?.end();
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('loses nothing, doubles nothing and answers only 503 + Retry-After while the database is cut or partitioned', async () => {
    const load = new CreatePayLoad({ client, baseUrl: t.baseUrl, ratePerSecond: RATE, pay: true, label: 'pg' });
    load.start();
    await sleep(2_000);
    await proxy.cut();
    await sleep(CUT_MS);
    await proxy.restore();
    await sleep(3_000);
    await proxy.partition();
    await sleep(PARTITION_MS);
    await proxy.heal();
    const healAt = Date.now();
    await sleep(2_000);
    await load.finish(60_000);
    const runPrefix = load.orders[0].outTradeNo.replace(/\d+$/, '');

    // Every paid payment reaches succeeded (callbacks retried by the simulator, the resolver asks the provider).
    await waitFor(async () => (await paidButNotSucceeded(direct, load)).length === 0, {
      timeoutMs: 45_000,
      intervalMs: 200,
      what: 'every paid payment to succeed',
    }).catch(() => undefined);
    const inv = await settledInvariants(direct);
    const { lost, duplicated } = await lostAndDuplicated(direct, load, runPrefix);
    const stuck = await paidButNotSucceeded(direct, load);
    const fivexx = [...load.answers].filter(([s]) => /^5/.test(s));
    console.log(`chaos pg: answers ${JSON.stringify(Object.fromEntries(load.answers))}`);
    recordScenario({
      scenario: '2 PostgreSQL reset + partition',
      load: `${load.orders.length} create+pay at ${RATE}/s`,
      fault: `reset ${CUT_MS / 1000} s, drop ${PARTITION_MS / 1000} s`,
      accepted: load.accepted().length,
      lost: lost + (load.orders.length - load.accepted().length),
      duplicated: duplicated + inv.duplicatedPostings,
      recovered_s: recoveredSeconds(load, healAt),
    });

    expect(load.violations).toEqual([]);
    // The fault was felt: some creates met it (a 503 or no answer), and all of those were retried to 201.
    expect(fivexx.length + (load.answers.get('none') ?? 0)).toBeGreaterThan(0);
    expect(load.accepted().length).toBe(load.orders.length);
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(stuck).toEqual([]);
    expect(inv).toEqual(ALL_ZERO);
  });
});
