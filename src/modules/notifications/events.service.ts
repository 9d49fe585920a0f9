import { Injectable } from '@nestjs/common';
import type { EventEnvelope, EventType } from '@paygrid/contracts';
import { notFound } from '../../common/errors/domain-error';
import { Page } from '../../common/http/pagination';
import { toEventEnvelope } from './events.mapper';
import { EventsRepository } from './events.repository';

export interface EventsQuery {
  limit?: number;
  starting_after?: string;
  type?: EventType;
}

/** The merchant's events, newest first, to catch up after missed webhooks (docs/api.md). */
@Injectable()
export class EventsService {
  constructor(private readonly events: EventsRepository) {}

  async list(merchantId: string, query: EventsQuery = {}): Promise<Page<EventEnvelope>> {
    const limit = query.limit ?? 20;
    const rows = await this.events.listForMerchant(merchantId, {
      limit,
      startingAfter: query.starting_after,
      type: query.type,
    });
    return { data: rows.slice(0, limit).map(toEventEnvelope), has_more: rows.length > limit };
  }

  /** 404 for an unknown id and for another merchant's event alike. */
  async get(merchantId: string, id: string): Promise<EventEnvelope> {
    const row = await this.events.findForMerchant(merchantId, id);
    if (!row) throw notFound('event', id);
    return toEventEnvelope(row);
  }
}
