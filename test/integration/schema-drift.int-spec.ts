import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { TestDatabase, createTestDatabase } from '../utils/test-db';

/**
 * Entities and committed migrations must describe the same schema. The test
 * database was built by the migrations; TypeORM's schema builder lists what
 * it would change to match the entities. Constraints that live only in the
 * database (foreign keys, CHECKs, triggers) are the migrations' business, so
 * dropping them is the one difference allowed.
 */
describe('schema drift', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(dataSourceOptions(db.url, { poolSize: 2 }));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('has no pending migration', async () => {
    expect(await ds.showMigrations()).toBe(false);
  });

  it('matches the entities exactly', async () => {
    const { upQueries } = await ds.driver.createSchemaBuilder().log();
    const drift = upQueries.map((q) => q.query).filter((q) => !/^ALTER TABLE "\w+" DROP CONSTRAINT "[\w]+"$/.test(q));
    expect(drift).toEqual([]);
  });
});
