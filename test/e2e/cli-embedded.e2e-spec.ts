import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '../utils/http';
import { freePort } from '../utils/test-app';

const ROOT = resolve(__dirname, '../..');

const listening = (port: number) =>
  new Promise<boolean>((r) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
  });

/**
 * The CLI next to a running `npm start` with no DATABASE_URL (issue 20): it finds that instance's embedded
 * PostgreSQL from the data folder (PostgreSQL's own postmaster.pid names the port), even when its own
 * EMBEDDED_POSTGRES_PORT differs, instead of starting a second server or failing.
 */
describe('CLI against the embedded PostgreSQL of a running instance (e2e)', () => {
  let dataDir: string;
  let server: ChildProcess;
  let runningOn: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'paygrid-cli-embedded-'));
    chmodSync(dataDir, 0o755); // as root, the embedded server runs as `postgres`, which must enter the folder
    runningOn = await freePort();
    // The embedded server as `npm start` runs it, in a process of its own (embedded-postgres is ESM-only: jest's
    // CommonJS runtime cannot load it in this one).
    server = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        '-e',
        `require('./src/embedded-postgres')
          .startEmbeddedPostgres(${JSON.stringify(dataDir)}, ${runningOn})
          .then((pg) => { process.stdout.write('ready\\n'); process.once('SIGTERM', () => pg.stop().then(() => process.exit(0))); })`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    server.stdout!.on('data', (d) => (out += d.toString()));
    await waitFor(async () => out.includes('ready'), { what: 'the embedded PostgreSQL', timeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    if (server?.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses the running server although EMBEDDED_POSTGRES_PORT names another port, and keeps stdout JSON', async () => {
    const otherPort = await freePort();
    const run = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', 'src/cli.ts', 'merchant:create', '--name=Found Co'],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          PAYGRID_DATA_DIR: dataDir,
          EMBEDDED_POSTGRES_PORT: String(otherPort),
          PAYGRID_DEMO_SEED: 'false',
        },
        encoding: 'utf8',
        timeout: 90_000,
      },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 0,
      stderr: expect.stringContaining(`using the embedded PostgreSQL in ${dataDir}/pg (port ${runningOn})`),
    });
    expect(JSON.parse(run.stdout)).toMatchObject({ id: expect.stringMatching(/^mch_/), name: 'Found Co' });
    // No second server was started on the other port.
    expect(await listening(otherPort)).toBe(false);
  });
});
