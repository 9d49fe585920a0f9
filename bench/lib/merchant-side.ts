import { connect } from 'amqplib';
import { Server, createServer as createHttpServer } from 'node:http';
import { freePort } from './ports';

// The merchant side: webhook receiver and a RabbitMQ consumer.

export interface WebhookReceiver {
  url: string;
  /** payment id → when the receiver acknowledged its payment.succeeded webhook. */
  seen: Map<string, number>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const seen = new Map<string, number>();
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok', () => {
        try {
          const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            type: string;
            data: { object: { id: string } };
          };
          if (e.type === 'payment.succeeded' && !seen.has(e.data.object.id)) seen.set(e.data.object.id, Date.now());
        } catch {
          // not an event
        }
      });
    });
  });
  server.keepAliveTimeout = 30_000;
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function startProbe(amqpUrl: string, namespace: string) {
  const conn = await connect(amqpUrl);
  const ch = await conn.createChannel();
  const seen = new Map<string, number>();
  await ch.assertExchange(`${namespace}.events`, 'topic', { durable: true });
  const q = `${namespace}.bench-probe`;
  await ch.assertQueue(q, { exclusive: true, autoDelete: true });
  await ch.bindQueue(q, `${namespace}.events`, 'payment.succeeded');
  await ch.consume(
    q,
    (msg) => {
      if (!msg) return;
      try {
        const e = JSON.parse(msg.content.toString('utf8')) as { data: { object: { id: string } } };
        if (!seen.has(e.data.object.id)) seen.set(e.data.object.id, Date.now());
      } catch {
        // ignore
      }
    },
    { noAck: true },
  );
  return { seen, close: () => conn.close().catch(() => undefined) };
}
