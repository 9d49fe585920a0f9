import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export function dataSourceOptions(url: string, opts: { poolSize?: number; migrationsRun?: boolean; applicationName?: string } = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: opts.migrationsRun ?? false,
    migrationsTransactionMode: 'each',
    // Never synchronize: the schema is what the committed migrations say.
    synchronize: false,
    poolSize: opts.poolSize ?? 20,
    applicationName: opts.applicationName ?? 'paygrid',
    // bigint money columns come back as strings from pg; entity transformers turn them into bigint.
    parseInt8: false,
    // A pool that is exhausted fails a checkout after 30 s instead of waiting forever, so a stuck
    // caller turns into an error (and a retry) rather than a silent hang.
    extra: {
      connectionTimeoutMillis: 30_000,
      // Every session starts READ COMMITTED whatever the server's default, so a READ COMMITTED
      // transaction needs only START TRANSACTION: one round trip less per transaction (transaction.util.ts).
      options: '-c default_transaction_isolation=read\\ committed',
    },
    logging: false,
  } as DataSourceOptions;
}

export async function runMigrations(url: string): Promise<void> {
  const ds = new DataSource(dataSourceOptions(url, { poolSize: 2, applicationName: 'paygrid-migrate' }));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}
