import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { http, waitFor } from '../utils/http';
import { deleteNamespace } from '../utils/events-kit';
import { freePort } from '../utils/test-app';
import { TestDatabase, createTestDatabase } from '../utils/test-db';

const ROOT = resolve(__dirname, '../..');

/**
 * The newcomer path as CI sees it: a freshly started instance (its own
 * process, first boot, no admin token configured) seeds the demo merchant
 * and writes its credentials; `npm run demo`'s script then runs against it and
 * each step's outcome is checked, not just the exit code.
 */
describe('npm run demo against a freshly started instance (e2e)', () => {
  let db: TestDatabase;
  let proc: ChildProcess;
  let out = '';
  let dataDir: string;
  let baseUrl: string;
  const namespace = `demo${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'paygrid-demo-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', // a loaded CI machine is not an overloaded app
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        PAYGRID_DATA_DIR: dataDir,
        PAYGRID_DATA_KEYS: `demo:${randomBytes(32).toString('base64')}`,
        LOG_LEVEL: 'warn',
        ...(process.env.AMQP_URL ? { AMQP_URL: process.env.AMQP_URL, EVENTS_NAMESPACE: namespace } : {}),
      },
    });
    proc.stdout!.on('data', (d) => (out += d.toString()));
    proc.stderr!.on('data', (d) => (out += d.toString()));
    await waitFor(
      () =>
        http('GET', `${baseUrl}/health/ready`)
          .then((r) => r.status === 200)
          .catch(() => false),
      { timeoutMs: 60_000, what: 'server ready' },
    );
    await waitFor(async () => existsSync(join(dataDir, 'demo-credentials.json')), { what: 'demo credentials' });
  }, 90_000);

  afterAll(async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    await db.drop();
    if (process.env.AMQP_URL) await deleteNamespace(namespace);
  });

  it('prints the demo credentials once on first start, in a file only the owner can read', () => {
    const file = join(dataDir, 'demo-credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(readFileSync(file, 'utf8'));
    expect(creds).toMatchObject({
      merchant_id: expect.stringMatching(/^mch_/),
      app_id: expect.stringMatching(/^app_/),
      secret: expect.stringMatching(/^sk_/),
      admin_token: expect.stringMatching(/^pgat_/),
    });
    expect(out).toContain('Sandbox demo merchant created');
    expect(out).toContain(creds.secret);
  });

  it('takes a payment end to end and shows webhook, refund, balance, ledger, settlement and payout', async () => {
    const webhookPort = await freePort();
    const run = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', 'scripts/demo.ts', `--webhook-port=${webhookPort}`],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          PAYGRID_DATA_DIR: dataDir,
          ...(process.env.AMQP_URL ? { AMQP_URL: process.env.AMQP_URL, EVENTS_NAMESPACE: namespace } : {}),
        },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const line = run.stdout.split('\n').find((l) => l.startsWith('DEMO RESULT '));
    const result = JSON.parse(line!.slice('DEMO RESULT '.length));
    expect(result.payment).toEqual({ id: expect.stringMatching(/^pay_/), status: 'succeeded', fee: 60 });
    expect(result.refund).toEqual({ id: expect.stringMatching(/^re_/), status: 'succeeded' });
    expect(result.webhooks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'payment.succeeded', verified: true }),
        expect.objectContaining({ type: 'refund.succeeded', verified: true }),
        expect.objectContaining({ type: 'split.succeeded', verified: true }),
      ]),
    );
    expect(result.webhooks.every((w: { verified: boolean }) => w.verified)).toBe(true);
    expect(result.ledger_entries).toEqual(['payment.captured', 'refund.succeeded']);
    // 10000 paid − 60 fee, then 3000 refunded with 18 of the fee returned: 6958 owed to the merchant before settlement.
    expect(result.settlement).toEqual({ id: expect.stringMatching(/^stl_/) });
    expect(result.payout).toEqual({ id: expect.stringMatching(/^po_/), status: 'paid' });
    expect(result.checkout).toEqual({
      id: expect.stringMatching(/^cs_/),
      status: 'complete',
      payment_id: expect.stringMatching(/^pay_/),
      return_verified: true,
    });
    expect(result.split).toEqual({ id: expect.stringMatching(/^spl_/), status: 'succeeded', amount: 2000 });
    // Its receiver listened on the port asked for, and the app no longer points at it once the demo is over.
    expect(run.stdout).toContain(`webhooks to http://127.0.0.1:${webhookPort}/paygrid/webhooks`);
    const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8'));
    const app = await http('GET', `${baseUrl}/admin/v1/apps/${result.app_id}`, { token: creds.admin_token });
    expect(app.status).toBe(200);
    expect(app.body.webhook_url).toBeNull();
    if (process.env.AMQP_URL)
      expect(result.rabbitmq).toEqual(expect.arrayContaining(['payment.succeeded', 'refund.succeeded']));
    for (const text of [
      '[1] Merchant app',
      '[3] The payer pays',
      '[6] Settle',
      '[7] A checkout session',
      'signature verified',
    ])
      expect(run.stdout).toContain(text);
  });

  it('refuses an unknown option or a bad port, and creates nothing', async () => {
    const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8'));
    // "Creates nothing": no new app. Ids only, as an earlier demo run's clean-up may still touch its own app's row.
    const apps = async () =>
      (
        (await http('GET', `${baseUrl}/admin/v1/merchants/${creds.merchant_id}/apps`, { token: creds.admin_token }))
          .body as { id: string }[]
      )
        .map((a) => a.id)
        .sort();
    const before = await apps();
    expect(before.length).toBeGreaterThan(0);
    for (const args of [['--webhook-port=http'], ['--webhook-prt=4000'], ['--channel=nope']]) {
      const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'scripts/demo.ts', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, PAYGRID_DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^demo failed: /);
    }
    expect(await apps()).toEqual(before);
  });
});
