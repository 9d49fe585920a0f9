import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AMQP_EVENT_HEADERS, EventEnvelope, validateEnvelope } from '@paygrid/contracts';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { once } from 'node:events';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { RabbitConnection, amqpNames } from '../messaging/rabbit-connection';
import { ConsumerRunner, delay } from './consumer-runner';
import { EventBus, EventConsumer } from './event-bus';
import { InboxRepository } from './inbox.repository';
import { DEAD_LETTER_DEPTH_SOURCES, NotificationsMetrics } from './notifications.metrics';

/** Attempts an event had before its copy went to a delay queue (x-delivery-count restarts with each copy). */
export const ATTEMPTS_HEADER = 'x-paygrid-attempts';

/**
 * The bus over RabbitMQ with amqplib directly (the stock Nest RMQ transport
 * wraps bodies, auto-acks and binds every handler to every queue: STACK.md).
 * Publishing: one confirm channel, persistent + mandatory, the bare envelope,
 * per-message confirm callbacks so several batches can be in flight.
 * Consuming: one channel per consumer, its own durable quorum queue with an
 * explicit delivery limit and dead-letter exchange, prefetch, manual acks.
 */
@Injectable()
export class RabbitEventBus implements EventBus, OnModuleDestroy {
  readonly kind = 'amqp' as const;
  private readonly logger = new Logger(RabbitEventBus.name);
  private readonly names: ReturnType<typeof amqpNames>;
  private readonly runners = new Map<string, ConsumerRunner>();
  private readonly started = new WeakMap<ChannelModel, Map<string, Promise<void>>>();
  private readonly consumerChannels = new Set<ConfirmChannel>();
  private publishChannel?: Promise<ConfirmChannel>;
  private closing = false;

  constructor(
    private readonly rabbit: RabbitConnection,
    private readonly inbox: InboxRepository,
    private readonly metrics: NotificationsMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.names = amqpNames(config.events.namespace);
    DEAD_LETTER_DEPTH_SOURCES.add(this.deadLetterDepths);
    this.rabbit.onReconnect((conn) => {
      this.publishChannel = undefined;
      return Promise.all([...this.runners.values()].map((r) => this.startConsumer(conn, r))).then(() => undefined);
    });
  }

  /** Messages in the dead-letter queue of each consumer this process runs (the depth gauge). */
  readonly deadLetterDepths = async (): Promise<Array<{ consumer: string; depth: number }>> => {
    const conn = this.rabbit.current;
    if (!conn || this.runners.size === 0) return [];
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      const out: Array<{ consumer: string; depth: number }> = [];
      for (const name of this.runners.keys())
        out.push({ consumer: name, depth: (await ch.checkQueue(this.names.deadLetterQueue(name))).messageCount });
      return out;
    } finally {
      await ch.close().catch(() => undefined);
    }
  };

  async onModuleDestroy(): Promise<void> {
    DEAD_LETTER_DEPTH_SOURCES.delete(this.deadLetterDepths);
    this.closing = true;
    // Stop taking deliveries; in-flight handlers finish or their messages return to the queue.
    await Promise.all([...this.consumerChannels].map((ch) => ch.close().catch(() => undefined)));
    const pub = await this.publishChannel?.catch(() => undefined);
    await pub?.close().catch(() => undefined);
  }

  async subscribe(consumer: EventConsumer): Promise<void> {
    if (this.runners.has(consumer.name)) throw new Error(`Consumer ${consumer.name} is already subscribed`);
    const runner = new ConsumerRunner(consumer, this.inbox, this.metrics, this.config);
    this.runners.set(consumer.name, runner);
    const conn = this.rabbit.current;
    // Broker down: the consumer starts on the next (re)connect.
    if (conn)
      await this.startConsumer(conn, runner).catch((err: Error) =>
        this.logger.error(`Consumer ${consumer.name} did not start: ${err.message}`),
      );
  }

  async ready(): Promise<void> {
    const conn = this.rabbit.current;
    if (!conn) return;
    await Promise.all([...this.runners.values()].map((r) => this.startConsumer(conn, r)));
  }

  async publish(batch: EventEnvelope[]): Promise<void> {
    if (batch.length === 0) return;
    if (this.closing) throw new Error('The event bus is shutting down');
    const ch = await this.confirmChannel();
    const timeoutMs = this.config.events.publishTimeoutMs;
    const confirms: Array<Promise<void>> = [];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Broker did not confirm ${batch.length} events within ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
    });
    timeout.catch(() => undefined);
    try {
      for (const event of batch) {
        let written = true;
        const confirmed = new Promise<void>((resolve, reject) => {
          written = ch.publish(
            this.names.exchange,
            event.type,
            Buffer.from(JSON.stringify(event)),
            this.properties(event),
            (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
          );
        });
        confirmed.catch(() => undefined); // observed by Promise.all below; avoids an unhandled rejection when several fail
        confirms.push(confirmed);
        // Back-pressure: wait for the socket buffer to drain before writing more.
        if (!written) await Promise.race([once(ch, 'drain'), timeout]);
      }
      await Promise.race([Promise.all(confirms), timeout]);
    } catch (err) {
      // A channel in an unknown state is dropped; the unconfirmed events are published again.
      this.publishChannel = undefined;
      await ch.close().catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    for (const event of batch) this.metrics.published.inc({ type: event.type });
  }

  private properties(event: EventEnvelope) {
    return {
      persistent: true,
      mandatory: true,
      messageId: event.id,
      contentType: 'application/json',
      type: event.type,
      timestamp: Math.floor(Date.parse(event.created_at) / 1000),
      headers: {
        [AMQP_EVENT_HEADERS.aggregateId]: event.aggregate_id,
        [AMQP_EVENT_HEADERS.aggregateSequence]: event.aggregate_sequence,
        [AMQP_EVENT_HEADERS.merchantId]: event.merchant_id,
      },
    };
  }
  private confirmChannel(): Promise<ConfirmChannel> {
    this.publishChannel ??= this.rabbit.confirmChannel().then((ch) => {
      ch.on('error', (err: Error) => this.logger.warn(`Publish channel error: ${err.message}`));
      ch.on('close', () => {
        if (this.publishChannel && !this.closing) this.publishChannel = undefined;
      });
      // mandatory: the broker returns an event no queue is bound for, instead of dropping it silently.
      ch.on('return', (msg: ConsumeMessage) => {
        this.metrics.unroutable.inc();
        this.logger.warn(
          `Event ${String(msg.properties.messageId)} (${msg.fields.routingKey}) was unroutable: no queue is bound for it`,
        );
      });
      return ch;
    });
    this.publishChannel.catch(() => (this.publishChannel = undefined));
    return this.publishChannel;
  }

  /** Declares the consumer's topology and starts consuming, once per connection. */
  private startConsumer(conn: ChannelModel, runner: ConsumerRunner): Promise<void> {
    let perConn = this.started.get(conn);
    if (!perConn) this.started.set(conn, (perConn = new Map()));
    const existing = perConn.get(runner.consumer.name);
    if (existing) return existing;
    const start = this.declareAndConsume(conn, runner);
    perConn.set(runner.consumer.name, start);
    // A failed start is retried by the next ready() or reconnect.
    start.catch(() => perConn.delete(runner.consumer.name));
    return start;
  }

  private async declareAndConsume(conn: ChannelModel, runner: ConsumerRunner): Promise<void> {
    const { consumer, maxAttempts, prefetch } = runner;
    const queue = this.names.queue(consumer.name);
    const dlq = this.names.deadLetterQueue(consumer.name);
    // A confirm channel: a retry is acked only once its copy in the delay queue is confirmed.
    const ch = await conn.createConfirmChannel();
    ch.on('error', (err: Error) => this.logger.warn(`Consumer channel ${consumer.name} error: ${err.message}`));
    ch.on('close', () => this.consumerChannels.delete(ch));
    this.consumerChannels.add(ch);
    await ch.assertExchange(this.names.exchange, 'topic', { durable: true });
    await ch.assertExchange(this.names.deadLetterExchange, 'direct', { durable: true });
    // The DLQ keeps what the consumer gave up on; nothing consumes it automatically, so it has no limit.
    await ch.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(dlq, this.names.deadLetterExchange, queue);
    // Retry tiers (RELIABILITY F5): a failed event waits in a delay queue, then its TTL dead-letters it back
    // to the consumer's queue through the default exchange. Named by TTL, so changing the tiers adds queues
    // rather than clashing with the arguments of existing ones.
    for (const ms of new Set(this.config.events.consumerRetryTiersMs))
      await ch.assertQueue(this.names.retryQueue(consumer.name, ms), {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-message-ttl': ms,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': queue,
          'x-dead-letter-strategy': 'at-least-once',
          'x-overflow': 'reject-publish',
        },
      });
    await ch.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        // RabbitMQ 3.10 has no default delivery limit: set it, so a message that kills its consumer still ends in the DLQ.
        'x-delivery-limit': Math.max(0, maxAttempts - 1),
        'x-dead-letter-exchange': this.names.deadLetterExchange,
        'x-dead-letter-routing-key': queue,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
    for (const pattern of consumer.patterns) await ch.bindQueue(queue, this.names.exchange, pattern);
    await ch.prefetch(prefetch);
    await ch.consume(queue, (msg) => void this.onMessage(ch, runner, msg), { noAck: false });
    this.logger.log(`Consumer ${consumer.name} consuming ${queue} (${consumer.patterns.join(', ')})`);
  }

  private async onMessage(ch: ConfirmChannel, runner: ConsumerRunner, msg: ConsumeMessage | null): Promise<void> {
    if (!msg) {
      this.logger.warn(`Consumer ${runner.consumer.name} was cancelled by the broker`);
      return;
    }
    let event: EventEnvelope;
    try {
      event = validateEnvelope(JSON.parse(msg.content.toString('utf8')));
    } catch (err) {
      this.logger.error(
        `Consumer ${runner.consumer.name}: malformed message ${String(msg.properties.messageId)} dead-lettered: ${(err as Error).message}`,
      );
      this.metrics.deadLettered.inc({ consumer: runner.consumer.name });
      return this.settle(ch, msg, 'nack');
    }
    // Attempts made before this copy was sent to a delay queue, plus the deliveries of this copy that were
    // returned (quorum queues count them: nack, channel loss, a crashed consumer).
    const headers = msg.properties.headers ?? {};
    const attempt = Number(headers[ATTEMPTS_HEADER] ?? 0) + Number(headers['x-delivery-count'] ?? 0) + 1;
    const { outcome } = await runner.attempt(event, attempt);
    if (outcome === 'applied' || outcome === 'duplicate') return this.settle(ch, msg, 'ack');
    if (outcome === 'dead-letter') return this.settle(ch, msg, 'nack');
    const tiers = this.config.events.consumerRetryTiersMs;
    const tier = tiers[Math.min(Number(headers[ATTEMPTS_HEADER] ?? 0), tiers.length - 1)];
    try {
      await this.delayRetry(ch, runner.consumer.name, msg, tier, attempt);
      this.metrics.retried.inc({ consumer: runner.consumer.name, tier: `${tier}ms` });
      this.settle(ch, msg, 'ack');
    } catch (err) {
      // The delay queue did not confirm: hand the message back to the consumer's queue after a short pause.
      this.logger.warn(`Consumer ${runner.consumer.name}: retry of ${event.id} not delayed: ${(err as Error).message}`);
      await delay(runner.retryDelayMs(attempt));
      this.settle(ch, msg, 'requeue');
    }
  }

  /** A copy of the message into the consumer's delay queue for `tier` ms, carrying the attempts made so far. */
  private delayRetry(ch: ConfirmChannel, consumer: string, msg: ConsumeMessage, tier: number, attempts: number) {
    const { ['x-delivery-count']: _count, ['x-death']: _death, ...headers } = msg.properties.headers ?? {};
    return new Promise<void>((resolve, reject) => {
      ch.sendToQueue(
        this.names.retryQueue(consumer, tier),
        msg.content,
        { ...msg.properties, headers: { ...headers, [ATTEMPTS_HEADER]: attempts }, persistent: true },
        (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
      );
    });
  }

  private settle(ch: ConfirmChannel, msg: ConsumeMessage, how: 'ack' | 'nack' | 'requeue'): void {
    try {
      if (how === 'ack') ch.ack(msg);
      else ch.nack(msg, false, how === 'requeue');
    } catch {
      // The channel closed meanwhile: the broker redelivers the message, the inbox absorbs the duplicate.
    }
  }
}
