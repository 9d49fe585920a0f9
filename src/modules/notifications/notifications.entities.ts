import { DeadLetter } from './entities/dead-letter.entity';
import { EventRecord } from './entities/event.entity';
import { EventSequence } from './entities/event-sequence.entity';
import { InboxEntry } from './entities/inbox-entry.entity';
import { WebhookAttempt } from './entities/webhook-attempt.entity';
import { WebhookDelivery } from './entities/webhook-delivery.entity';
import { WebhookEndpointState } from './entities/webhook-endpoint-state.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const NOTIFICATIONS_ENTITIES = [
  DeadLetter,
  EventRecord,
  EventSequence,
  InboxEntry,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpointState,
];
