import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Channel, ConfirmChannel } from 'amqplib';
import { DataSource } from 'typeorm';
import { conflict, notFound, serviceUnavailable } from '../../common/errors/domain-error';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { withTransaction } from '../../persistence/transaction.util';
import { Actor, AuditLogService } from '../admin/audit-log.service';
import { RabbitConnection, amqpNames } from '../messaging/rabbit-connection';
import { ATTEMPTS_HEADER } from './rabbit-event-bus';

/** Consumer names as `@OnEvent` gives them; anything else cannot name a queue of ours. */
const CONSUMER_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export interface ReplayResult {
  consumer: string;
  replayed: Array<{ event_id: string; type: string }>;
  remaining: number;
}

/**
 * What an operator does with the events a consumer gave up on (RabbitMQ):
 * count them, and move the oldest back into the consumer's queue with a
 * fresh attempt count, once the cause is fixed. A message is acked in the
 * DLQ only after its copy in the consumer queue is confirmed, so a replay
 * interrupted at any point loses nothing (at worst one event is in both
 * queues, and the consumer's inbox absorbs the duplicate).
 */
@Injectable()
export class DeadLettersService {
  private readonly names: ReturnType<typeof amqpNames>;

  constructor(
    private readonly rabbit: RabbitConnection,
    private readonly audit: AuditLogService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.names = amqpNames(config.events.namespace);
  }

  async depth(consumer: string): Promise<{ consumer: string; depth: number }> {
    return this.withChannel(consumer, async (ch) => ({ consumer, depth: await this.count(ch, consumer) }));
  }

  async replay(consumer: string, limit: number, actor: Actor): Promise<ReplayResult> {
    const result = await this.withChannel(consumer, async (ch) => {
      await this.count(ch, consumer); // 404 before anything moves when the consumer has no DLQ
      const replayed: ReplayResult['replayed'] = [];
      for (let i = 0; i < limit; i++) {
        const msg = await ch.get(this.names.deadLetterQueue(consumer), { noAck: false });
        if (!msg) break;
        const {
          ['x-delivery-count']: _c,
          ['x-death']: _d,
          [ATTEMPTS_HEADER]: _a,
          ...headers
        } = msg.properties.headers ?? {};
        await new Promise<void>((resolve, reject) =>
          ch.sendToQueue(
            this.names.queue(consumer),
            msg.content,
            { ...msg.properties, headers, persistent: true },
            (err: unknown) => (err ? reject(new Error(String(err))) : resolve()),
          ),
        );
        ch.ack(msg);
        replayed.push({ event_id: String(msg.properties.messageId), type: String(msg.properties.type) });
      }
      return { consumer, replayed, remaining: await this.count(ch, consumer) };
    });
    await withTransaction(this.dataSource, (m) =>
      this.audit.record(m, actor, {
        action: 'dead_letter.replay',
        targetType: 'event_consumer',
        targetId: consumer,
        after: { replayed: result.replayed.map((r) => r.event_id), remaining: result.remaining },
      }),
    );
    return result;
  }

  private async count(ch: Channel, consumer: string): Promise<number> {
    return (await ch.checkQueue(this.names.deadLetterQueue(consumer))).messageCount;
  }

  /** A confirm channel for one operation; a queue that does not exist (the broker closes the channel) is a 404. */
  private async withChannel<T>(consumer: string, fn: (ch: ConfirmChannel) => Promise<T>): Promise<T> {
    if (!CONSUMER_NAME.test(consumer)) throw notFound('event consumer', consumer, 'consumer');
    if (!this.rabbit.enabled)
      throw conflict(
        'dead_letters_unavailable',
        'Dead-letter queues exist with RabbitMQ (AMQP_URL) only; the in-process bus records dead letters in event_dead_letters',
      );
    let ch: ConfirmChannel;
    try {
      ch = await this.rabbit.confirmChannel();
    } catch {
      throw serviceUnavailable('RabbitMQ is unreachable', 5);
    }
    let missing = false;
    ch.on('error', (err: { code?: number }) => (missing ||= err.code === 404));
    try {
      return await fn(ch);
    } catch (err) {
      if (missing || (err as { code?: number }).code === 404) throw notFound('event consumer', consumer, 'consumer');
      throw err;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}
