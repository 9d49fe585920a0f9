import { Injectable, Logger } from '@nestjs/common';
import { NO_PROGRESS, Progress, fraction } from '../../common/progress/progress';
import { EncryptedColumn, encryptionContext } from './encrypted-column';
import { KeyRing } from './key-ring';
import { ReencryptRepository } from './reencrypt.repository';

export interface ReencryptReport {
  table: string;
  column: string;
  rewritten: number;
}

/**
 * Moves every ciphertext written under an older data key to the newest one
 * (`npm run cli -- keys:reencrypt`). Batches are small and each update is
 * conditional on the old value, so it is safe to run while the app serves and
 * safe to run twice. After it reports zero everywhere the old key can leave
 * PAYGRID_DATA_KEYS.
 */
@Injectable()
export class ReencryptService {
  private readonly logger = new Logger(ReencryptService.name);

  constructor(
    private readonly repo: ReencryptRepository,
    private readonly keyRing: KeyRing,
  ) {}

  /** `columns` is the whole house's list (src/database/encrypted-columns.ts), which only the top composes. */
  async reencryptAll(
    columns: readonly EncryptedColumn[],
    batchSize = 500,
    progress: Progress = NO_PROGRESS,
  ): Promise<ReencryptReport[]> {
    const reports: ReencryptReport[] = [];
    const stale = new Map((await this.staleCounts(columns)).map((r) => [`${r.table}.${r.column}`, r.rewritten]));
    const total = [...stale.values()].reduce((a, b) => a + b, 0);
    progress.note(`${total.toLocaleString('en-US')} values under an older key, in ${columns.length} columns`);
    let done = 0;
    const current = `pg1.${this.keyRing.currentKeyId}.`;
    for (const col of columns) {
      const { table, column } = col;
      let rewritten = 0;
      for (;;) {
        const rows = await this.repo.staleBatch(col, current, batchSize);
        if (rows.length === 0) break;
        for (const row of rows) {
          await this.repo.rewrite(
            col,
            row.id,
            row.value,
            this.keyRing.reencrypt(row.value, encryptionContext(table, column, row.id)),
          );
          rewritten++;
          done++;
        }
        // A total read before the run: values written meanwhile under an old key (a replica not yet restarted)
        // can take it past 100 %, which is what happened.
        progress.step(`${table}.${column}: ${fraction(done, Math.max(total, done))} of all`);
      }
      if (stale.get(`${table}.${column}`) || rewritten > 0)
        progress.note(`${table}.${column}: ${rewritten.toLocaleString('en-US')} re-encrypted`);
      if (rewritten > 0)
        this.logger.log(
          `re-encrypted ${rewritten} values of ${table}.${column} under key ${this.keyRing.currentKeyId}`,
        );
      reports.push({ table, column, rewritten });
    }
    return reports;
  }

  /** How many values each column still holds under an older key. */
  async staleCounts(columns: readonly EncryptedColumn[]): Promise<ReencryptReport[]> {
    const current = `pg1.${this.keyRing.currentKeyId}.`;
    const out: ReencryptReport[] = [];
    for (const col of columns)
      out.push({ table: col.table, column: col.column, rewritten: await this.repo.countStale(col, current) });
    return out;
  }
}
