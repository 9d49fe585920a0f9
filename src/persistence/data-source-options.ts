import { DataSourceOptions, MixedList } from 'typeorm';

export interface PoolOptions {
  poolSize?: number;
  migrationsRun?: boolean;
  applicationName?: string;
  /** Pool checkout / connect timeout (ms). */
  connectTimeoutMs?: number;
  /** Server-side statement_timeout (ms); 0 turns it off (migrations). */
  statementTimeoutMs?: number;
  /** Client-side timeout of one query (ms): a query on a connection the network lost fails after it. */
  queryTimeoutMs?: number;
}

/** Defaults of the DATABASE_*_TIMEOUT_MS variables (config.ts), for callers without a config. */
export const DEFAULT_POOL_TIMEOUTS = { connectTimeoutMs: 10_000, statementTimeoutMs: 10_000, queryTimeoutMs: 12_000 };

/**
 * How every Paygrid process talks to PostgreSQL. Which tables exist is the
 * caller's business: the top of the house (src/database/data-source.ts)
 * passes every module's entities and the migrations; a process that needs a
 * few tables (the simulators) passes only those.
 */
export function baseDataSourceOptions(
  url: string,
  schema: {
    entities: MixedList<string | (new (...args: never[]) => unknown)>;
    migrations?: MixedList<string | (new (...args: never[]) => unknown)>;
  },
  opts: PoolOptions = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: schema.entities,
    migrations: schema.migrations ?? [],
    migrationsRun: opts.migrationsRun ?? false,
    migrationsTransactionMode: 'each',
    // Never synchronize: the schema is what the committed migrations say.
    synchronize: false,
    poolSize: opts.poolSize ?? 20,
    applicationName: opts.applicationName ?? 'paygrid',
    // bigint money columns come back as strings from pg; entity transformers turn them into bigint.
    parseInt8: false,
    // An exhausted pool or an unreachable server fails a checkout within seconds, a statement that
    // waits on locks is cancelled by the server, and a query on a connection the network silently lost
    // fails on the client: each becomes a 503 the client retries (connection-errors.ts), never a hang
    // until the network heals. TCP keepalive lets the kernel notice dead idle connections too.
    extra: {
      connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_POOL_TIMEOUTS.connectTimeoutMs,
      query_timeout: opts.queryTimeoutMs ?? DEFAULT_POOL_TIMEOUTS.queryTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
      // Every session starts READ COMMITTED whatever the server's default, so a READ COMMITTED
      // transaction needs only START TRANSACTION: one round trip less per transaction (transaction.util.ts).
      options: `-c default_transaction_isolation=read\\ committed -c statement_timeout=${opts.statementTimeoutMs ?? DEFAULT_POOL_TIMEOUTS.statementTimeoutMs}`,
    },
    logging: false,
  } as DataSourceOptions;
}
