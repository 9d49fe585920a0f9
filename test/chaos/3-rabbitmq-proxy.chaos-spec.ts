import { PaygridClient } from '@paygrid/sdk';
import type { Client } from 'pg';
import { AMQP_URL, AmqpObserver, FAST_EVENTS_ENV, deleteNamespace, testNamespace } from '../utils/events-kit';
import { http, waitFor } from '../utils/http';
import { onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV } from '../utils/payments-kit';
import { viaProxy } from '../utils/tcp-proxy';
import { TcpProxyProcess } from '../utils/tcp-proxy-process';
import { TestApp, startTestApp } from '../utils/test-app';
import { rawClient } from '../utils/test-db';
import { ALL_ZERO } from './kit/invariants';
import { CreatePayLoad } from './kit/load';
import { lostAndDuplicated, paidButNotSucceeded, recoveredSeconds, settledInvariants, sleep } from './kit/scenario';
import { recordScenario } from './kit/summary';
import { WebhookReceiver } from './kit/webhook-receiver';

const RATE = 6;
const CUT_MS = 3_000;
const PARTITION_MS = 4_000;

/**
 * Chaos scenario 3: RabbitMQ behind a TCP proxy during the create-and-pay load, with the merchant's webhook endpoint
 * answering. The proxy resets the broker connection and refuses new ones, then later drops every packet (heartbeats
 * notice), then heals. Payments go on (the outbox keeps events until the broker is back), and afterwards every
 * payment.succeeded event is published (an observer on the broker sees it), reaches the merchant as exactly one
 * answered webhook (unique webhook-id), and nothing is lost, doubled or left over.
 */
describe('chaos 3: RabbitMQ reset and partition during a create-and-pay load', () => {
  const namespace = testNamespace('chaos-amqp');
  let proxy: TcpProxyProcess;
  let t: TestApp;
  let direct: Client;
  let client: PaygridClient;
  let appId: string;
  const receiver = new WebhookReceiver();
  const observer = new AmqpObserver(namespace);

  beforeAll(async () => {
    await receiver.start();
    const u = new URL(AMQP_URL);
    proxy = new TcpProxyProcess(Number(u.port || 5672), u.hostname);
    await proxy.start();
    t = await startTestApp({
      ...FAST_SANDBOX_ENV,
      ...FAST_EVENTS_ENV,
      AMQP_URL: viaProxy(AMQP_URL, proxy.port),
      EVENTS_NAMESPACE: namespace,
      AMQP_HEARTBEAT_SECONDS: '1',
      AMQP_RECONNECT_MAX_MS: '500',
      RATE_LIMIT_PER_MINUTE: '100000',
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
      RESOLVER_CREATE_GRACE_MS: '5000',
    });
    await waitFor(async () => (await http('GET', `${t.baseUrl}/health/ready`)).status === 200, {
      what: 'ready with the broker',
      timeoutMs: 15_000,
    });
    await observer.start();
    const m = await onboardMerchant(t, { channels: ['alipay_qr'], webhookUrl: receiver.url });
    appId = m.appId;
    client = new PaygridClient({
      baseUrl: t.baseUrl,
      appId: m.appId,
      keyId: m.keyId,
      secret: m.secret,
      maxRetries: 0,
      timeoutMs: 8_000,
      verifyResponses: false,
    });
    direct = await rawClient(t.db.url);
  });
  afterAll(async () => {
    await proxy?.heal().catch(() => undefined);
    await direct?.end();
    await t?.close();
    await proxy?.close();
    await observer.cleanup([]);
    await deleteNamespace(namespace);
    await receiver.stop();
  });

  it('loses no event and no webhook while the broker is cut or partitioned', async () => {
    const load = new CreatePayLoad({ client, baseUrl: t.baseUrl, ratePerSecond: RATE, pay: true, label: 'amqp' });
    load.start();
    await sleep(2_000);
    // Readiness turning 503 shows the app really lost the broker (reset at once, partition through heartbeats).
    const brokerSeenDown = (ms: number) =>
      waitFor(async () => (await http('GET', `${t.baseUrl}/health/ready`)).status === 503, { timeoutMs: ms }).then(
        () => true,
        () => false,
      );
    await proxy.cut();
    let faultAt = Date.now();
    const cutSeen = await brokerSeenDown(CUT_MS);
    await sleep(CUT_MS - (Date.now() - faultAt));
    await proxy.restore();
    await sleep(3_000);
    await proxy.partition();
    faultAt = Date.now();
    const partitionSeen = await brokerSeenDown(PARTITION_MS);
    await sleep(PARTITION_MS - (Date.now() - faultAt));
    await proxy.heal();
    const healAt = Date.now();
    await sleep(2_000);
    await load.finish(60_000);
    const runPrefix = load.orders[0].outTradeNo.replace(/\d+$/, '');
    const paid = load.orders.filter((o) => o.paidAt !== undefined).map((o) => o.paymentId!);

    const eventsOfRun = async (): Promise<Array<{ id: string; aggregate: string; published: boolean }>> =>
      (
        await direct.query(
          `SELECT id, object->>'id' AS aggregate, published_at IS NOT NULL AS published FROM events
            WHERE type = 'payment.succeeded' AND object->>'id' = ANY($1)`,
          [paid],
        )
      ).rows;
    // Every paid payment has its event, published, seen on the broker and answered by the merchant's endpoint.
    const settled = async () => {
      const events = await eventsOfRun();
      const onBroker = new Set(observer.ids());
      const delivered = receiver.delivered();
      return (
        events.length === paid.length &&
        events.every((e) => e.published && onBroker.has(e.id) && delivered.has(e.id)) &&
        events
      );
    };
    const events =
      (await waitFor(settled, { timeoutMs: 60_000, intervalMs: 200, what: 'every event delivered' }).catch(
        () => undefined,
      )) || (await eventsOfRun());
    const webhooksDoneAt = Date.now();
    const inv = await settledInvariants(direct);
    const { lost, duplicated } = await lostAndDuplicated(direct, load, runPrefix);
    const onBroker = new Set(observer.ids());
    const delivered = receiver.delivered();
    const eventsLost = paid.length - events.filter((e) => e.published && onBroker.has(e.id)).length;
    const webhooksLost = events.filter((e) => !delivered.has(e.id)).length;
    const eventsDoubled = events.length - new Set(events.map((e) => e.aggregate)).size;
    const webhooksDoubled = [...delivered].filter(([id, n]) => n > 1 && events.some((e) => e.id === id)).length;
    const deliveryRows = Number(
      (
        await direct.query(
          `SELECT count(*)::int AS n FROM webhook_deliveries WHERE app_id = $1 AND event_id = ANY($2)`,
          [appId, events.map((e) => e.id)],
        )
      ).rows[0].n,
    );
    console.log(
      `chaos amqp: answers ${JSON.stringify(Object.fromEntries(load.answers))}; events ${events.length}, lost ${eventsLost}; webhooks delivered ${delivered.size}, lost ${webhooksLost}, doubled ${webhooksDoubled}; attempts ${receiver.attempts.length}`,
    );
    recordScenario({
      scenario: '3 RabbitMQ reset + partition',
      load: `${load.orders.length} create+pay at ${RATE}/s, webhooks on`,
      fault: `reset ${CUT_MS / 1000} s, drop ${PARTITION_MS / 1000} s`,
      accepted: load.accepted().length,
      lost: lost + eventsLost + webhooksLost,
      duplicated: duplicated + inv.duplicatedPostings + eventsDoubled + webhooksDoubled,
      recovered_s: Math.max(recoveredSeconds(load, healAt), Math.round((webhooksDoneAt - healAt) / 100) / 10),
    });

    expect({ cutSeen, partitionSeen }).toEqual({ cutSeen: true, partitionSeen: true });
    expect(load.violations).toEqual([]);
    expect(load.accepted().length).toBe(load.orders.length);
    expect(await paidButNotSucceeded(direct, load)).toEqual([]);
    expect(paid.length).toBe(load.orders.length);
    expect({ lost, duplicated, eventsLost, webhooksLost, eventsDoubled, webhooksDoubled }).toEqual({
      lost: 0,
      duplicated: 0,
      eventsLost: 0,
      webhooksLost: 0,
      eventsDoubled: 0,
      webhooksDoubled: 0,
    });
    expect(deliveryRows).toBe(events.length);
    expect(inv).toEqual(ALL_ZERO);
  });
});
