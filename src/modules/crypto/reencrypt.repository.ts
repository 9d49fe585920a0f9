import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EncryptedColumn } from './encrypted-column';

/**
 * The SQL of re-encryption. Table and column names come from the house's fixed list
 * (src/database/encrypted-columns.ts), never from input, so quoting them as identifiers is enough.
 * "Stale" means a value not written under `currentPrefix` (`pg1.<current key id>.`).
 */
@Injectable()
export class ReencryptRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async countStale({ table, column }: EncryptedColumn, currentPrefix: string): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM "${table}" WHERE "${column}" IS NOT NULL AND "${column}" NOT LIKE $1`,
      [`${currentPrefix}%`],
    );
    return n;
  }

  /** The next stale values in id order. A rewritten value is no longer stale, so no cursor is needed. */
  staleBatch(
    { table, column }: EncryptedColumn,
    currentPrefix: string,
    limit: number,
  ): Promise<Array<{ id: string; value: string }>> {
    return this.dataSource.query(
      `SELECT id, "${column}" AS value FROM "${table}"
        WHERE "${column}" IS NOT NULL AND "${column}" NOT LIKE $1 ORDER BY id LIMIT $2`,
      [`${currentPrefix}%`, limit],
    );
  }

  /**
   * Conditional on the old value: a row the app changed meanwhile keeps the app's value (already under the
   * current key), so the run is safe beside live traffic.
   */
  async rewrite({ table, column }: EncryptedColumn, id: string, from: string, to: string): Promise<void> {
    await this.dataSource.query(`UPDATE "${table}" SET "${column}" = $1 WHERE id = $2 AND "${column}" = $3`, [
      to,
      id,
      from,
    ]);
  }
}
