import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { PaygridClient } from '@paygrid/sdk';
import { http, waitFor } from '../utils/http';
import { freePort, TEST_ADMIN_TOKEN } from '../utils/test-app';
import { TestDatabase, createTestDatabase } from '../utils/test-db';

const PAN = '4242424242424242';
const CVC = '737';
const THREEDS_PAN = '4000000000003220';

/**
 * PCI (RELIABILITY S9): run the real server as a process with the most
 * verbose logs, take card payments (one with 3-D Secure, one refund), then
 * scan every table, every log line and every event payload for the card
 * numbers and the CVC.
 */
describe('card data never leaves the vault in clear (e2e, separate process)', () => {
  let db: TestDatabase;
  let proc: ChildProcess;
  let logs = '';
  let baseUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: resolve(__dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', // a loaded CI machine is not an overloaded app
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'trace',
        PAYGRID_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        PAYGRID_DATA_KEYS: `scan:${randomBytes(32).toString('base64')}`,
        SANDBOX_TIME_COMPRESSION: '10000',
        RESOLVER_POLL_MS: '50',
      },
    });
    proc.stdout!.on('data', (d) => (logs += d.toString()));
    proc.stderr!.on('data', (d) => (logs += d.toString()));
    await waitFor(
      () =>
        http('GET', `${baseUrl}/health/ready`)
          .then((r) => r.status === 200)
          .catch(() => false),
      { timeoutMs: 60_000, what: 'server ready' },
    );
  }, 90_000);

  afterAll(async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    await db.drop();
  });

  it('finds no card number and no CVC in the database, the logs or the events', async () => {
    const admin = (path: string, body: unknown) => http('POST', `${baseUrl}${path}`, { token: TEST_ADMIN_TOKEN, body });
    const merchant = (await admin('/admin/v1/merchants', { name: 'Scan' })).body;
    const app = (await admin(`/admin/v1/merchants/${merchant.id}/apps`, { name: 'Scan', channels: ['card'] })).body;
    const key = (await admin(`/admin/v1/apps/${app.id}/keys`, { type: 'hmac' })).body;
    const client = new PaygridClient({ baseUrl, appId: app.id, keyId: key.id, secret: key.secret, maxRetries: 0 });

    const paid = await client.post<any>('/v1/payments', {
      out_trade_no: 'scan-1',
      amount: 1200,
      currency: 'CNY',
      channel: 'card',
      subject: 'Scan',
      card: {
        encrypted: await client.encryptCard({
          number: PAN,
          exp_month: 12,
          exp_year: 2030,
          cvc: CVC,
          holder_name: 'Ada Lovelace',
        }),
      },
    });
    expect(paid.status).toBe('succeeded');
    await client.post('/v1/refunds', { payment_id: paid.id, out_refund_no: 'scan-r1', amount: 200 });
    const challenged = await client.post<any>('/v1/payments', {
      out_trade_no: 'scan-2',
      amount: 800,
      currency: 'CNY',
      channel: 'card',
      subject: 'Scan 3DS',
      card: { encrypted: await client.encryptCard({ number: THREEDS_PAN, exp_month: 11, exp_year: 2031, cvc: CVC }) },
    });
    await fetch(challenged.next_action.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'success' }),
    });
    await waitFor(async () => (await client.get<any>(`/v1/payments/${challenged.id}`)).status === 'succeeded', {
      what: '3DS payment',
    });
    // Let the outbox relay and any webhook attempts run, then look at everything.
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      await waitFor(
        async () =>
          (await pg.query('SELECT count(*)::int AS n FROM events WHERE published_at IS NULL')).rows[0].n === 0,
        { what: 'events relayed' },
      );
      const tables = (await pg.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).rows.map(
        (r) => r.tablename as string,
      );
      expect(tables).toEqual(
        expect.arrayContaining(['payments', 'card_tokens', 'events', 'provider_callbacks', 'idempotency_keys']),
      );
      let dump = '';
      for (const table of tables) {
        const { rows } = await pg.query(`SELECT t::text AS row FROM "${table}" t`);
        dump += rows.map((r) => r.row).join('\n');
      }
      expect(dump.length).toBeGreaterThan(1000);
      for (const secret of [PAN, THREEDS_PAN, PAN.slice(0, 12), '4242 4242', 'Ada Lovelace'])
        expect(dump).not.toContain(secret);
      expect(dump).not.toMatch(new RegExp(`"cvc"\\s*:\\s*"?${CVC}`));
      const events = (await pg.query('SELECT object::text AS o FROM events')).rows.map((r) => r.o).join('\n');
      expect(events).toContain('"last4": "4242"');
      expect(events).not.toContain(PAN);
      // No CVC field at all (a bare /cvc/ also matched random ids such as tok_…jcvcz…).
      expect(events).not.toMatch(/"cv[cv]2?"\s*:/i);
    } finally {
      await pg.end();
    }
    expect(logs.length).toBeGreaterThan(500);
    for (const secret of [PAN, THREEDS_PAN, key.secret, TEST_ADMIN_TOKEN]) expect(logs).not.toContain(secret);
    // A 3-digit CVC can occur by chance inside ids and timestamps, so look for it where it would be labelled.
    expect(logs).not.toMatch(new RegExp(`cvc\\W{0,6}${CVC}`, 'i'));
  });
});
