import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PaygridClient } from '@paygrid/sdk';
import { Client } from 'pg';
import { http, waitFor } from '../utils/http';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, pay, trialBalanceIsZero, waitForStatus } from '../utils/payments-kit';
import { TcpProxy } from '../utils/tcp-proxy';
import { TEST_ADMIN_TOKEN, TestApp, freePort, startTestApp } from '../utils/test-app';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

// Long enough that the retries below come first; the orphans show what happens after it.
const GRACE_MS = 10_000;

/** An API process of its own (src/main.ts, role api) on the test's database, calling the simulators at `sandboxUrl`. */
function spawnApi(t: TestApp, port: number, dataKeys: string, sandboxUrl: string): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PAYGRID_ROLE: 'api',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', // a loaded CI machine is not an overloaded app
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: t.db.url,
    DATABASE_MIGRATIONS_RUN: 'false',
    PAYGRID_DATA_DIR: t.config.dataDir,
    PAYGRID_DATA_KEYS: dataKeys,
    PAYGRID_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    PAYGRID_DEMO_SEED: 'false',
    SANDBOX_URL: sandboxUrl,
    // Behind one public address, as API processes behind a load balancer are: callbacks reach whoever is alive.
    PUBLIC_BASE_URL: t.baseUrl,
    // Long enough that a create the partition holds is still waiting on the provider when the process dies.
    PROVIDER_TIMEOUT_MS: '60000',
    RESOLVER_CREATE_GRACE_MS: String(GRACE_MS),
  };
  delete env.AMQP_URL;
  return spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: `${__dirname}/../..`,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Issue 16, defect 8: SIGKILL an API process while its creates wait on the
 * provider (each INSERTed, provider state `creating`), then retry every
 * unanswered create with its Idempotency-Key and body. The killed process's
 * keys are free at once (its liveness session is gone), the retries complete
 * the original payments (201, the same payment, payable), nothing is
 * duplicated; creates nobody retries are finished by the resolver after the
 * grace: re-sent when the row suffices, closed when it does not.
 */
describe('hardening: an API crash between the INSERT and the provider call (e2e)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let m: OnboardedMerchant;
  let sandboxProxy: TcpProxy;
  let child: ChildProcess | undefined;
  let direct: Client;
  const dataKeys = `t1:${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(
      { ...FAST_SANDBOX_ENV, PAYGRID_DATA_KEYS: dataKeys, RESOLVER_CREATE_GRACE_MS: String(GRACE_MS) },
      { db },
    );
    m = await onboardMerchant(t, { channels: ['alipay_qr', 'wechat_native', 'wechat_h5'] });
    direct = await rawClient(db.url);
    sandboxProxy = new TcpProxy(Number(new URL(t.baseUrl).port));
    await sandboxProxy.start();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await direct?.end();
    await sandboxProxy?.close();
    await t?.close();
  });

  it('lets every unanswered create be retried to 201 with a payable payment, and finishes the rest', async () => {
    const port = await freePort();
    child = spawnApi(t, port, dataKeys, `http://127.0.0.1:${sandboxProxy.port}`);
    const childUrl = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await http('GET', `${childUrl}/health/live`).catch(() => undefined))?.status === 200, {
      timeoutMs: 60_000,
      what: 'the API process to listen',
    });
    const viaChild = new PaygridClient({
      baseUrl: childUrl,
      appId: m.appId,
      keyId: m.keyId,
      secret: m.secret,
      maxRetries: 0,
    });
    const run = randomBytes(3).toString('hex');
    const body = (i: number, channel = i % 3 === 0 ? 'wechat_native' : 'alipay_qr') => ({
      out_trade_no: `crash${run}${i}`,
      amount: 100 + i,
      currency: 'CNY',
      channel,
      subject: `crash ${i}`,
      ...(channel === 'wechat_h5' ? { payer: { ip: '203.0.113.7' } } : {}),
    });

    // Load that gets through, then the provider path goes silent and creates pile up waiting on it.
    for (let i = 0; i < 6; i++) {
      const p = await viaChild.createPayment(body(i) as never, { idempotencyKey: `k-${run}-${i}` });
      expect(p.next_action).toBeTruthy();
    }
    sandboxProxy.partition();
    const inFlight = Array.from({ length: 12 }, (_, j) => 6 + j);
    const answers = new Map<number, number | 'none'>();
    const sent = inFlight.map((i) =>
      viaChild
        .request('POST', '/v1/payments', { body: body(i), idempotencyKey: `k-${run}-${i}` })
        .then((r) => answers.set(i, r.status))
        .catch(() => answers.set(i, 'none')),
    );
    // Two more nobody will retry: one the resolver can re-send from its row, one it cannot (wechat_h5 needs the IP).
    const orphans = [
      { i: 100, body: body(100, 'alipay_qr') },
      { i: 101, body: body(101, 'wechat_h5') },
    ];
    for (const o of orphans)
      sent.push(
        viaChild
          .request('POST', '/v1/payments', { body: o.body, idempotencyKey: `k-${run}-${o.i}` })
          .then((r) => answers.set(o.i, r.status))
          .catch(() => answers.set(o.i, 'none')),
      );
    await waitFor(
      async () =>
        Number(
          (
            await direct.query(
              `SELECT count(*)::int AS n FROM payments WHERE out_trade_no LIKE $1 AND provider_state = 'creating'`,
              [`crash${run}%`],
            )
          ).rows[0].n,
        ) === 14,
      { timeoutMs: 30_000, what: 'every in-flight create to be inserted and waiting on the provider' },
    );
    const holders: string[] = (
      await direct.query(
        `SELECT DISTINCT holder FROM idempotency_keys WHERE app_id = $1 AND status = 'in_progress' AND holder IS NOT NULL`,
        [m.appId],
      )
    ).rows.map((r) => r.holder);
    expect(holders).toHaveLength(1);

    const killedAt = Date.now();
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;
    await Promise.all(sent);
    // The process died: nobody got an answer.
    expect([...answers.values()].every((a) => a === 'none')).toBe(true);
    // Whatever the partition held reaches the provider now, as retransmission would: some creates the provider saw.
    sandboxProxy.heal();

    // Known gone: the killed process's liveness session left PostgreSQL with it.
    await waitFor(
      async () =>
        Number(
          (
            await direct.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [
              `paygrid-live:${holders[0]}`,
            ])
          ).rows[0].n,
        ) === 0,
      { timeoutMs: 5_000, what: 'the killed process to leave pg_stat_activity' },
    );

    // Still as the crash left them: what follows is the retries' work, not the resolver's.
    expect(
      Number(
        (
          await direct.query(
            `SELECT count(*)::int AS n FROM payments WHERE out_trade_no LIKE $1 AND provider_state = 'creating'`,
            [`crash${run}%`],
          )
        ).rows[0].n,
      ),
    ).toBe(14);

    // Retry every unanswered create (not the orphans) once, same key, same body, on the surviving API.
    const retried = await Promise.all(
      inFlight.map(async (i) => ({
        i,
        res: await m.client.request<any>('POST', '/v1/payments', { body: body(i), idempotencyKey: `k-${run}-${i}` }),
      })),
    );
    const recoveredS = (Date.now() - killedAt) / 1000;
    for (const { i, res } of retried) {
      expect({ i, status: res.status, code: res.body?.error?.code }).toEqual({ i, status: 201, code: undefined });
      expect(res.body.status).toBe('pending');
      expect(res.body.next_action).toBeTruthy();
      const rows = await direct.query(
        `SELECT id, provider_state FROM payments WHERE app_id = $1 AND out_trade_no = $2`,
        [m.appId, body(i).out_trade_no],
      );
      expect(rows.rows).toEqual([{ id: res.body.id, provider_state: 'created' }]);
    }
    // Well before the 15 s lease would have freed the keys.
    expect(recoveredS).toBeLessThan(12);

    // A retry now replays the stored outcome: the same payment.
    const again = await m.client.request<any>('POST', '/v1/payments', {
      body: body(6),
      idempotencyKey: `k-${run}-6`,
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(retried[0].res.body.id);

    // Payable: the payer pays each one, and each succeeds exactly once.
    for (const { res } of retried) {
      expect(await pay(t.baseUrl, res.body)).toBeLessThan(300);
      await waitForStatus(m.client, res.body.id, 'succeeded');
    }

    // The orphans: after the grace the resolver re-sends the one it can and closes the one it cannot.
    const orphanRow = async (i: number) =>
      (
        await direct.query(
          `SELECT status, provider_state, next_action FROM payments WHERE app_id = $1 AND out_trade_no = $2`,
          [m.appId, body(i).out_trade_no],
        )
      ).rows[0];
    const resent = await waitFor(
      async () => {
        const r = await orphanRow(100);
        return r.provider_state === 'created' ? r : undefined;
      },
      { timeoutMs: GRACE_MS + 20_000, what: 'the resolver to re-send the alipay_qr create' },
    );
    expect(resent.status).toBe('pending');
    expect(resent.next_action).toBeTruthy();
    const closed = await waitFor(
      async () => {
        const r = await orphanRow(101);
        return r.status === 'closed' ? r : undefined;
      },
      { timeoutMs: GRACE_MS + 20_000, what: 'the resolver to close the wechat_h5 create' },
    );
    expect(closed.next_action).toBeNull();

    const n = async (sql: string, params: unknown[]) => Number((await direct.query(sql, params)).rows[0].n);
    expect(
      await n(`SELECT count(*)::int AS n FROM payments WHERE app_id = $1 AND provider_state = 'creating'`, [m.appId]),
    ).toBe(0);
    expect(
      await n(`SELECT count(*)::int AS n FROM payments WHERE app_id = $1 AND out_trade_no LIKE $2`, [
        m.appId,
        `crash${run}%`,
      ]),
    ).toBe(20);
    // One capture journal per paid payment, no double posting.
    expect(
      await n(
        `SELECT count(*)::int AS n FROM (SELECT reference_id FROM ledger_entries WHERE reference_id = ANY($1)
           GROUP BY reference_id HAVING count(*) > 1) d`,
        [retried.map((r) => r.res.body.id)],
      ),
    ).toBe(0);
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
  });
});
