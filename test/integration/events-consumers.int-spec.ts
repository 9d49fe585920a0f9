import type { EventEnvelope } from '@paygrid/contracts';
import { EVENT_BUS, EventBus, PoisonEventError } from '../../src/modules/notifications/event-bus';
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

/**
 * The same consumer contract on both transports: retried, then
 * dead-lettered after the limit (nothing lost), applied once per event id.
 */
describe.each([
  ['RabbitMQ', true],
  ['in-process bus', false],
])('event consumers on the %s (integration)', (_label, useAmqp) => {
  const ns = testNamespace('consumers');
  let t: TestApp;
  let bus: EventBus;
  let observer: AmqpObserver | undefined;
  let owner: { merchantId: string; appId: string };
  const attempts = new Map<string, number[]>();

  const record = (name: string, e: EventEnvelope, attempt: number) =>
    attempts.set(`${name}:${e.id}`, [...(attempts.get(`${name}:${e.id}`) ?? []), attempt]);

  beforeAll(async () => {
    if (useAmqp) {
      observer = new AmqpObserver(ns);
      await observer.start();
    }
    t = await startTestApp({ ...(useAmqp ? { AMQP_URL, EVENTS_NAMESPACE: ns } : {}), ...FAST_EVENTS_ENV });
    bus = t.app.get<EventBus>(EVENT_BUS);
    expect(bus.kind).toBe(useAmqp ? 'amqp' : 'in-process');
    await bus.subscribe({
      name: 'always-fails',
      patterns: ['refund.*'],
      maxAttempts: 3,
      handle: async (e, { attempt }) => {
        record('always-fails', e, attempt);
        throw new Error('settlement system says no');
      },
    });
    await bus.subscribe({
      name: 'flaky',
      patterns: ['refund.failed', 'payout.#'],
      maxAttempts: 5,
      handle: async (e, { manager, attempt }) => {
        record('flaky', e, attempt);
        await manager.query(`SELECT 1`);
        if (attempt < 3) throw new Error(`transient failure ${attempt}`);
      },
    });
    await bus.subscribe({
      name: 'poison',
      patterns: ['payout.failed'],
      handle: async (e, { attempt }) => {
        record('poison', e, attempt);
        throw new PoisonEventError('cannot ever handle this payout');
      },
    });
    owner = await createMerchantApp(t);
  });
  afterAll(async () => {
    await t?.close();
    await observer?.cleanup(['webhooks', 'always-fails', 'flaky', 'poison']);
  });

  it('retries a consumer that throws, then dead-letters the event after its limit, losing nothing', async () => {
    const events = await enqueueEvents(t, owner, 4, { type: 'refund.succeeded' });
    await waitFor(async () => (await unpublishedCount(t)) === 0, { what: 'publish' });
    for (const e of events)
      await waitFor(async () => (attempts.get(`always-fails:${e.id}`)?.length ?? 0) >= 3, {
        what: `3 attempts of ${e.id}`,
      });

    if (useAmqp) {
      const dead: Awaited<ReturnType<AmqpObserver['drain']>> = [];
      await waitFor(
        async () => {
          dead.push(...(await observer!.drain(`${ns}.always-fails.dlq`)));
          return dead.length >= 4;
        },
        { what: 'the DLQ to hold the events' },
      );
      expect(new Set(dead.map((m) => m.properties.messageId))).toEqual(new Set(events.map((e) => e.id)));
      expect(JSON.parse(dead[0].content.toString())).toEqual(events.find((e) => e.id === dead[0].properties.messageId));
    } else {
      const rows = await waitFor(
        async () => {
          const r = await t.dataSource.query(
            `SELECT event_id, attempts, error FROM event_dead_letters WHERE consumer = 'always-fails'`,
          );
          return r.length >= 4 ? r : undefined;
        },
        { what: 'dead letters' },
      );
      expect(new Set(rows.map((r: { event_id: string }) => r.event_id))).toEqual(new Set(events.map((e) => e.id)));
      expect(
        rows.every((r: { attempts: number; error: string }) => r.attempts === 3 && r.error.includes('says no')),
      ).toBe(true);
    }
    // Exactly the limit: never a fourth attempt, and no inbox entry for a failed event.
    for (const e of events) expect(attempts.get(`always-fails:${e.id}`)).toEqual([1, 2, 3]);
    const inbox = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM event_inbox WHERE consumer = 'always-fails'`,
    );
    expect(inbox[0].n).toBe(0);
  });

  it('applies an event once after transient failures, and dead-letters a poison event at once', async () => {
    const [refund] = await enqueueEvents(t, owner, 1, { type: 'refund.failed', aggregateId: () => 're_flaky' });
    const [payout] = await enqueueEvents(t, { merchantId: owner.merchantId, appId: null }, 1, {
      type: 'payout.failed',
      aggregateId: () => 'po_poison',
    });
    await waitFor(
      async () =>
        (await t.dataSource.query(`SELECT 1 FROM event_inbox WHERE consumer = 'flaky' AND event_id = $1`, [refund.id]))
          .length === 1,
      {
        what: 'flaky to succeed',
      },
    );
    expect(attempts.get(`flaky:${refund.id}`)).toEqual([1, 2, 3]);
    await waitFor(
      async () =>
        (await t.dataSource.query(`SELECT 1 FROM event_inbox WHERE consumer = 'flaky' AND event_id = $1`, [payout.id]))
          .length === 1,
      {
        what: 'flaky on the payout',
      },
    );
    await waitFor(async () => (attempts.get(`poison:${payout.id}`)?.length ?? 0) === 1, { what: 'the poison attempt' });
    if (useAmqp) {
      const dead = await waitFor(
        async () => {
          const got = await observer!.drain(`${ns}.poison.dlq`);
          return got.length ? got : undefined;
        },
        { what: 'poison DLQ' },
      );
      expect(dead.map((m) => m.properties.messageId)).toEqual([payout.id]);
    } else {
      await waitFor(
        async () =>
          (
            await t.dataSource.query(`SELECT 1 FROM event_dead_letters WHERE consumer = 'poison' AND event_id = $1`, [
              payout.id,
            ])
          ).length === 1,
        { what: 'poison dead letter' },
      );
    }
    expect(attempts.get(`poison:${payout.id}`)).toEqual([1]);
  });

  it('hands an event redelivered to the same consumer to its handler only once', async () => {
    const [e] = await enqueueEvents(t, owner, 1, { type: 'refund.failed', aggregateId: () => 're_twice' });
    await waitFor(
      async () =>
        (await t.dataSource.query(`SELECT 1 FROM event_inbox WHERE consumer = 'flaky' AND event_id = $1`, [e.id]))
          .length === 1,
      {
        what: 'first application',
      },
    );
    const before = attempts.get(`flaky:${e.id}`)!.length;
    await bus.publish([e, e]); // a relay republish, twice over
    await waitFor(async () => (await unpublishedCount(t)) === 0, { what: 'settle' });
    if (useAmqp) await new Promise((r) => setTimeout(r, 300)); // let the broker deliver the duplicates (assertion on absence)
    expect(attempts.get(`flaky:${e.id}`)!.length).toBe(before);
  });
});
