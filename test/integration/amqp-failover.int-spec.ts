import { createServer } from 'node:net';
import { EVENT_BUS, EventBus } from '../../src/modules/notifications/event-bus';
import { RabbitConnection } from '../../src/modules/messaging/rabbit-connection';
import {
  AMQP_URL,
  AmqpObserver,
  FAST_EVENTS_ENV,
  createMerchantApp,
  enqueueEvents,
  testNamespace,
  unpublishedCount,
} from '../utils/events-kit';
import { waitFor } from '../utils/http';
import { TestApp, startTestApp } from '../utils/test-app';
import { TcpProxy, viaProxy } from '../utils/tcp-proxy';

/** A port nothing listens on: a node that is down from the start. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * AMQP_URLS: the process holds one connection, and when its node goes away it
 * moves to the next node, declares its topology there again, and the outbox
 * republishes what was not confirmed. Each "node" is a proxy in front of the
 * machine's RabbitMQ, so a test can kill one without stopping the broker for
 * everyone; the 3-node cluster drill (npm run cluster:drill) kills real nodes.
 */
describe('AMQP node failover (integration)', () => {
  const ns = testNamespace('failover');
  const brokerPort = Number(new URL(AMQP_URL).port || 5672);
  const nodeA = new TcpProxy(brokerPort);
  const nodeB = new TcpProxy(brokerPort);
  let t: TestApp;
  let observer: AmqpObserver;
  let owner: { merchantId: string; appId: string };
  const applied = new Map<string, number>();

  beforeAll(async () => {
    observer = new AmqpObserver(ns);
    await observer.start();
    const down = await deadPort();
    const a = await nodeA.start();
    const b = await nodeB.start();
    // The first listed node is down at boot: the process must skip it.
    const urls = [viaProxy(AMQP_URL, down), viaProxy(AMQP_URL, a), viaProxy(AMQP_URL, b)];
    t = await startTestApp({ AMQP_URLS: urls.join(','), EVENTS_NAMESPACE: ns, ...FAST_EVENTS_ENV });
    await t.app.get<EventBus>(EVENT_BUS).subscribe({
      name: 'effects',
      patterns: ['#'],
      handle: async (e) => {
        applied.set(e.id, (applied.get(e.id) ?? 0) + 1);
      },
    });
    owner = await createMerchantApp(t);
  });
  afterAll(async () => {
    await t?.close();
    await nodeA.close();
    await nodeB.close();
    await observer?.cleanup(['webhooks', 'effects']);
  });

  it('connects to the first reachable node of the list', async () => {
    const rabbit = t.app.get(RabbitConnection);
    await waitFor(async () => rabbit.isConnected(), { what: 'a connection' });
    expect(rabbit.node).toBe(`127.0.0.1:${nodeA.port}`);
    expect(nodeA.openConnections).toBeGreaterThan(0);
    expect(nodeB.accepted).toBe(0);
  });

  it('moves to another node when its node dies, re-declares its queues there, and loses no event', async () => {
    const rabbit = t.app.get(RabbitConnection);
    const before = await enqueueEvents(t, owner, 30);
    await waitFor(async () => before.every((e) => applied.has(e.id)), { what: 'events before the kill' });

    // Events committed while the node dies: some are in flight, unconfirmed, when the connection drops.
    const during = enqueueEvents(t, owner, 200, { aggregateId: (i) => `pay_during_${String(i).padStart(18, '0')}` });
    await nodeA.cut();
    const inFlight = await during;

    await waitFor(async () => rabbit.node === `127.0.0.1:${nodeB.port}`, {
      timeoutMs: 20_000,
      what: 'the connection to move to node B',
    });
    expect(nodeB.openConnections).toBeGreaterThan(0);
    const after = await enqueueEvents(t, owner, 30, { aggregateId: (i) => `pay_after_${String(i).padStart(19, '0')}` });

    // Every event reaches the consumer, whose queue and binding were declared again over node B.
    const all = [...before, ...inFlight, ...after];
    await waitFor(async () => all.every((e) => applied.has(e.id)), {
      timeoutMs: 45_000,
      what: 'every event applied after the failover',
    });
    await waitFor(async () => (await unpublishedCount(t)) === 0, { what: 'the outbox to drain' });
    expect(all.every((e) => observer.ids().includes(e.id))).toBe(true);
    // Redelivery may hand an event over twice; the inbox applies it once.
    const inbox = await waitFor(
      async () => {
        const r = await t.dataSource.query(
          `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM event_inbox WHERE consumer = 'effects' AND event_id = ANY($1)`,
          [all.map((e) => e.id)],
        );
        return r[0].n === all.length ? r[0] : undefined;
      },
      { what: 'every application committed in the inbox' },
    );
    expect(inbox).toEqual({ n: all.length, d: all.length });
  });
});
