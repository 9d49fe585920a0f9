import type { EventEnvelope } from '@paygrid/contracts';
import type { EventRecord } from './entities/event.entity';

/** The docs/api.md envelope of a stored event: identical on RabbitMQ, webhooks and `GET /v1/events`. */
export const toEventEnvelope = (e: EventRecord): EventEnvelope => ({
  id: e.id,
  type: e.type,
  created_at: e.createdAt.toISOString(),
  merchant_id: e.merchantId,
  app_id: e.appId,
  version: 1,
  aggregate_id: e.aggregateId,
  aggregate_sequence: e.aggregateSequence,
  data: { object: e.object },
});
