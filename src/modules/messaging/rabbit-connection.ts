import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ChannelModel, ConfirmChannel, connect } from 'amqplib';
import { APP_CONFIG, AppConfig } from '../../config/config';

/** The exchange's name with the default EVENTS_NAMESPACE; tests and side-by-side installs use other namespaces. */
export const EVENTS_EXCHANGE = 'paygrid.events';

/** Every RabbitMQ name derives from EVENTS_NAMESPACE, so one broker can host isolated installs (and test runs). */
export function amqpNames(namespace: string) {
  return {
    exchange: `${namespace}.events`,
    deadLetterExchange: `${namespace}.dlx`,
    queue: (consumer: string) => `${namespace}.${consumer}`,
    deadLetterQueue: (consumer: string) => `${namespace}.${consumer}.dlq`,
  };
}

/**
 * One AMQP connection per process that reconnects with back-off and declares
 * the `paygrid.events` topic exchange. Absent AMQP_URL it stays idle and the
 * in-process bus is used instead. Listeners re-create their channels on
 * `onReconnect`.
 */
@Injectable()
export class RabbitConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RabbitConnection.name);
  private connection?: ChannelModel;
  private closing = false;
  private readonly reconnectListeners: Array<(c: ChannelModel) => void | Promise<void>> = [];
  private connecting?: Promise<void>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The `<namespace>.events` topic exchange this process publishes to. */
  get exchange(): string {
    return amqpNames(this.config.events.namespace).exchange;
  }

  get enabled(): boolean {
    return Boolean(this.config.amqpUrl);
  }

  isConnected(): boolean {
    return Boolean(this.connection);
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    // Boot does not wait for the broker: the outbox keeps events until it is back.
    void this.ensureConnected();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.connection?.close().catch(() => undefined);
  }

  onReconnect(listener: (c: ChannelModel) => void | Promise<void>): void {
    this.reconnectListeners.push(listener);
    if (this.connection) void listener(this.connection);
  }

  /** A confirm channel on the current connection; throws when the broker is down. */
  async confirmChannel(): Promise<ConfirmChannel> {
    if (!this.connection) throw new Error('RabbitMQ is not connected');
    return this.connection.createConfirmChannel();
  }

  get current(): ChannelModel | undefined {
    return this.connection;
  }

  ensureConnected(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      try {
        const conn = await connect(this.config.amqpUrl!, { clientProperties: { connection_name: `paygrid-${process.pid}` } });
        const ch = await conn.createChannel();
        await ch.assertExchange(this.exchange, 'topic', { durable: true });
        await ch.close();
        conn.on('error', (err: Error) => this.logger.warn(`RabbitMQ connection error: ${err.message}`));
        conn.on('close', () => {
          this.connection = undefined;
          if (!this.closing) {
            this.logger.warn('RabbitMQ connection closed; reconnecting');
            void this.ensureConnected();
          }
        });
        this.connection = conn;
        this.logger.log('RabbitMQ connected');
        for (const l of this.reconnectListeners) await Promise.resolve(l(conn)).catch((e: Error) => this.logger.error(e.message));
        return;
      } catch (err) {
        const delay = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
        this.logger.warn(`RabbitMQ unreachable (${(err as Error).message}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }
}
