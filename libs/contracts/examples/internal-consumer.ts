/**
 * An internal team's consumer of paygrid.events, outside this codebase:
 * its own durable quorum queue bound to the patterns it needs, prefetch,
 * manual acks, a dead-letter queue after a bounded number of attempts, and
 * dedup by event id (here in memory; use a table written in the same
 * transaction as your effects). Run:
 *
 *   AMQP_URL=amqp://guest:guest@127.0.0.1:5672 node -r @swc-node/register libs/contracts/examples/internal-consumer.ts
 */
import { type PaygridEvent, validateEnvelope } from '@paygrid/contracts';
import { connect } from 'amqplib';

const EXCHANGE = 'paygrid.events';
const QUEUE = 'risk-team.payment-events';
const MAX_ATTEMPTS = 5;

async function main(): Promise<void> {
  const conn = await connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createChannel();
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  await ch.assertExchange(`${QUEUE}.dlx`, 'fanout', { durable: true });
  await ch.assertQueue(`${QUEUE}.dlq`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue(`${QUEUE}.dlq`, `${QUEUE}.dlx`, '');
  await ch.assertQueue(QUEUE, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': MAX_ATTEMPTS - 1, // RabbitMQ < 4.0 has no default
      'x-dead-letter-exchange': `${QUEUE}.dlx`,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  });
  for (const pattern of ['payment.*', 'refund.#']) await ch.bindQueue(QUEUE, EXCHANGE, pattern);
  await ch.prefetch(100);

  const seen = new Set<string>();
  await ch.consume(QUEUE, async (msg) => {
    if (!msg) return;
    try {
      const event = validateEnvelope(JSON.parse(msg.content.toString())) as PaygridEvent;
      if (!seen.has(event.id)) {
        await handle(event);
        seen.add(event.id);
      }
      ch.ack(msg);
    } catch (err) {
      // Requeue: the quorum queue counts deliveries and dead-letters after MAX_ATTEMPTS.
      console.error(`failed on ${String(msg.properties.messageId)}: ${(err as Error).message}`);
      ch.nack(msg, false, true);
    }
  });
}

async function handle(event: PaygridEvent): Promise<void> {
  // Narrowing on `type` gives the typed object of that event.
  if (event.type === 'payment.succeeded') {
    const p = event.data.object;
    console.log(`payment ${p.id} succeeded: ${p.amount} ${p.currency} (seq ${event.aggregate_sequence})`);
  } else {
    console.log(`${event.type} for ${event.aggregate_id}`);
  }
}

if (require.main === module) void main();
