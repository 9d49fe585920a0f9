import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { beforeCommit, withTransaction } from '../../src/persistence/transaction.util';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

/**
 * withTransaction against a real PostgreSQL: work queued with beforeCommit
 * runs last and inside the transaction, and READ COMMITTED holds without a
 * SET TRANSACTION even where the database's own default is stricter.
 */
describe('withTransaction and beforeCommit', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    const c = await rawClient(db.url);
    // A stricter server default: our sessions must still start READ COMMITTED.
    await c.query(`ALTER DATABASE ${db.name} SET default_transaction_isolation = 'serializable'`);
    await c.query(`CREATE TABLE tx_probe (seq bigint GENERATED ALWAYS AS IDENTITY, what text NOT NULL)`);
    await c.end();
    ds = await new DataSource(dataSourceOptions(db.url, { poolSize: 2 })).initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const rows = async () =>
    (await ds.query(`SELECT what FROM tx_probe ORDER BY seq`)).map((r: { what: string }) => r.what);

  it('runs queued work after everything the transaction does, before COMMIT, in order', async () => {
    await ds.query(`TRUNCATE tx_probe`);
    await withTransaction(ds, async (m) => {
      await m.query(`INSERT INTO tx_probe (what) VALUES ('first')`);
      await beforeCommit(m, async () => {
        await m.query(`INSERT INTO tx_probe (what) VALUES ('queued 1')`);
        await beforeCommit(m, () => m.query(`INSERT INTO tx_probe (what) VALUES ('queued by queued')`));
      });
      await beforeCommit(m, () => m.query(`INSERT INTO tx_probe (what) VALUES ('queued 2')`));
      await m.query(`INSERT INTO tx_probe (what) VALUES ('after asking')`);
      // Not yet run: nothing queued is visible inside the transaction before the callback returns.
      expect((await m.query(`SELECT count(*)::int AS n FROM tx_probe WHERE what LIKE 'queued%'`))[0].n).toBe(0);
    });
    expect(await rows()).toEqual(['first', 'after asking', 'queued 1', 'queued 2', 'queued by queued']);
  });

  it('rolls everything back when queued work fails, and nothing is left behind', async () => {
    await ds.query(`TRUNCATE tx_probe`);
    await expect(
      withTransaction(ds, async (m) => {
        await m.query(`INSERT INTO tx_probe (what) VALUES ('doomed')`);
        await beforeCommit(m, () => m.query(`INSERT INTO tx_probe (what) VALUES (NULL)`));
      }),
    ).rejects.toThrow(/null value/);
    expect(await rows()).toEqual([]);
  });

  it('runs the work at once for a manager that is not a withTransaction transaction', async () => {
    await ds.query(`TRUNCATE tx_probe`);
    await beforeCommit(ds.manager, () => ds.query(`INSERT INTO tx_probe (what) VALUES ('now')`));
    expect(await rows()).toEqual(['now']);
    await ds.transaction(async (m) => {
      await beforeCommit(m, () => m.query(`INSERT INTO tx_probe (what) VALUES ('inside a plain transaction')`));
      expect((await m.query(`SELECT count(*)::int AS n FROM tx_probe`))[0].n).toBe(2);
    });
  });

  it('is READ COMMITTED by default even though the database defaults to SERIALIZABLE; other levels are set explicitly', async () => {
    const level = (m: { query: (q: string) => Promise<Array<{ transaction_isolation: string }>> }) =>
      m.query('SHOW transaction_isolation').then((r) => r[0].transaction_isolation);
    expect(await withTransaction(ds, level)).toBe('read committed');
    expect(await withTransaction(ds, level, { isolation: 'REPEATABLE READ' })).toBe('repeatable read');
    expect(await withTransaction(ds, level, { isolation: 'SERIALIZABLE' })).toBe('serializable');
  });
});
