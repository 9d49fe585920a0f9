import { Server, Socket, createConnection, createServer } from 'node:net';

/**
 * A TCP proxy a test controls, to cut a process's connection to a shared
 * server (RabbitMQ, PostgreSQL) without stopping the server for everyone
 * else. `cut()` destroys every proxied connection and refuses new ones (a
 * reset); `restore()` accepts again on the same port. `partition()` is the
 * silent kind: connections stay open but nothing flows either way and new
 * ones hang (packets dropped); `heal()` lets the held bytes through, as TCP
 * retransmission would.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private partitioned = false;
  private readonly held: Array<() => void> = [];
  port = 0;
  /** Connections accepted so far (reconnects show up here). */
  accepted = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  async start(port = 0): Promise<number> {
    const server = createServer((client) => {
      this.accepted++;
      if (this.partitioned) {
        // A SYN that gets no answer: hold the client until the partition heals.
        client.pause();
        this.sockets.add(client);
        client.on('error', () => undefined);
        client.on('close', () => this.sockets.delete(client));
        this.held.push(() => {
          if (!client.destroyed) this.bridge(client);
        });
        return;
      }
      this.bridge(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  private bridge(client: Socket): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.resume();
  }

  /** Silent partition: every open connection stops carrying bytes, new ones hang; nothing is closed. */
  partition(): void {
    this.partitioned = true;
    for (const s of this.sockets) s.pause();
  }

  /** Ends a partition: held bytes and held connections go through. */
  heal(): void {
    this.partitioned = false;
    for (const s of this.sockets) s.resume();
    for (const release of this.held.splice(0)) release();
  }

  /** Drops every connection and stops listening: clients see the server as down. */
  async cut(): Promise<void> {
    this.partitioned = false;
    this.held.length = 0;
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }

  async close(): Promise<void> {
    await this.cut();
  }

  get openConnections(): number {
    return this.sockets.size / 2;
  }
}

/** amqp://guest:guest@127.0.0.1:5672 → the same URL through the proxy's port. */
export function viaProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString().replace(/\/$/, '');
}
