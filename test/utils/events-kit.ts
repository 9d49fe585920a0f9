/**
 * Helpers shared by the events, outbox and webhook suites: a private AMQP
 * namespace per test file (the broker is shared), an observer queue bound
 * with `#`, merchants/apps through the admin API, and events enqueued the way
 * payments will (OutboxService.enqueue inside the change's transaction).
 */
import type { EventEnvelope, EventType, PaymentObject } from '@paygrid/contracts';
import { ChannelModel, ConsumeMessage, GetMessage, connect } from 'amqplib';
import { randomBytes } from 'node:crypto';
import { VARIABLES } from '../../src/config/config';
import { amqpNames } from '../../src/modules/messaging/rabbit-connection';
import { withTransaction } from '../../src/persistence/transaction.util';
import { OutboxService } from '../../src/modules/notifications/outbox.service';
import { http } from './http';
import { TEST_ADMIN_TOKEN, TestApp } from './test-app';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export const testNamespace = (label: string) => `paygrid-test.${label}.${randomBytes(4).toString('hex')}`;

/** Fast loops and a compressed retry schedule, as tests want them. */
export const FAST_EVENTS_ENV = {
  OUTBOX_POLL_MS: '20',
  WEBHOOK_POLL_MS: '20',
  WEBHOOK_RETRY_SCALE: '0.0002',
  EVENT_CONSUMER_RETRY_DELAY_MS: '5',
  EVENT_CONSUMER_RETRY_TIERS_MS: '10,20,40',
};

export interface ObservedMessage {
  envelope: EventEnvelope;
  msg: ConsumeMessage;
}

/** A raw amqplib client on the broker (not through any proxy): an observer queue bound to `#`, and cleanup. */
export class AmqpObserver {
  readonly messages: ObservedMessage[] = [];
  private conn?: ChannelModel;

  constructor(readonly namespace: string) {}

  async start(pattern = '#'): Promise<void> {
    this.conn = await connect(AMQP_URL);
    const ch = await this.conn.createChannel();
    await ch.assertExchange(`${this.namespace}.events`, 'topic', { durable: true });
    const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(q.queue, `${this.namespace}.events`, pattern);
    await ch.consume(
      q.queue,
      (msg) => msg && this.messages.push({ envelope: JSON.parse(msg.content.toString()), msg }),
      { noAck: true },
    );
  }

  ids(): string[] {
    return this.messages.map((m) => m.envelope.id);
  }

  /** Messages currently in a queue of this namespace (e.g. a DLQ), fetched with basic.get. */
  async drain(queue: string): Promise<GetMessage[]> {
    const ch = await this.conn!.createChannel();
    const out: GetMessage[] = [];
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (!m) break;
      out.push(m);
    }
    await ch.close();
    return out;
  }

  /** Deletes everything the app and the test declared under the namespace, then closes the observer. */
  async cleanup(consumers: string[] = [], retryTiersMs: number[] = []): Promise<void> {
    if (!this.conn) return;
    await this.conn.close().catch(() => undefined);
    await deleteNamespace(this.namespace, consumers, retryTiersMs);
  }
}

/** The consumer queues the app itself declares in every namespace (webhook dispatch, payouts, checkout sessions). */
const APP_CONSUMERS = ['webhooks', 'payouts', 'checkout'];

/**
 * Deletes a test namespace's exchanges and queues: each consumer's queue, its DLQ and every delay queue of the
 * fast test tiers, of the production tiers, and of `retryTiersMs`. Quorum queues are Raft groups of their own: left
 * behind by every run, a few hundred of them slowed the machine's single broker until CI's suites timed out, so
 * every spec that gives the app a namespace deletes it afterwards. Deleting a queue that does not exist is a no-op.
 */
export async function deleteNamespace(
  namespace: string,
  consumers: string[] = [],
  retryTiersMs: number[] = [],
): Promise<void> {
  const conn = await connect(AMQP_URL).catch(() => undefined);
  if (!conn) return;
  try {
    const ch = await conn.createChannel();
    const names = amqpNames(namespace);
    const tiers = new Set([
      ...FAST_EVENTS_ENV.EVENT_CONSUMER_RETRY_TIERS_MS.split(',').map(Number),
      ...VARIABLES.EVENT_CONSUMER_RETRY_TIERS_MS.default,
      ...retryTiersMs,
    ]);
    for (const c of new Set([...APP_CONSUMERS, ...consumers])) {
      await ch.deleteQueue(names.queue(c));
      await ch.deleteQueue(names.deadLetterQueue(c));
      for (const ms of tiers) await ch.deleteQueue(names.retryQueue(c, ms));
    }
    await ch.deleteExchange(names.exchange);
    await ch.deleteExchange(names.deadLetterExchange);
  } catch (err) {
    // A clean-up that fails must not fail the spec it follows; the CI's purge of test queues catches up.
    console.warn(`could not delete namespace ${namespace}: ${(err as Error).message}`);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export async function createMerchantApp(
  t: TestApp,
  webhookUrl?: string,
): Promise<{ merchantId: string; appId: string; webhookSecret?: string }> {
  const m = await http('POST', `${t.baseUrl}/admin/v1/merchants`, {
    token: TEST_ADMIN_TOKEN,
    body: { name: 'Events Co' },
  });
  if (m.status !== 201) throw new Error(`merchant: ${m.status} ${m.text}`);
  const a = await http('POST', `${t.baseUrl}/admin/v1/merchants/${m.body.id}/apps`, {
    token: TEST_ADMIN_TOKEN,
    body: { name: 'Shop', channels: ['card'], ...(webhookUrl ? { webhook_url: webhookUrl } : {}) },
  });
  if (a.status !== 201) throw new Error(`app: ${a.status} ${a.text}`);
  return { merchantId: m.body.id, appId: a.body.id, webhookSecret: a.body.webhook_secret };
}

/** A payment as events carry it: the fields the contract fixes. */
export const paymentObject = (id: string, over: Partial<PaymentObject> = {}): PaymentObject => ({
  id,
  object: 'payment',
  status: 'succeeded',
  amount: 100,
  currency: 'CNY',
  channel: 'card',
  out_trade_no: `o-${id}`,
  ...over,
});

/** Enqueues `count` events in one committed transaction each (as payment state changes would). */
export async function enqueueEvents(
  t: TestApp,
  owner: { merchantId: string; appId: string | null },
  count: number,
  opts: { type?: EventType; aggregateId?: (i: number) => string; concurrency?: number } = {},
): Promise<EventEnvelope[]> {
  const outbox = t.app.get(OutboxService);
  const out: EventEnvelope[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      out[i] = await withTransaction(t.dataSource, (m) =>
        outbox.enqueue(m, {
          type: opts.type ?? 'payment.succeeded',
          merchantId: owner.merchantId,
          appId: owner.appId,
          aggregateId: opts.aggregateId?.(i) ?? `pay_${String(i).padStart(26, '0')}`,
          object: paymentObject(`pay_${i}`, { amount: 100 + i, out_trade_no: `o-${i}` }),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return out;
}

export async function unpublishedCount(t: TestApp): Promise<number> {
  const rows: Array<{ n: string }> = await t.dataSource.query(
    `SELECT count(*) AS n FROM events WHERE published_at IS NULL`,
  );
  return Number(rows[0].n);
}
