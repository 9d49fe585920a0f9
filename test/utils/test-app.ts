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
export async function startTestApp(env: Record<string, string | undefined> = {}, opts: { db?: TestDatabase } = {}): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  // A fixed port up front, so PUBLIC_BASE_URL (sandbox callbacks and pages) is right before boot.
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'paygrid-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '20',
    DATABASE_MIGRATIONS_RUN: 'false',
    PAYGRID_DATA_DIR: dataDir,
    PAYGRID_DATA_KEYS: `t1:${randomBytes(32).toString('base64')}`,
    PAYGRID_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    PAYGRID_DEMO_SEED: 'false',
    PORT: String(port),
    HOST: '127.0.0.1',
    ...env,
  });
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
