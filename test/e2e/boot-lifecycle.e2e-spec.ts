import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, TestDatabase } from '../utils/test-db';
import { freePort } from '../utils/test-app';
import { waitFor } from '../utils/http';

const ROOT = resolve(__dirname, '../..');

describe('boot and shutdown of npm start (e2e)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('listens on loopback in sandbox mode and says what it drained on Ctrl-C', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'paygrid-boot-'));
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        DATABASE_MIGRATIONS_RUN: 'false',
        PORT: String(port),
        PAYGRID_DATA_DIR: dataDir,
        PAYGRID_DEMO_SEED: 'false',
        LOG_LEVEL: 'warn',
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor(async () => out.includes('listening on'), { timeoutMs: 60_000, what: 'the listening line' });
    expect(out).toContain(`Paygrid API listening on http://127.0.0.1:${port}`);
    expect(out).toContain('sandbox mode');
    // HOST defaulted to 127.0.0.1: not reachable on another local address of the machine.
    const loopback = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(loopback.status).toBe(200);
    const other = await fetch(`http://127.0.0.2:${port}/health/live`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(other).toBe('refused');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/SIGINT: shutting down… \(\d+ open HTTP connection\(s\) to drain\)/);
    expect(out).toMatch(/done in \d+ ms \(HTTP server, workers, database pool and broker connections closed\)/);
  });

  it('as root in a private folder, says why the embedded PostgreSQL cannot start, without a stack trace', () => {
    if (process.getuid?.() !== 0) return expect(process.getuid?.()).not.toBe(0);
    const privateDir = mkdtempSync(join(tmpdir(), 'paygrid-private-'));
    chmodSync(privateDir, 0o700);
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PAYGRID_DATA_DIR: join(privateDir, 'data'), LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('cannot enter ' + privateDir);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
