import { Injectable } from '@nestjs/common';
import type { EventObjectFieldsOf, EventOf, EventType } from '@paygrid/contracts';
import type { EntityManager } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { EventRecord } from './entities/event.entity';
import { toEventEnvelope } from './events.mapper';
import { EventsRepository } from './events.repository';

export type { EventEnvelope, EventType } from '@paygrid/contracts';

/** One event to record; `object` is checked against the contract's object for `type`. */
export interface OutboxInput<T extends EventType = EventType> {
  type: T;
  merchantId: string;
  /** The app the object belongs to; null for merchant-wide objects (settlements, payouts). */
  appId: string | null;
  /** `data.object`: the object as the merchant API shows it after the change. */
  object: EventObjectFieldsOf<T>;
  /** The changed object's id (`pay_…`, `re_…`, `stl_…`, `po_…`); its events are numbered 1, 2, 3 … */
  aggregateId: string;
}

/**
 * The transactional outbox (DESIGN "The way data flows"): a state change and
 * its event row commit together or not at all. Nothing is published here;
 * the relay publishes what has committed.
 */
@Injectable()
export class OutboxService {
  constructor(private readonly events: EventsRepository) {}

  /** Inserts the event row in the caller's transaction and returns its envelope. */
  async enqueue<T extends EventType>(manager: EntityManager, input: OutboxInput<T>): Promise<EventOf<T>> {
    if (!manager.queryRunner?.isTransactionActive) {
      // Outside a transaction the event could commit without its change (or the reverse).
      throw new Error('OutboxService.enqueue must run inside the transaction that makes the change');
    }
    const record = Object.assign(new EventRecord(), {
      id: newId('evt'),
      type: input.type,
      merchantId: input.merchantId,
      appId: input.appId,
      aggregateId: input.aggregateId,
      object: input.object,
      createdAt: new Date(),
      publishedAt: null,
    });
    record.aggregateSequence = await this.events.insertWithNextSequence(manager, record);
    return toEventEnvelope(record) as EventOf<T>;
  }
}
