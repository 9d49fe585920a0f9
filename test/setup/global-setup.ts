import 'reflect-metadata';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { runMigrations } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/embedded-postgres';
import { adminUrl, templateDb, urlForDatabase } from './database-url';

/** Migrate a template database once; test files clone it (CREATE DATABASE … TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL && !process.env.PAYGRID_TEST_ADMIN_URL) {
    // A free port unless one is asked for, so two checkouts can test at once.
    const port = Number(process.env.PAYGRID_TEST_PG_PORT) || (await freePort());
    const pg = await startEmbeddedPostgres('.data/test', port);
    process.env.PAYGRID_TEST_ADMIN_URL = pg.url;
    (globalThis as { __EMBEDDED_PG_STOP__?: () => Promise<void> }).__EMBEDDED_PG_STOP__ = pg.stop;
  } else {
    process.env.PAYGRID_TEST_ADMIN_URL ??= process.env.DATABASE_URL;
  }
  process.env.PAYGRID_TEST_TEMPLATE_DB = `paygrid_tpl_${process.pid}_${Date.now().toString(36)}`;
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${templateDb()}`);
  } finally {
    await client.end();
  }
  await runMigrations(urlForDatabase(templateDb()));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
