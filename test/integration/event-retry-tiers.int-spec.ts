import { EVENT_BUS, EventBus } from '../../src/modules/notifications/event-bus';
import {
  AMQP_URL,
  AmqpObserver,
  FAST_EVENTS_ENV,
  createMerchantApp,
  enqueueEvents,
  testNamespace,
} from '../utils/events-kit';
import { expectErrorShape, http, waitFor } from '../utils/http';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

const TIERS = [300, 600];

/**
 * RELIABILITY F5 / issue 16: a failed consumer message waits in delay
 * queues (TTL + dead-letter back to the consumer queue) before its next
 * attempt, is dead-lettered after its last, shows in metrics, and an admin
 * replays it (real RabbitMQ, short tiers from EVENT_CONSUMER_RETRY_TIERS_MS).
 */
describe('event consumer retry tiers and dead-letter replay (integration, RabbitMQ)', () => {
  const ns = testNamespace('tiers');
  const observer = new AmqpObserver(ns);
  let t: TestApp;
  let owner: { merchantId: string; appId: string };
  const seen = new Map<string, Array<{ attempt: number; at: number }>>();
  let doomedFails = true;
  const record = (key: string, attempt: number) =>
    seen.set(key, [...(seen.get(key) ?? []), { attempt, at: Date.now() }]);
  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${t.baseUrl}/admin/v1/dead-letters${path}`, { token: TEST_ADMIN_TOKEN, body });
  const metric = async (line: RegExp): Promise<number | undefined> => {
    const text = (await http('GET', `${t.baseUrl}/metrics`)).text;
    const m = text.split('\n').find((l) => line.test(l));
    return m === undefined ? undefined : Number(m.split(' ').pop());
  };
  const inboxCount = async (consumer: string, eventId: string) =>
    (
      await t.dataSource.query(`SELECT count(*)::int AS n FROM event_inbox WHERE consumer = $1 AND event_id = $2`, [
        consumer,
        eventId,
      ])
    )[0].n as number;

  beforeAll(async () => {
    await observer.start();
    t = await startTestApp({
      ...FAST_EVENTS_ENV,
      AMQP_URL,
      EVENTS_NAMESPACE: ns,
      EVENT_CONSUMER_RETRY_TIERS_MS: TIERS.join(','),
    });
    const bus = t.app.get<EventBus>(EVENT_BUS);
    await bus.subscribe({
      name: 'tiered',
      patterns: ['refund.succeeded'],
      maxAttempts: 5,
      handle: async (e, { attempt }) => {
        record(`tiered:${e.id}`, attempt);
        if (attempt < 4) throw new Error(`transient failure ${attempt}`);
      },
    });
    await bus.subscribe({
      name: 'doomed',
      patterns: ['refund.failed'],
      maxAttempts: 3,
      handle: async (e, { attempt }) => {
        record(`doomed:${e.id}`, attempt);
        if (doomedFails) throw new Error('downstream says no');
      },
    });
    owner = await createMerchantApp(t);
  });
  afterAll(async () => {
    await t?.close();
    await observer.cleanup(['webhooks', 'payouts', 'tiered', 'doomed'], TIERS);
  });

  it('waits in the delay tiers between attempts (the last tier repeats), then applies the event once', async () => {
    const [e] = await enqueueEvents(t, owner, 1, { type: 'refund.succeeded', aggregateId: () => 're_tiered' });
    await waitFor(async () => (await inboxCount('tiered', e.id)) === 1, { what: 'the 4th attempt', timeoutMs: 20_000 });
    const attempts = seen.get(`tiered:${e.id}`)!;
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    // Each retry waited at least its tier's TTL in the delay queue (not an immediate requeue): 300, 600, 600 ms.
    const waits = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
    [300, 600, 600].forEach((tier, i) => expect(waits[i]).toBeGreaterThanOrEqual(tier - 50));
    expect(await metric(/^paygrid_events_retried_total\{consumer="tiered",tier="300ms"\}/)).toBe(1);
    expect(await metric(/^paygrid_events_retried_total\{consumer="tiered",tier="600ms"\}/)).toBe(2);
    // Nothing left waiting or dead: the delay queues are empty and nothing went to the DLQ.
    expect((await admin('GET', '/tiered')).body).toEqual({ consumer: 'tiered', depth: 0 });
    expect(await observer.drain(`${ns}.tiered.retry.300ms`)).toHaveLength(0);
    expect(await observer.drain(`${ns}.tiered.retry.600ms`)).toHaveLength(0);
  });

  it('dead-letters after the last attempt, shows the DLQ depth, and an admin replay applies it once', async () => {
    const [e] = await enqueueEvents(t, owner, 1, { type: 'refund.failed', aggregateId: () => 're_doomed' });
    await waitFor(async () => (await admin('GET', '/doomed')).body?.depth === 1, {
      what: 'the dead letter',
      timeoutMs: 20_000,
    });
    expect(seen.get(`doomed:${e.id}`)!.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(await inboxCount('doomed', e.id)).toBe(0);
    expect(await metric(/^paygrid_events_dead_letter_queue_depth\{consumer="doomed"\}/)).toBe(1);

    doomedFails = false; // the cause is fixed
    const replay = await admin('POST', '/doomed/replay', { limit: 10 });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({
      consumer: 'doomed',
      replayed: [{ event_id: e.id, type: 'refund.failed' }],
      remaining: 0,
    });
    await waitFor(async () => (await inboxCount('doomed', e.id)) === 1, { what: 'the replayed event' });
    // A fresh attempt count: the replayed copy is attempt 1 again, not 4.
    expect(seen.get(`doomed:${e.id}`)!.map((a) => a.attempt)).toEqual([1, 2, 3, 1]);
    expect(await metric(/^paygrid_events_dead_letter_queue_depth\{consumer="doomed"\}/)).toBe(0);

    // Replaying an empty DLQ moves nothing; the replay was audited.
    expect((await admin('POST', '/doomed/replay', {})).body).toEqual({
      consumer: 'doomed',
      replayed: [],
      remaining: 0,
    });
    const audit = await http('GET', `${t.baseUrl}/admin/v1/audit-log?target_id=doomed`, { token: TEST_ADMIN_TOKEN });
    expect(audit.body.data.map((a: { action: string }) => a.action)).toContain('dead_letter.replay');
    expect(await inboxCount('doomed', e.id)).toBe(1);
  });

  it('answers 404 for a consumer without a DLQ and 400 for a bad limit, moving nothing', async () => {
    expectErrorShape(await admin('GET', '/nobody'), 404, 'resource_missing');
    expectErrorShape(await admin('POST', '/nobody/replay', {}), 404, 'resource_missing');
    expectErrorShape(await admin('POST', '/doomed/replay', { limit: 0 }), 400);
    expectErrorShape(await admin('POST', '/doomed/replay', { limit: 'all' }), 400);
    const viewer = await http('POST', `${t.baseUrl}/admin/v1/dead-letters/doomed/replay`, { body: {} });
    expect(viewer.status).toBe(401);
  });
});
