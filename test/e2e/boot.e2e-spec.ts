import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { TestApp, startTestApp } from '../utils/test-app';
import { http } from '../utils/http';

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
