import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';

export type EndpointBehaviour = 'ok' | 'fail' | 'hang';

/**
 * A merchant's webhook endpoint: counts every attempt and the unique `webhook-id`s it answered 2xx, and can fail
 * (500) or hang (accept, never answer) until told otherwise. Its port is one the OS picks at the first start (a
 * fixed port can be a client socket's ephemeral port at that moment: EADDRINUSE in CI), kept across stop/start.
 */
export class WebhookReceiver {
  behaviour: EndpointBehaviour = 'ok';
  /** Attempts by webhook-id, with the answer each got ('hang' for none). */
  readonly attempts: Array<{ id: string; at: number; answer: number | 'hang' }> = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(public port = 0) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<void> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        const behaviour = this.behaviour;
        this.attempts.push({
          id,
          at: Date.now(),
          answer: behaviour === 'hang' ? 'hang' : behaviour === 'ok' ? 200 : 500,
        });
        if (behaviour === 'hang') return; // holds the request until the sender gives up
        res.writeHead(behaviour === 'ok' ? 200 : 500).end();
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops listening: connections are refused until start() again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** webhook-ids answered 2xx, and how many times each was. */
  delivered(): Map<string, number> {
    const out = new Map<string, number>();
    for (const a of this.attempts) if (a.answer === 200) out.set(a.id, (out.get(a.id) ?? 0) + 1);
    return out;
  }
}
