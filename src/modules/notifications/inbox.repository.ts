import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { EventEnvelope } from '@paygrid/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { withTransaction } from '../../persistence/transaction.util';

/** The consumers' inbox and the in-process bus's dead letters. */
@Injectable()
export class InboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `fn` in a transaction that first claims (consumer, event id). If the
   * event was already applied, `fn` is skipped and `false` returned. A second
   * concurrent delivery waits on the unique key until the first commits (then
   * skips) or rolls back (then runs).
   */
  runOnce(consumer: string, eventId: string, fn: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    return withTransaction(this.dataSource, async (manager) => {
      const rows: unknown[] = await manager.query(
        `INSERT INTO event_inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
        [consumer, eventId],
      );
      if (rows.length === 0) return false;
      await fn(manager);
      return true;
    });
  }

  async hasProcessed(consumer: string, eventId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM event_inbox WHERE consumer = $1 AND event_id = $2`,
      [consumer, eventId],
    );
    return rows.length > 0;
  }

  async deadLetter(consumer: string, event: EventEnvelope, error: string, attempts: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO event_dead_letters (id, consumer, event_id, envelope, error, attempts) VALUES ($1, $2, $3, $4, $5, $6)`,
      [newId('dlq'), consumer, event.id, JSON.stringify(event), error.slice(0, 2000), attempts],
    );
  }
}
