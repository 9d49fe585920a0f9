import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

const ROOT = resolve(__dirname, '../..');

/** `npm run cli -- …`: operator tasks without the Swagger UI, against a real database. */
describe('operator CLI (e2e)', () => {
  let db: TestDatabase;
  const env = () => ({
    PATH: process.env.PATH,
    DATABASE_URL: db.url,
    PAYGRID_DATA_DIR: mkdtempSync(join(tmpdir(), 'paygrid-cli-')),
    PAYGRID_DATA_KEYS: keys,
    PAYGRID_DEMO_SEED: 'false',
  });
  let keys = `c1:${randomBytes(32).toString('base64')}`;
  const cli = (...args: string[]) => {
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: env(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    return {
      status: run.status,
      out: run.stdout,
      err: run.stderr,
      json: run.status === 0 && /^[[{]/.test(run.stdout.trim()) ? JSON.parse(run.stdout) : undefined,
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('onboards a merchant, app and key, and manages admin tokens, all audited as cli', async () => {
    const token = cli('token:create', '--name', 'ops', '--role', 'viewer');
    expect(token.json).toMatchObject({
      id: expect.stringMatching(/^atk_/),
      role: 'viewer',
      token: expect.stringMatching(/^pgat_/),
    });
    const merchant = cli('merchant:create', '--name', 'CLI Co', '--fee-bps', '25');
    expect(merchant.json).toMatchObject({ id: expect.stringMatching(/^mch_/), fee_bps: 25 });
    const app = cli('app:create', '--merchant', merchant.json.id, '--name', 'Shop', '--channels', 'alipay_qr,card');
    expect(app.json).toMatchObject({ id: expect.stringMatching(/^app_/), channels: ['alipay_qr', 'card'] });
    const key = cli('key:create', '--app', app.json.id);
    expect(key.json).toMatchObject({ id: expect.stringMatching(/^key_/), secret: expect.stringMatching(/^sk_/) });
    expect(cli('key:revoke', '--app', app.json.id, '--key', key.json.id).json).toMatchObject({ status: 'revoked' });
    expect(cli('token:revoke', token.json.id).json).toMatchObject({ revoked_at: expect.any(String) });

    const pg = await rawClient(db.url);
    try {
      const { rows } = await pg.query(`SELECT action FROM audit_log WHERE actor = 'cli' ORDER BY id`);
      expect(rows.map((r) => r.action)).toEqual([
        'admin_token.create',
        'merchant.create',
        'app.create',
        'key.create',
        'key.revoke',
        'admin_token.revoke',
      ]);
    } finally {
      await pg.end();
    }
  });

  it('rotates the data key: generate, add, re-encrypt', async () => {
    const generated = cli('keys:generate', '--id', 'c2');
    expect(generated.json.entry).toMatch(/^c2:[A-Za-z0-9+/]{43}=$/);
    keys = `${keys},${generated.json.entry}`;
    const report = cli('keys:reencrypt');
    // Progress goes to stderr, so stdout stays the JSON result (report.json parses only a clean stdout).
    expect(report.err).toMatch(/\[keys:reencrypt [\d.]+ s\] \d+ values under an older key, in \d+ columns/);
    expect(report.err).toContain('app_keys.secret_enc: 1 re-encrypted');
    expect(report.json).toEqual(
      expect.arrayContaining([expect.objectContaining({ table: 'app_keys', column: 'secret_enc', rewritten: 1 })]),
    );
    const pg = await rawClient(db.url);
    try {
      const { rows } = await pg.query('SELECT secret_enc FROM app_keys');
      expect(rows.every((r) => r.secret_enc.startsWith('pg1.c2.'))).toBe(true);
    } finally {
      await pg.end();
    }
  });

  it('answers an unknown command with usage and a non-zero exit, and a bad flag with an error', () => {
    const unknown = cli('nope');
    expect(unknown.status).toBe(2);
    expect(unknown.out).toContain('Usage: npm run cli');
    expect(unknown.err).toContain('unknown command: nope');
    const bad = cli('token:create', '--name', 'x', '--role', 'root');
    expect(bad.status).toBe(1);
    expect(bad.err).toContain('--role must be admin or viewer');
  });
});
