import { PaygridClient } from '@paygrid/sdk';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { loadConfig } from '../../src/config/config';
import type { SimulatorServer } from '../../src/modules/sandbox/sandbox-http-server';
import { startSandboxProcess } from '../../src/modules/sandbox/sandbox-process';
import { waitFor } from '../utils/http';
import { onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV } from '../utils/payments-kit';
import { TEST_ADMIN_TOKEN, TestApp, freePort } from '../utils/test-app';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';
import { ALL_ZERO } from './kit/invariants';
import { CreatePayLoad } from './kit/load';
import { PaygridProcess } from './kit/processes';
import { lostAndDuplicated, paidButNotSucceeded, recoveredSeconds, settledInvariants, sleep } from './kit/scenario';
import { recordScenario } from './kit/summary';

const RATE = 6;

/**
 * Chaos scenario 4: the API and the worker as real processes (src/main.ts role api, src/worker.ts), the simulators
 * in a process of their own (as providers are other people's servers), under the create-and-pay load. The worker is
 * SIGKILLed and started again, then the API: creates in flight die between INSERT and answer, callbacks meet a
 * closed port. Every unanswered create is retried with its key until 201; afterwards the same invariants hold.
 */
describe('chaos 4: SIGKILL of the worker and of the API during a create-and-pay load', () => {
  let db: TestDatabase;
  let sandbox: SimulatorServer;
  let api: PaygridProcess;
  let worker: PaygridProcess;
  let direct: Client;
  let client: PaygridClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Picked by the OS: a fixed port may be some client socket's ephemeral port at that moment.
    const API_PORT = await freePort();
    const SANDBOX_PORT = await freePort();
    const env: Record<string, string> = {
      ...FAST_SANDBOX_ENV,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PAYGRID_MODE: 'sandbox',
      DATABASE_URL: db.url,
      DATABASE_MIGRATIONS_RUN: 'false',
      DATABASE_POOL_SIZE: '10',
      PAYGRID_DATA_DIR: mkdtempSync(join(tmpdir(), 'paygrid-chaos-')),
      PAYGRID_DATA_KEYS: `c1:${randomBytes(32).toString('base64')}`,
      PAYGRID_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      PAYGRID_DEMO_SEED: 'false',
      SANDBOX_URL: `http://127.0.0.1:${SANDBOX_PORT}`,
      PUBLIC_BASE_URL: `http://127.0.0.1:${API_PORT}`,
      RATE_LIMIT_PER_MINUTE: '100000',
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
      RESOLVER_CREATE_GRACE_MS: '5000',
      IP_RATE_LIMIT_CALLBACKS_PER_MINUTE: '0',
      IP_RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
      IP_RATE_LIMIT_ADMIN_PER_MINUTE: '0',
    };
    sandbox = await startSandboxProcess(loadConfig({ ...env, SANDBOX_PORT: String(SANDBOX_PORT) }));
    api = new PaygridProcess('api', env, API_PORT);
    worker = new PaygridProcess('worker', env);
    await Promise.all([api.start(), worker.start()]);
    // onboardMerchant only needs the base URL of an app to call.
    const m = await onboardMerchant({ baseUrl: api.url } as TestApp, { channels: ['alipay_qr'] });
    client = new PaygridClient({
      baseUrl: api.url,
      appId: m.appId,
      keyId: m.keyId,
      secret: m.secret,
      maxRetries: 0,
      timeoutMs: 8_000,
      verifyResponses: false,
    });
    direct = await rawClient(db.url);
  }, 180_000);
  afterAll(async () => {
    await api?.kill();
    await worker?.kill();
    await direct?.end();
    await sandbox?.close();
    await db?.drop();
  });

  it('loses nothing and doubles nothing when the worker and then the API are SIGKILLed mid-load', async () => {
    const load = new CreatePayLoad({ client, baseUrl: api.url, ratePerSecond: RATE, pay: true, label: 'kill' });
    load.start();
    await sleep(2_000);
    await worker.kill();
    await sleep(1_000);
    const workerDownFor = Date.now();
    await worker.start();
    const workerRestartS = (Date.now() - workerDownFor) / 1000;
    await sleep(2_000);
    await api.kill();
    const apiKilledAt = Date.now();
    await api.start();
    const healAt = Date.now();
    console.log(
      `chaos kill: worker back in ${workerRestartS.toFixed(1)} s, API back in ${((healAt - apiKilledAt) / 1000).toFixed(1)} s`,
    );
    await sleep(2_000);
    await load.finish(60_000);
    const runPrefix = load.orders[0].outTradeNo.replace(/\d+$/, '');

    await waitFor(async () => (await paidButNotSucceeded(direct, load)).length === 0, {
      timeoutMs: 45_000,
      intervalMs: 200,
      what: 'every paid payment to succeed',
    }).catch(() => undefined);
    const inv = await settledInvariants(direct);
    const { lost, duplicated } = await lostAndDuplicated(direct, load, runPrefix);
    const stuck = await paidButNotSucceeded(direct, load);
    console.log(`chaos kill: answers ${JSON.stringify(Object.fromEntries(load.answers))}`);
    recordScenario({
      scenario: '4 SIGKILL worker, then API',
      load: `${load.orders.length} create+pay at ${RATE}/s`,
      fault: `SIGKILL: worker down ${workerRestartS.toFixed(0)} s, API down ${((healAt - apiKilledAt) / 1000).toFixed(0)} s`,
      accepted: load.accepted().length,
      lost: lost + (load.orders.length - load.accepted().length),
      duplicated: duplicated + inv.duplicatedPostings,
      recovered_s: recoveredSeconds(load, healAt),
    });

    expect(load.violations).toEqual([]);
    // The API's death was felt: some creates got no answer and were retried.
    expect(load.answers.get('none') ?? 0).toBeGreaterThan(0);
    expect(load.accepted().length).toBe(load.orders.length);
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(stuck).toEqual([]);
    expect(inv).toEqual(ALL_ZERO);
  });
});
