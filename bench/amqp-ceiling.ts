import { connect } from 'amqplib';
import { randomBytes } from 'node:crypto';

/**
 * The relay's ceiling: a bare amqplib publisher on one confirm channel,
 * persistent + mandatory messages of the envelope's size into a topic
 * exchange bound to one durable quorum queue (what the relay's events go
 * to), keeping `window` messages unconfirmed at once (the relay keeps
 * OUTBOX_BATCH_SIZE × OUTBOX_RELAY_CONCURRENCY). Declares and deletes its own
 * exchange and queue under `namespace`.
 */
export async function runAmqpCeiling(opts: {
  amqpUrl: string;
  namespace: string;
  messages: number;
  window: number;
  bodyBytes: number;
}): Promise<{ perSec: number; seconds: number }> {
  const conn = await connect(opts.amqpUrl);
  const ch = await conn.createConfirmChannel();
  const exchange = `${opts.namespace}.ceiling`;
  const queue = `${opts.namespace}.ceiling-sink`;
  try {
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(queue, exchange, '#');
    const body = Buffer.from(
      JSON.stringify({ id: 'evt_x', pad: randomBytes(Math.max(0, opts.bodyBytes / 2 - 30)).toString('hex') }),
    );
    let inFlight = 0;
    let sent = 0;
    let confirmed = 0;
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (inFlight < opts.window && sent < opts.messages) {
          inFlight++;
          sent++;
          ch.publish(
            exchange,
            'payment.succeeded',
            body,
            { persistent: true, mandatory: true, messageId: `m${sent}`, contentType: 'application/json' },
            (err) => {
              if (err) return reject(err instanceof Error ? err : new Error(String(err)));
              inFlight--;
              confirmed++;
              if (confirmed === opts.messages) resolve();
              else pump();
            },
          );
        }
      };
      pump();
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { perSec: Math.round(opts.messages / seconds), seconds };
  } finally {
    await ch.deleteQueue(queue).catch(() => undefined);
    await ch.deleteExchange(exchange).catch(() => undefined);
    await conn.close().catch(() => undefined);
  }
}
