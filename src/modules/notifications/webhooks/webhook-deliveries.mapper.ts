import type { WebhookAttemptDto, WebhookDeliveryResponseDto } from '../dto/webhook-delivery.dto';
import type { WebhookAttempt } from '../entities/webhook-attempt.entity';
import type { WebhookDelivery } from '../entities/webhook-delivery.entity';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toAttemptResponse = (a: WebhookAttempt): WebhookAttemptDto => ({
  id: a.id,
  url: a.url,
  status_code: a.statusCode,
  error: a.error,
  latency_ms: a.latencyMs,
  succeeded: a.succeeded,
  trigger: a.trigger,
  attempted_at: a.attemptedAt.toISOString(),
});

export const toDeliveryResponse = (d: WebhookDelivery, attempts?: WebhookAttempt[]): WebhookDeliveryResponseDto => ({
  id: d.id,
  object: 'webhook_delivery',
  event_id: d.eventId,
  event_type: d.eventType,
  merchant_id: d.merchantId,
  app_id: d.appId,
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  last_latency_ms: d.lastLatencyMs,
  delivered_at: iso(d.deliveredAt),
  created_at: d.createdAt.toISOString(),
  ...(attempts ? { attempt_log: attempts.map(toAttemptResponse) } : {}),
});
