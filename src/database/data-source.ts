import { DataSource, DataSourceOptions } from 'typeorm';
import { baseDataSourceOptions, PoolOptions } from '../persistence/data-source-options';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** The whole schema: every module's tables and the committed migrations. Only the top composes it. */
export function dataSourceOptions(url: string, opts: PoolOptions = {}): DataSourceOptions {
  return baseDataSourceOptions(url, { entities: ENTITIES, migrations: MIGRATIONS }, opts);
}

export async function runMigrations(url: string): Promise<void> {
  const ds = new DataSource(
    dataSourceOptions(url, {
      poolSize: 2,
      applicationName: 'paygrid-migrate',
      // A migration may legitimately run long (an index build): no statement or query timeout.
      statementTimeoutMs: 0,
      queryTimeoutMs: 0,
    }),
  );
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}
