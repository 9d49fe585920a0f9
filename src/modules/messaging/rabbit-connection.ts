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
    /** A delay queue of a consumer: messages wait `ms` (TTL), then dead-letter back to the consumer's queue. */
    retryQueue: (consumer: string, ms: number) => `${namespace}.${consumer}.retry.${ms}ms`,
  };
}

/**
 * The URL with `heartbeat` set unless it already names one: without heartbeats a silently dropped
 * connection (partition, no RST) looks alive until the OS gives up on TCP, minutes later.
 */
export function withHeartbeat(url: string, seconds: number): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(seconds));
  return u.toString();
}

/**
 * One AMQP connection per process that reconnects with back-off and declares
 * the `paygrid.events` topic exchange. Absent AMQP_URL it stays idle and the
 * in-process bus is used instead. Listeners re-create their channels on
 * `onReconnect`.
 *
 * With several nodes (AMQP_URLS) it holds one connection at a time and, when
 * that node dies, tries the next node first: the cluster replicates the
 * quorum queues, so any node serves them. What was not confirmed on the lost
 * connection stays unpublished in the outbox and goes out again.
 */
@Injectable()
export class RabbitConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RabbitConnection.name);
  private connection?: ChannelModel;
  private connectedNode?: string;
  private closing = false;
  private readonly reconnectListeners: Array<(c: ChannelModel) => void | Promise<void>> = [];
  private connecting?: Promise<void>;
  /** Index in AMQP_URLS of the node to try first on the next connect. */
  private nextNode = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The `<namespace>.events` topic exchange this process publishes to. */
  get exchange(): string {
    return amqpNames(this.config.events.namespace).exchange;
  }

  get enabled(): boolean {
    return this.config.amqpUrls.length > 0;
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

  /** The node this process is connected to (credentials stripped), for logs and health. */
  get node(): string | undefined {
    return this.connectedNode;
  }

  get current(): ChannelModel | undefined {
    return this.connection;
  }

  ensureConnected(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connectLoop(): Promise<void> {
    const urls = this.config.amqpUrls;
    for (let attempt = 0; !this.closing; attempt++) {
      const index = (this.nextNode + attempt) % urls.length;
      const node = displayNode(urls[index]);
      let conn: ChannelModel | undefined;
      try {
        conn = await connect(withHeartbeat(urls[index], this.config.amqp.heartbeatSeconds), {
          clientProperties: { connection_name: `paygrid-${process.pid}` },
          // A paused or partitioned node accepts TCP but never answers the handshake: give up and try the next.
          timeout: 10_000,
        });
        const ch = await conn.createChannel();
        await ch.assertExchange(this.exchange, 'topic', { durable: true });
        await ch.close();
        const live = conn;
        conn.on('error', (err: Error) => this.logger.warn(`RabbitMQ connection error (${node}): ${err.message}`));
        conn.on('close', () => {
          this.connection = undefined;
          this.connectedNode = undefined;
          // The node we lost is tried last: the others are likelier to be up.
          this.nextNode = (index + 1) % urls.length;
          if (!this.closing) {
            this.logger.warn(`RabbitMQ connection to ${node} closed; reconnecting`);
            void this.ensureConnected();
          }
        });
        this.connection = live;
        this.connectedNode = node;
        this.logger.log(`RabbitMQ connected to ${node}`);
        // Not awaited by the loop: a listener stuck on a connection that dies meanwhile must not keep
        // `connecting` pending, or the next close would find a reconnect "in progress" forever.
        void (async () => {
          for (const l of this.reconnectListeners)
            await Promise.resolve(l(live)).catch((e: Error) => this.logger.error(e.message));
        })();
        return;
      } catch (err) {
        // Connected but could not declare (e.g. the node is in a minority): let go of it.
        await conn?.close().catch(() => undefined);
        // Each node is tried once without waiting; the back-off applies once a whole round failed.
        const round = Math.floor(attempt / urls.length);
        const lastOfRound = (attempt + 1) % urls.length === 0;
        // A low cap (AMQP_RECONNECT_MAX_MS): the first attempt past the heal reconnects within it.
        const delay = lastOfRound ? Math.min(this.config.amqp.reconnectMaxMs, 250 * 2 ** Math.min(round, 7)) : 0;
        this.logger.warn(`RabbitMQ node ${node} unreachable (${(err as Error).message}); retrying in ${delay} ms`);
        if (delay > 0) await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }
}

/** host:port of an AMQP URL, without credentials. */
function displayNode(raw: string): string {
  const u = new URL(raw);
  return `${u.hostname}:${u.port || (u.protocol === 'amqps:' ? 5671 : 5672)}`;
}
