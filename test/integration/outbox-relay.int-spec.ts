import { createHttpApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config';
import { withTransaction } from '../../src/persistence/transaction.util';
import { OutboxRelay } from '../../src/modules/notifications/outbox-relay.worker';
import { OutboxService } from '../../src/modules/notifications/outbox.service';
import {
  AMQP_URL,
  AmqpObserver,
  FAST_EVENTS_ENV,
  createMerchantApp,
  enqueueEvents,
  paymentObject,
  testNamespace,
  unpublishedCount,
} from '../utils/events-kit';
import { waitFor } from '../utils/http';
import { TestApp, startTestApp } from '../utils/test-app';

describe('outbox relay over RabbitMQ (integration)', () => {
  const ns = testNamespace('relay');
  let t: TestApp;
  let observer: AmqpObserver;
  let owner: { merchantId: string; appId: string };

  beforeAll(async () => {
    observer = new AmqpObserver(ns);
    await observer.start();
    t = await startTestApp({ AMQP_URL, EVENTS_NAMESPACE: ns, ...FAST_EVENTS_ENV });
    owner = await createMerchantApp(t);
  });
  afterAll(async () => {
    await t?.close();
    await observer?.cleanup(['webhooks']);
  });

  it('publishes every committed event exactly once, as the bare envelope with the AMQP properties of docs/api.md', async () => {
    const before = observer.messages.length;
    const events = await enqueueEvents(t, owner, 300, { concurrency: 16 });
    await waitFor(async () => (await unpublishedCount(t)) === 0, { what: 'relay to drain the outbox' });
    await waitFor(async () => observer.messages.length - before >= 300, { what: '300 messages' });

    const seen = observer.messages.slice(before);
    const counts = new Map<string, number>();
    for (const m of seen) counts.set(m.envelope.id, (counts.get(m.envelope.id) ?? 0) + 1);
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(counts.keys()));

    const { envelope, msg } = seen.find((m) => m.envelope.id === events[0].id)!;
    expect(envelope).toEqual(events[0]); // no framework wrapper: exactly what enqueue returned
    expect(envelope).toMatchObject({
      type: 'payment.succeeded',
      merchant_id: owner.merchantId,
      app_id: owner.appId,
      version: 1,
      aggregate_sequence: 1,
    });
    expect(msg.fields.routingKey).toBe('payment.succeeded');
    expect(msg.fields.exchange).toBe(`${ns}.events`);
    expect(msg.properties).toMatchObject({
      messageId: events[0].id,
      contentType: 'application/json',
      deliveryMode: 2,
      type: 'payment.succeeded',
    });
    expect(msg.properties.headers).toMatchObject({
      'x-paygrid-aggregate-id': events[0].aggregate_id,
      'x-paygrid-aggregate-sequence': 1,
    });
  });

  it('never publishes before commit, and never publishes a rolled-back change', async () => {
    const outbox = t.app.get(OutboxService);
    const before = observer.messages.length;
    await expect(
      withTransaction(t.dataSource, async (m) => {
        await outbox.enqueue(m, {
          type: 'payment.failed',
          merchantId: owner.merchantId,
          appId: owner.appId,
          aggregateId: 'pay_rolledback',
          object: paymentObject('pay_rolledback'),
        });
        throw new Error('the payment change failed');
      }),
    ).rejects.toThrow('the payment change failed');

    // An open transaction: its event must not leave before COMMIT.
    const qr = t.dataSource.createQueryRunner();
    await qr.startTransaction();
    const pending = await outbox.enqueue(qr.manager, {
      type: 'payment.closed',
      merchantId: owner.merchantId,
      appId: owner.appId,
      aggregateId: 'pay_slowcommit',
      object: paymentObject('pay_slowcommit'),
    });
    // Let the relay poll several times while the transaction is open (a barrier: a later committed event goes through).
    const [marker] = await enqueueEvents(t, owner, 1, { aggregateId: () => 'pay_marker' });
    await waitFor(async () => observer.ids().includes(marker.id), { what: 'the marker event' });
    expect(observer.ids()).not.toContain(pending.id);
    await qr.commitTransaction();
    await qr.release();
    await waitFor(async () => observer.ids().includes(pending.id), { what: 'the event once committed' });

    const after = observer.messages.slice(before).map((m) => m.envelope);
    expect(after.some((e) => e.aggregate_id === 'pay_rolledback')).toBe(false);
    const rows = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM events WHERE aggregate_id = 'pay_rolledback'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('numbers the events of one aggregate 1, 2, 3 … in commit order, even under concurrent writers', async () => {
    const events = await enqueueEvents(t, owner, 40, { aggregateId: () => 'pay_hot_aggregate', concurrency: 8 });
    const seqs = events.map((e) => e.aggregate_sequence).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await waitFor(async () => events.every((e) => observer.ids().includes(e.id)), { what: 'all 40 events' });
    const delivered = observer.messages.filter((m) => m.envelope.aggregate_id === 'pay_hot_aggregate');
    expect(
      delivered.map((m) => m.msg.properties.headers?.['x-paygrid-aggregate-sequence']).sort((a, b) => a - b),
    ).toEqual(seqs);
  });

  it('lets several relay instances run against one database without publishing an event twice', async () => {
    // A second process-like instance on the same database: its own pool, connection and relay loops.
    const config2 = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: t.db.url,
      DATABASE_MIGRATIONS_RUN: 'false',
      PAYGRID_DATA_DIR: t.config.dataDir,
      PAYGRID_DATA_KEYS: `t1:${t.config.dataKeys![0].key.toString('base64')}`,
      AMQP_URL,
      EVENTS_NAMESPACE: ns,
      PAYGRID_ROLE: 'worker',
      OUTBOX_POLL_MS: '5',
      OUTBOX_BATCH_SIZE: '7',
      OUTBOX_RELAY_CONCURRENCY: '3',
    });
    const second = await createHttpApp(config2);
    await second.init();
    try {
      const before = observer.messages.length;
      const events = await enqueueEvents(t, owner, 400, { concurrency: 16 });
      await waitFor(async () => (await unpublishedCount(t)) === 0, { what: 'both relays to drain the outbox' });
      const mine = new Set(events.map((e) => e.id));
      // Count only this test's events: a straggler of an earlier test may still arrive meanwhile.
      const ownIds = () =>
        observer.messages
          .slice(before)
          .map((m) => m.envelope.id)
          .filter((id) => mine.has(id));
      await waitFor(async () => ownIds().length >= 400, { what: '400 messages' });
      const ids = ownIds();
      expect(ids).toHaveLength(400);
      expect(new Set(ids).size).toBe(400);
      expect(new Set(ids)).toEqual(mine);
      expect(second.get(OutboxRelay)).toBeDefined();
    } finally {
      await second.close();
    }
  });
});
