import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { Metrics } from '../observability/metrics';

/**
 * Who can report dead-letter queue depths (the RabbitMQ bus of this process). A module-level set because
 * the gauge is registered once per registry while apps (tests) come and go.
 */
export const DEAD_LETTER_DEPTH_SOURCES = new Set<() => Promise<Array<{ consumer: string; depth: number }>>>();

/**
 * Event and webhook metrics (RELIABILITY I8, L4, F4): outbox lag, publish
 * rate, webhook outcomes and latency, dead letters. Registered on the
 * process's one registry, so `/metrics` shows them.
 */
@Injectable()
export class NotificationsMetrics {
  readonly published: Counter<'type'>;
  readonly unroutable: Counter;
  readonly publishBatchSeconds: Histogram;
  readonly consumed: Counter<'consumer' | 'outcome'>;
  readonly deadLettered: Counter<'consumer'>;
  readonly retried: Counter<'consumer' | 'tier'>;
  readonly webhookAttempts: Counter<'outcome'>;
  readonly webhookLatency: Histogram<'outcome'>;
  readonly webhooksInFlight: Gauge;
  /** Payments that reached a final state, by channel: counted from committed events as the relay publishes them. */
  readonly paymentOutcomes: Counter<'channel' | 'outcome'>;

  constructor(metrics: Metrics, @InjectDataSource() dataSource: DataSource) {
    const registers = [metrics.registry];
    const existing = <T>(name: string) => metrics.existing<T>(name);
    this.published =
      existing('paygrid_events_published_total') ??
      new Counter({
        name: 'paygrid_events_published_total',
        help: 'Events published and confirmed, by type',
        labelNames: ['type'],
        registers,
      });
    this.unroutable =
      existing('paygrid_events_unroutable_total') ??
      new Counter({
        name: 'paygrid_events_unroutable_total',
        help: 'Events returned by the broker because no queue was bound for their type',
        registers,
      });
    this.publishBatchSeconds =
      existing('paygrid_outbox_publish_batch_seconds') ??
      new Histogram({
        name: 'paygrid_outbox_publish_batch_seconds',
        help: 'Time to publish and confirm one outbox batch',
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
        registers,
      });
    this.consumed =
      existing('paygrid_events_consumed_total') ??
      new Counter({
        name: 'paygrid_events_consumed_total',
        help: 'Event deliveries to consumers by outcome (applied, duplicate, failed)',
        labelNames: ['consumer', 'outcome'],
        registers,
      });
    this.deadLettered =
      existing('paygrid_events_dead_lettered_total') ??
      new Counter({
        name: 'paygrid_events_dead_lettered_total',
        help: 'Events a consumer gave up on after its attempts',
        labelNames: ['consumer'],
        registers,
      });
    this.retried =
      existing('paygrid_events_retried_total') ??
      new Counter({
        name: 'paygrid_events_retried_total',
        help: 'Failed event deliveries sent to a delay queue for another attempt, by consumer and tier',
        labelNames: ['consumer', 'tier'],
        registers,
      });
    if (!existing('paygrid_events_dead_letter_queue_depth'))
      new Gauge({
        name: 'paygrid_events_dead_letter_queue_depth',
        help: 'Messages waiting in each consumer dead-letter queue (RabbitMQ; replay: POST /admin/v1/dead-letters/{consumer}/replay)',
        labelNames: ['consumer'],
        registers,
        async collect() {
          this.reset();
          for (const source of DEAD_LETTER_DEPTH_SOURCES)
            for (const { consumer, depth } of await source().catch(() => [])) this.set({ consumer }, depth);
        },
      });
    this.webhookAttempts =
      existing('paygrid_webhook_attempts_total') ??
      new Counter({
        name: 'paygrid_webhook_attempts_total',
        help: 'Webhook HTTP attempts by outcome (success, failure)',
        labelNames: ['outcome'],
        registers,
      });
    this.webhookLatency =
      existing('paygrid_webhook_latency_seconds') ??
      new Histogram({
        name: 'paygrid_webhook_latency_seconds',
        help: 'Webhook request latency by outcome',
        labelNames: ['outcome'],
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      });
    this.webhooksInFlight =
      existing('paygrid_webhooks_in_flight') ??
      new Gauge({ name: 'paygrid_webhooks_in_flight', help: 'Webhook requests in flight in this process', registers });
    this.paymentOutcomes =
      existing('paygrid_payment_outcomes_total') ??
      new Counter({
        name: 'paygrid_payment_outcomes_total',
        help: 'Payments that succeeded, failed or closed, by channel (from their committed events; a republished event after a relay crash may count twice)',
        labelNames: ['channel', 'outcome'],
        registers,
      });
    if (!existing('paygrid_outbox_lag_seconds')) {
      new Gauge({
        name: 'paygrid_outbox_lag_seconds',
        help: 'Age of the oldest committed event not yet published (0 when none)',
        registers,
        async collect() {
          const rows: Array<{ lag: string | null }> = await dataSource
            .query(`SELECT extract(epoch FROM now() - min(created_at)) AS lag FROM events WHERE published_at IS NULL`)
            .catch(() => [{ lag: null }]);
          this.set(Number(rows[0]?.lag ?? 0));
        },
      });
    }
  }
}
