import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PaygridClient } from '@paygrid/sdk';
import { http, waitFor } from '../utils/http';
import { TEST_ADMIN_TOKEN, freePort } from '../utils/test-app';
import { TestDatabase, createTestDatabase } from '../utils/test-db';

const ROOT = join(__dirname, '..', '..');

/** fetch over a new connection each time, so node:cluster's round-robin spreads the requests over the processes. */
const freshConnectionFetch: typeof fetch = (input, init) =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string> = { connection: 'close' };
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const req = request(String(input), { method: init?.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 500;
        resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers: h }));
      });
    });
    req.on('error', reject);
    if (init?.body) req.write(init.body as string);
    req.end();
  });

function metricValue(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels}`) && !l.startsWith('#'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

/**
 * `PAYGRID_API_PROCESSES=2` as an operator runs it: a cluster primary and two
 * HTTP processes on one port.
 */
describe('API processes in a cluster (e2e)', () => {
  let db: TestDatabase;
  let proc: ChildProcess;
  let baseUrl: string;
  let out = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', // a loaded CI machine is not an overloaded app
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        DATABASE_MIGRATIONS_RUN: 'false',
        DATABASE_POOL_SIZE: '4',
        PORT: String(port),
        HOST: '127.0.0.1',
        PAYGRID_API_PROCESSES: '2',
        // HTTP only: the primary supervises (role `all` would also boot the workers in it).
        PAYGRID_ROLE: 'api',
        PAYGRID_DATA_DIR: mkdtempSync(join(tmpdir(), 'paygrid-cluster-')),
        PAYGRID_DATA_KEYS: `c1:${randomBytes(32).toString('base64')}`,
        PAYGRID_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        PAYGRID_DEMO_SEED: 'false',
        RATE_LIMIT_PER_MINUTE: '10',
        LOG_LEVEL: 'warn',
      },
    });
    proc.stdout!.on('data', (d) => (out += d.toString()));
    proc.stderr!.on('data', (d) => (out += d.toString()));
    await waitFor(async () => out.includes('2 API processes'), { timeoutMs: 170_000, what: 'cluster up' });
  }, 180_000);

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    await db.drop();
  });

  it('/metrics sums the requests of every process, whichever process answers the scrape', async () => {
    const n = 20;
    for (let i = 0; i < n; i++) {
      const res = await freshConnectionFetch(`${baseUrl}/health/live`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    // Several scrapes, each on its own connection (so they land on both processes), all see the same sum.
    for (let i = 0; i < 4; i++) {
      const scrape = await freshConnectionFetch(`${baseUrl}/metrics`);
      const text = await scrape.text();
      expect(metricValue(text, 'paygrid_processes')).toBe(2);
      expect(metricValue(text, 'paygrid_http_requests_total', '{method="GET",route="/health/live",status="200"}')).toBe(
        n,
      );
    }
  });

  /** A merchant with an app and an HMAC key, and a client whose every request opens a new connection. */
  async function onboard(name: string) {
    const m = await http('POST', `${baseUrl}/admin/v1/merchants`, { token: TEST_ADMIN_TOKEN, body: { name } });
    const a = await http('POST', `${baseUrl}/admin/v1/merchants/${m.body.id}/apps`, {
      token: TEST_ADMIN_TOKEN,
      body: { name: `${name} app`, channels: ['card'] },
    });
    const k = await http('POST', `${baseUrl}/admin/v1/apps/${a.body.id}/keys`, {
      token: TEST_ADMIN_TOKEN,
      body: { type: 'hmac' },
    });
    const client = new PaygridClient({
      baseUrl,
      appId: a.body.id,
      keyId: k.body.id,
      secret: k.body.secret,
      maxRetries: 0,
      fetch: freshConnectionFetch,
    });
    return { merchantId: m.body.id as string, appId: a.body.id as string, keyId: k.body.id as string, client };
  }

  /**
   * Pings on new connections until `inARow` consecutive answers are `status` with `code`: node:cluster hands
   * connections to the processes in turn, so four in a row cover both. Every other answer must be a 200 (the
   * process had not heard yet). Returns the milliseconds from `since`; fails after 5 s.
   */
  async function msUntilAllRefuse(client: PaygridClient, status: number, code: string, since: number) {
    const inARow = 4;
    let refused = 0;
    while (refused < inARow) {
      const res = await client.request<any>('GET', '/v1/ping');
      if (res.status === status) {
        expect(res.body.error.code).toBe(code);
        refused++;
      } else {
        expect(res.status).toBe(200);
        refused = 0;
      }
      if (Date.now() - since > 5000) throw new Error(`a process still answers ${res.status} 5 s after the change`);
    }
    return Date.now() - since;
  }

  it('a key revoked through the admin API is refused by every process within 1 s', async () => {
    const m = await onboard('Revoked in a cluster');
    // Both processes read the key (and keep it: their listeners are up once the cluster is).
    for (let i = 0; i < 4; i++) expect((await m.client.request('GET', '/v1/ping')).status).toBe(200);

    const since = Date.now();
    const revoked = await http('DELETE', `${baseUrl}/admin/v1/apps/${m.appId}/keys/${m.keyId}`, {
      token: TEST_ADMIN_TOKEN,
    });
    expect(revoked.status).toBeLessThan(300);
    expect(await msUntilAllRefuse(m.client, 401, 'key_revoked', since)).toBeLessThan(1000);
  });

  it('a merchant suspended through the admin API is refused by every process within 1 s', async () => {
    const m = await onboard('Suspended in a cluster');
    for (let i = 0; i < 4; i++) expect((await m.client.request('GET', '/v1/ping')).status).toBe(200);

    const since = Date.now();
    const suspended = await http('POST', `${baseUrl}/admin/v1/merchants/${m.merchantId}/suspend`, {
      token: TEST_ADMIN_TOKEN,
    });
    expect(suspended.status).toBe(200);
    expect(await msUntilAllRefuse(m.client, 403, 'merchant_suspended', since)).toBeLessThan(1000);
  });

  it('holds the per-app rate limit across processes: 10 per minute in total, not 10 per process', async () => {
    const { client } = await onboard('RL');
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await client.request('GET', '/v1/ping')).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
  });
});
