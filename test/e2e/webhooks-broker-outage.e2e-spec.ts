import { Server, createServer } from 'node:http';
import {
  AMQP_URL,
  FAST_EVENTS_ENV,
  createMerchantApp,
  deleteNamespace,
  enqueueEvents,
  testNamespace,
} from '../utils/events-kit';
import { http, waitFor } from '../utils/http';
import { viaProxy } from '../utils/tcp-proxy';
import { TcpProxyProcess } from '../utils/tcp-proxy-process';
import { WebhookDeliveriesRepository } from '../../src/modules/notifications/webhooks/webhook-deliveries.repository';
import { TestApp, startTestApp } from '../utils/test-app';

/**
 * Issue 16, defect 9 (second half): deliveries already known live in the
 * database, so their retries go on while RabbitMQ is unreachable; only new
 * events wait for the broker (they stay in the outbox).
 */
describe('webhook retries during a RabbitMQ outage (e2e)', () => {
  let proxy: TcpProxyProcess;
  let t: TestApp;
  let server: Server;
  let failing = true;
  const namespace = testNamespace('harden-webhooks');
  const bootNamespace = testNamespace('harden-webhooks-boot');
  /** Every request the merchant endpoint answered, with the status it gave. */
  const received: Array<{ id: string; status: number }> = [];
  const ready = async () => (await http('GET', `${t.baseUrl}/health/ready`)).status;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = failing ? 500 : 200;
        received.push({ id: String(req.headers['webhook-id']), status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const u = new URL(AMQP_URL);
    proxy = new TcpProxyProcess(Number(u.port || 5672), u.hostname);
    await proxy.start();
    t = await startTestApp({
      ...FAST_EVENTS_ENV,
      // Retries 30 ms, 30 ms, 60 ms, 360 ms, 1.2 s, 2.4 s, 3.6 s … apart: several fall inside the outage.
      WEBHOOK_RETRY_SCALE: '0.002',
      AMQP_URL: viaProxy(AMQP_URL, proxy.port),
      EVENTS_NAMESPACE: namespace,
      AMQP_HEARTBEAT_SECONDS: '1',
      AMQP_RECONNECT_MAX_MS: '500',
    });
    await waitFor(async () => (await ready()) === 200, { what: 'ready with the broker', timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    server?.close();
    await deleteNamespace(namespace);
    await deleteNamespace(bootNamespace);
  });

  it('retries a failed delivery from the database and delivers it while the broker is down, once', async () => {
    const port = (server.address() as { port: number }).port;
    const owner = await createMerchantApp(t, `http://127.0.0.1:${port}/hooks`);
    const [event] = await enqueueEvents(t, owner, 1);
    // The event went through the broker (dispatcher) and its first attempt failed.
    const deliveryId = await waitFor(
      async () => {
        const rows: Array<{ id: string; attempts: number }> = await t.dataSource.query(
          `SELECT id, attempts FROM webhook_deliveries WHERE event_id = $1`,
          [event.id],
        );
        return rows[0]?.attempts >= 1 && rows[0].id;
      },
      { what: 'a failed first attempt' },
    );
    expect(received.filter((r) => r.id === event.id && r.status === 500).length).toBeGreaterThanOrEqual(1);

    await proxy.cut();
    await waitFor(async () => (await ready()) === 503, { what: 'the broker to be seen down', timeoutMs: 8_000 });
    const attemptsAtCut = await attemptsOf(deliveryId);
    failing = false;

    // Still cut: the retry comes from the webhook_deliveries row, not from a message.
    const row = await waitFor(
      async () => {
        const [d]: Array<{ status: string; attempts: number }> = await t.dataSource.query(
          `SELECT status, attempts FROM webhook_deliveries WHERE id = $1`,
          [deliveryId],
        );
        return d.status === 'succeeded' && d;
      },
      { what: 'the retry to succeed during the outage', timeoutMs: 20_000 },
    );
    expect(row.attempts).toBeGreaterThan(attemptsAtCut);
    expect(await ready()).toBe(503); // the broker really was down the whole time
    expect(received.filter((r) => r.id === event.id && r.status === 200)).toHaveLength(1);

    // Heal; a second event passing through the broker end to end marks the point where any redelivery would show.
    await proxy.restore();
    await waitFor(async () => (await ready()) === 200, { what: 'reconnected', timeoutMs: 15_000 });
    const [later] = await enqueueEvents(t, owner, 1, { aggregateId: () => 'pay_after_the_heal_00000000' });
    await waitFor(async () => received.some((r) => r.id === later.id && r.status === 200), {
      what: 'an event after the heal',
      timeoutMs: 15_000,
    });
    expect(received.filter((r) => r.id === event.id && r.status === 200)).toHaveLength(1);
    const deliveries = await t.dataSource.query(`SELECT id FROM webhook_deliveries WHERE event_id = $1`, [event.id]);
    expect(deliveries).toHaveLength(1);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM webhook_attempts WHERE delivery_id = $1 AND succeeded`,
      [deliveryId],
    );
    expect(n).toBe(1);
  });

  it('a process that boots while the broker is down still sends the deliveries already in the database', async () => {
    await proxy.cut();
    const booted = await startTestApp({
      ...FAST_EVENTS_ENV,
      AMQP_URL: viaProxy(AMQP_URL, proxy.port),
      EVENTS_NAMESPACE: bootNamespace,
      AMQP_RECONNECT_MAX_MS: '500',
    });
    try {
      expect((await http('GET', `${booted.baseUrl}/health/ready`)).status).toBe(503);
      const port = (server.address() as { port: number }).port;
      const owner = await createMerchantApp(booted, `http://127.0.0.1:${port}/hooks`);
      const [event] = await enqueueEvents(booted, owner, 1);
      // The row the dispatcher wrote before the outage (the event itself cannot cross the broker now).
      await booted.app
        .get(WebhookDeliveriesRepository)
        .createForEvent(booted.dataSource.manager, { id: event.id, type: event.type, merchantId: owner.merchantId }, [
          owner.appId,
        ]);
      await waitFor(async () => received.some((r) => r.id === event.id && r.status === 200), {
        what: 'the delivery with the broker down since boot',
        timeoutMs: 15_000,
      });
      expect((await http('GET', `${booted.baseUrl}/health/ready`)).status).toBe(503);
      const [{ published }] = await booted.dataSource.query(
        `SELECT published_at IS NOT NULL AS published FROM events WHERE id = $1`,
        [event.id],
      );
      expect(published).toBe(false); // it never went through RabbitMQ
    } finally {
      await booted.close();
      await proxy.restore();
    }
  });

  async function attemptsOf(id: string): Promise<number> {
    const [d]: Array<{ attempts: number }> = await t.dataSource.query(
      `SELECT attempts FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    return d.attempts;
  }
});
