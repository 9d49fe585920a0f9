import { connect } from 'amqplib';

/**
 * What an internal team does: bind its own queue to the events exchange.
 * The demo's queue is exclusive and auto-deleted, so it leaves nothing behind.
 */
export async function bindDemoQueue(
  url: string,
  namespace: string,
  onEvent: (e: { id: string; type: string }) => void,
) {
  const conn = await connect(url);
  const ch = await conn.createChannel();
  const exchange = `${namespace}.events`;
  await ch.checkExchange(exchange);
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, exchange, '#');
  const seen: Array<{ id: string; type: string }> = [];
  await ch.consume(queue, (msg) => {
    if (!msg) return;
    const event = JSON.parse(msg.content.toString('utf8')) as { id: string; type: string };
    // Consumers deduplicate by message_id: delivery is at-least-once.
    if (!seen.some((e) => e.id === msg.properties.messageId)) {
      seen.push(event);
      onEvent(event);
    }
    ch.ack(msg);
  });
  return { queue, exchange, seen, close: () => conn.close() };
}
