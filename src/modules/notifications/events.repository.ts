import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { INTERNAL_EVENT_TYPES, type EventType } from '@paygrid/contracts';
import { DataSource, EntityManager, In, Not } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { EventRecord } from './entities/event.entity';

export interface EventListFilter {
  limit: number;
  startingAfter?: string;
  type?: EventType;
}

/** The events table: outbox writes, the relay's claims, and reads for the API and webhooks. */
@Injectable()
export class EventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Next sequence of an aggregate; the upsert's row lock holds until the caller's transaction ends. */
  async nextSequence(manager: EntityManager, aggregateId: string): Promise<number> {
    const rows: Array<{ last_sequence: number }> = await manager.query(
      `INSERT INTO event_sequences (aggregate_id, last_sequence) VALUES ($1, 1)
       ON CONFLICT (aggregate_id) DO UPDATE SET last_sequence = event_sequences.last_sequence + 1
       RETURNING last_sequence`,
      [aggregateId],
    );
    return rows[0].last_sequence;
  }

  /**
   * Takes the aggregate's next sequence and inserts the event with it in one
   * statement (one round trip inside the caller's transaction, which often
   * holds hot ledger rows). Same locking as nextSequence + insert: the
   * sequence row stays locked until the transaction ends.
   */
  async insertWithNextSequence(manager: EntityManager, event: Omit<EventRecord, 'aggregateSequence'>): Promise<number> {
    const rows: Array<{ aggregate_sequence: number }> = await manager.query(
      `WITH seq AS (
         INSERT INTO event_sequences (aggregate_id, last_sequence) VALUES ($5, 1)
         ON CONFLICT (aggregate_id) DO UPDATE SET last_sequence = event_sequences.last_sequence + 1
         RETURNING last_sequence
       )
       INSERT INTO events (id, type, merchant_id, app_id, aggregate_id, aggregate_sequence, object, created_at, published_at)
       SELECT $1, $2, $3, $4, $5, seq.last_sequence, $6::jsonb, $7, $8 FROM seq
       RETURNING aggregate_sequence`,
      [
        event.id,
        event.type,
        event.merchantId,
        event.appId,
        event.aggregateId,
        JSON.stringify(event.object),
        event.createdAt,
        event.publishedAt,
      ],
    );
    return rows[0].aggregate_sequence;
  }

  async insert(manager: EntityManager, event: EventRecord): Promise<void> {
    // jsonb columns defeat TypeORM's deep-partial typing; the row is a complete entity.
    await manager.insert(EventRecord, event as QueryDeepPartialEntity<EventRecord>);
  }

  /**
   * Claims up to `limit` unpublished events, oldest first, inside the
   * caller's transaction. SKIP LOCKED lets several relays (processes or
   * loops) work side by side without taking the same rows. NO KEY UPDATE, not
   * UPDATE: rows referencing an event (webhook deliveries) take KEY SHARE on
   * it, and the in-process bus applies them while the claim is still held.
   */
  claimUnpublished(manager: EntityManager, limit: number): Promise<EventRecord[]> {
    return manager
      .createQueryBuilder(EventRecord, 'e')
      .where('e.published_at IS NULL')
      .orderBy('e.id', 'ASC')
      .limit(limit)
      .setLock('for_no_key_update')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async markPublished(manager: EntityManager, ids: string[]): Promise<void> {
    await manager.query(`UPDATE events SET published_at = now() WHERE id = ANY($1) AND published_at IS NULL`, [ids]);
  }

  findById(id: string, manager?: EntityManager): Promise<EventRecord | null> {
    return (manager ?? this.dataSource.manager).findOneBy(EventRecord, { id });
  }

  /** A merchant's event; internal events (INTERNAL_EVENT_TYPES) are not the merchant's to read. */
  findForMerchant(merchantId: string, id: string): Promise<EventRecord | null> {
    return this.dataSource.manager.findOneBy(EventRecord, {
      id,
      merchantId,
      type: Not(In([...INTERNAL_EVENT_TYPES])),
    });
  }

  /** Newest first; `limit + 1` rows so the caller can tell `has_more`. Internal events are left out. */
  listForMerchant(merchantId: string, filter: EventListFilter): Promise<EventRecord[]> {
    const qb = this.dataSource.manager
      .createQueryBuilder(EventRecord, 'e')
      .where('e.merchant_id = :merchantId', { merchantId })
      .andWhere('e.type <> ALL(:internal)', { internal: [...INTERNAL_EVENT_TYPES] })
      .orderBy('e.id', 'DESC')
      .limit(filter.limit + 1);
    if (filter.startingAfter) qb.andWhere('e.id < :cursor', { cursor: filter.startingAfter });
    if (filter.type) qb.andWhere('e.type = :type', { type: filter.type });
    return qb.getMany();
  }

  async countUnpublished(): Promise<number> {
    const rows: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*) AS n FROM events WHERE published_at IS NULL`,
    );
    return Number(rows[0].n);
  }
}
