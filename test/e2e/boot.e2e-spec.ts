import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestApp, freePort, startTestApp } from '../utils/test-app';
import { createTestDatabase } from '../utils/test-db';
import { http, waitFor } from '../utils/http';

const ROOT = resolve(__dirname, '../..');

describe('boot (e2e)', () => {
  it('refuses a bad configuration with a message naming the variable, and exits non-zero', () => {
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: 'eighty', PAYGRID_ADMIN_TOKEN: 'tiny', PAYGRID_DATA_DIR: '/nonexistent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('Invalid configuration');
    expect(run.stderr).toContain("PORT must be an integer, got 'eighty'");
    expect(run.stderr).toContain('PAYGRID_ADMIN_TOKEN must be at least 16 characters');
    expect(run.stderr).not.toContain('tiny');
  });

  it('a first dev boot with LOG_FORMAT=pretty: short lines, no JSON, no route mapping, one ready block with the credentials', async () => {
    const db = await createTestDatabase();
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'paygrid-pretty-'));
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        PORT: String(port),
        PAYGRID_DATA_DIR: dataDir,
        PAYGRID_DATA_KEYS: `boot:${randomBytes(32).toString('base64')}`,
        LOG_FORMAT: 'pretty',
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await waitFor(async () => out.includes('Press Ctrl-C to stop.'), { timeoutMs: 60_000, what: 'the ready block' });
      // A 4xx answer: one access line with the error code.
      expect((await http('GET', `${base}/v1/payments`)).status).toBe(401);
      await waitFor(async () => out.includes('GET /v1/payments 401 authorization_missing'), { what: 'the 401 line' });
    } finally {
      child.kill('SIGINT');
      await exited;
      await db.drop();
    }
    const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8'));
    const lines = out.split('\n');
    const start = lines.findIndex((l) => l.startsWith('Paygrid API listening on'));
    const block = lines.slice(start, lines.indexOf('Press Ctrl-C to stop.') + 1);
    expect(block).toEqual([
      `Paygrid API listening on ${base} — sandbox mode, role all (API + workers), 1 API process`,
      `  API          ${base}/v1   (contract: docs/api.md, openapi.json)`,
      `  Swagger UI   ${base}/docs`,
      `  Sandbox      ${base}/sandbox/…   (payer pages: a payment's next_action URL)`,
      `  Metrics      ${base}/metrics`,
      `  Health       ${base}/health/ready`,
      `  Sandbox demo merchant created (shown once; also saved to ${join(dataDir, 'demo-credentials.json')}):`,
      `    merchant      ${creds.merchant_id}`,
      `    app / key     ${creds.app_id} / ${creds.key_id}`,
      `    HMAC secret   ${creds.secret}`,
      `    admin token   ${creds.admin_token}`,
      '  Take a payment end to end with: npm run demo',
      'Press Ctrl-C to stop.',
    ]);
    // The secret appears in the block only, once.
    expect(out.split(creds.secret).length).toBe(2);
    const logLines = lines.filter((l) => /^\[\d\d:\d\d:\d\d\] [A-Z]+: /.test(l));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.every((l) => l.length < 240)).toBe(true);
    // No raw pino JSON, and Nest's bootstrap chatter is at debug, below the default level.
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(out).not.toMatch(/Mapped \{|RouterExplorer|RoutesResolver|InstanceLoader|dependencies initialized/);
    expect(out).not.toContain('"level":');
  }, 120_000);

  describe('with RabbitMQ unreachable', () => {
    let t: TestApp;
    beforeAll(async () => {
      // Port 1 on loopback: nothing listens, the connection is refused.
      t = await startTestApp({ AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' });
    });
    afterAll(() => t.close());

    it('still boots and serves, and /health/ready reports RabbitMQ down with 503', async () => {
      expect((await http('GET', `${t.baseUrl}/health/live`)).status).toBe(200);
      const ready = await http('GET', `${t.baseUrl}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body.error).toMatchObject({ type: 'api_error', code: 'service_unavailable' });
      expect(ready.body.error.details.rabbitmq.status).toBe('down');
      expect(ready.body.error.details.database.status).toBe('up');
    });
  });
});
