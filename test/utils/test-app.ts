import type { NestExpressApplication } from '@nestjs/platform-express';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createHttpApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/config';
import { TestDatabase, createTestDatabase } from './test-db';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestApp {
  app: NestExpressApplication;
  baseUrl: string;
  config: AppConfig;
  db: TestDatabase;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * The real HTTP app on an ephemeral port with its own database. `env`
 * overrides variables as an operator would set them. AMQP_URL is passed
 * through only when a test asks for it (`{ AMQP_URL: process.env.AMQP_URL }`).
 */
export async function startTestApp(
  env: Record<string, string | undefined> = {},
  opts: { db?: TestDatabase } = {},
): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  // A fixed port up front, so PUBLIC_BASE_URL (sandbox callbacks and pages) is right before boot.
  const port = await freePort();
  const config = testConfig(db, { PORT: String(port), ...env });
  const app = await createHttpApp(config);
  await app.listen(port, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataSource = app.get<DataSource>(getDataSourceToken());
  return {
    app,
    baseUrl,
    config,
    db,
    dataSource,
    async close() {
      await app.close();
      if (!opts.db) await db.drop();
    },
  };
}

/** The configuration the test apps run with: quiet, own database, own data dir and data key. */
export function testConfig(db: TestDatabase, env: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '20',
    // The shared CI machine stalls for seconds at times; a test waits for a pool slot longer than production's 10 s.
    DATABASE_CONNECT_TIMEOUT_MS: '30000',
    DATABASE_MIGRATIONS_RUN: 'false',
    PAYGRID_DATA_DIR: mkdtempSync(join(tmpdir(), 'paygrid-test-')),
    PAYGRID_DATA_KEYS: `t1:${randomBytes(32).toString('base64')}`,
    PAYGRID_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    PAYGRID_DEMO_SEED: 'false',
    HOST: '127.0.0.1',
    // Every test calls from 127.0.0.1: per-IP limits are off unless a test sets them (ip-rate-limit.e2e-spec.ts).
    IP_RATE_LIMIT_CALLBACKS_PER_MINUTE: '0',
    IP_RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
    IP_RATE_LIMIT_ADMIN_PER_MINUTE: '0',
    ADMIN_AUTH_FAILURES_PER_MINUTE: '0',
    // The test process runs the app and the test together on a shared machine: its event-loop delay measures the
    // machine, not the app. Shedding by delay stays off unless a test sets it; by in-flight count, overload.e2e-spec.
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    // Scheduled reconciliation would run at boot and write reports and audit rows behind every test's back (and
    // call the simulators); reconciliation-scheduler.int-spec.ts drives its passes itself.
    RECONCILIATION_POLL_MS: '0',
    ...env,
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
