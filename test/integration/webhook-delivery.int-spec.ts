import type { EventEnvelope } from '@paygrid/contracts';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import {
  AMQP_URL,
  AmqpObserver,
  FAST_EVENTS_ENV,
  createMerchantApp,
  enqueueEvents,
  testNamespace,
} from '../utils/events-kit';
import { http, waitFor } from '../utils/http';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A merchant's endpoint on loopback whose behaviour the test switches. */
class Receiver {
  mode: 'ok' | 'down' | 'hang' | 'redirect' = 'ok';
  readonly received: Received[] = [];
  private server?: Server;
  url = '';
  redirectTo = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body, at: Date.now() });
        if (this.mode === 'hang') return; // never answers
        if (this.mode === 'down') return void res.writeHead(503).end('maintenance');
        if (this.mode === 'redirect') return void res.writeHead(302, { location: this.redirectTo }).end();
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hooks`;
    return this;
  }

  ids(): string[] {
    return this.received.map((r) => String(r.headers['webhook-id']));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as EventEnvelope;

describe('webhook delivery (integration)', () => {
  const ns = testNamespace('webhooks');
  let t: TestApp;
  let observer: AmqpObserver;
  const receivers: Receiver[] = [];
  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${t.baseUrl}${path}`, { token: TEST_ADMIN_TOKEN, body });
  const receiver = async () => {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  };
  const deliveriesOf = async (appId: string) =>
    (await admin('GET', `/admin/v1/webhook-deliveries?app_id=${appId}&limit=100`)).body.data as Array<
      Record<string, any>
    >;

  beforeAll(async () => {
    observer = new AmqpObserver(ns);
    await observer.start();
    t = await startTestApp({
      AMQP_URL,
      EVENTS_NAMESPACE: ns,
      ...FAST_EVENTS_ENV,
      // Long enough that a loaded CI machine delivers the healthy endpoint's 40 webhooks before the hanging
      // endpoint's requests time out and free their slots: the test then shows no head-of-line blocking.
      WEBHOOK_TIMEOUT_MS: '8000',
      WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '4',
    });
  });
  afterAll(async () => {
    await t?.close();
    for (const r of receivers) await r.close();
    await observer?.cleanup(['webhooks']);
  });

  it('delivers every event after an outage of the endpoint, with one webhook-id per event across retries, verifiable with standardwebhooks', async () => {
    const rx = await receiver();
    rx.mode = 'down';
    const owner = await createMerchantApp(t, rx.url);
    const events = await enqueueEvents(t, owner, 10);
    // Down long enough for several scheduled retries of each delivery.
    await waitFor(async () => events.every((e) => rx.ids().filter((id) => id === e.id).length >= 3), {
      what: 'three failed attempts each',
    });
    rx.mode = 'ok';
    await waitFor(async () => (await deliveriesOf(owner.appId)).filter((d) => d.status === 'succeeded').length === 10, {
      timeoutMs: 20_000,
      what: 'all delivered',
    });

    for (const e of events) {
      const attempts = rx.received.filter((r) => r.headers['webhook-id'] === e.id);
      expect(attempts.length).toBeGreaterThanOrEqual(4);
      for (const a of attempts) expect(verify(owner.webhookSecret!, a)).toEqual(e); // the body is the envelope, unchanged
    }
    const [d] = (await deliveriesOf(owner.appId)).filter((x) => x.event_id === events[0].id);
    const log = (await admin('GET', `/admin/v1/webhook-deliveries/${d.id}`)).body;
    expect(log).toMatchObject({
      id: expect.stringMatching(/^whd_/),
      status: 'succeeded',
      next_attempt_at: null,
      last_status_code: 204,
    });
    expect(log.attempt_log.length).toBe(log.attempts);
    expect(log.attempt_log[0]).toMatchObject({
      trigger: 'initial',
      status_code: 503,
      succeeded: false,
      error: 'HTTP 503',
      latency_ms: expect.any(Number),
    });
    expect(log.attempt_log.at(-1)).toMatchObject({ trigger: 'retry', status_code: 204, succeeded: true });
    expect(JSON.stringify(log)).not.toContain('maintenance'); // response bodies are never stored or echoed
  });

  it('keeps a healthy endpoint flowing while another endpoint hangs until the timeout', async () => {
    const hanging = await receiver();
    hanging.mode = 'hang';
    const healthy = await receiver();
    const slow = await createMerchantApp(t, hanging.url);
    const fast = await createMerchantApp(t, healthy.url);
    const slowEvents = await enqueueEvents(t, slow, 40);
    await waitFor(async () => hanging.received.length >= 4, { what: 'the hanging endpoint to hold its slots' });
    const started = Date.now();
    const fastEvents = await enqueueEvents(t, fast, 40);
    await waitFor(async () => fastEvents.every((e) => healthy.ids().includes(e.id)), {
      timeoutMs: 7_000,
      what: 'the healthy endpoint',
    });
    const lag = Date.now() - started;
    // Before the hanging endpoint's 8 s timeout: no head-of-line blocking.
    expect(lag).toBeLessThan(7_000);
    expect(hanging.received.length).toBeLessThanOrEqual(4); // none of its requests has timed out and been retried
    // The hanging endpoint holds at most its per-endpoint share.
    expect(hanging.received.length).toBeLessThanOrEqual(4);
    expect(slowEvents.length).toBe(40);
    process.stdout.write(`healthy endpoint received 40 webhooks in ${lag} ms while another hung\n`);
  });

  it('does not follow redirects: a 302 is a failed attempt and the target is never contacted', async () => {
    const target = await receiver();
    const redirecting = await receiver();
    redirecting.mode = 'redirect';
    redirecting.redirectTo = target.url;
    const owner = await createMerchantApp(t, redirecting.url);
    const [e] = await enqueueEvents(t, owner, 1);
    await waitFor(async () => redirecting.ids().filter((id) => id === e.id).length >= 2, { what: 'two attempts' });
    expect(target.received).toHaveLength(0);
    const [d] = await deliveriesOf(owner.appId);
    expect(d).toMatchObject({ status: 'pending', last_status_code: 302, last_error: 'HTTP 302' });
  });

  it('signs with both secrets during a rotation, so receivers holding the old or the new one both verify', async () => {
    const rx = await receiver();
    const owner = await createMerchantApp(t, rx.url);
    const rotated = await admin('POST', `/admin/v1/apps/${owner.appId}/webhook-secret/rotate`, {
      overlap_seconds: 3600,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({
      app_id: owner.appId,
      webhook_secret: expect.stringMatching(/^whsec_/),
      previous_secret_expires_at: expect.any(String),
    });
    const [e] = await enqueueEvents(t, owner, 1);
    const got = await waitFor(async () => rx.received.find((r) => r.headers['webhook-id'] === e.id), {
      what: 'the webhook',
    });
    expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(owner.webhookSecret!, got).id).toBe(e.id); // old-only receiver
    expect(verify(rotated.body.webhook_secret, got).id).toBe(e.id); // new-only receiver
    expect(() => verify('whsec_' + Buffer.alloc(32, 7).toString('base64'), got)).toThrow();

    const audit = await t.dataSource.query(
      `SELECT after::text AS after FROM audit_log WHERE action = 'app.webhook_secret.rotate' AND target_id = $1`,
      [owner.appId],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].after).not.toContain(rotated.body.webhook_secret.slice(6, 20));

    // With no overlap the old secret stops working at once.
    const again = await admin('POST', `/admin/v1/apps/${owner.appId}/webhook-secret/rotate`, { overlap_seconds: 0 });
    const [e2] = await enqueueEvents(t, owner, 1, { aggregateId: () => 'pay_after_rotation' });
    const got2 = await waitFor(async () => rx.received.find((r) => r.headers['webhook-id'] === e2.id), {
      what: 'the second webhook',
    });
    expect(String(got2.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verify(again.body.webhook_secret, got2).id).toBe(e2.id);
  });

  it('lets an admin redeliver a delivered webhook with the same webhook-id, audited', async () => {
    const rx = await receiver();
    const owner = await createMerchantApp(t, rx.url);
    const [e] = await enqueueEvents(t, owner, 1);
    await waitFor(async () => (await deliveriesOf(owner.appId))[0]?.status === 'succeeded', { what: 'first delivery' });
    const [d] = await deliveriesOf(owner.appId);
    const res = await admin('POST', `/admin/v1/webhook-deliveries/${d.id}/redeliver`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: d.id, status: 'pending' });
    await waitFor(async () => rx.ids().filter((id) => id === e.id).length === 2, { what: 'the redelivery' });
    // The attempt is recorded after the receiver has answered: wait for it rather than race it.
    const log = await waitFor(
      async () => {
        const body = (await admin('GET', `/admin/v1/webhook-deliveries/${d.id}`)).body;
        return body.attempt_log.length >= 2 && body.status === 'succeeded' ? body : undefined;
      },
      { what: 'the redelivery attempt in the log' },
    );
    expect(log.attempt_log.map((a: { trigger: string }) => a.trigger)).toEqual(['initial', 'manual']);
    expect((await admin('POST', `/admin/v1/webhook-deliveries/whd_00000000000000000000000000/redeliver`)).status).toBe(
      404,
    );
    const audit = await t.dataSource.query(
      `SELECT 1 FROM audit_log WHERE action = 'webhook_delivery.redeliver' AND target_id = $1`,
      [d.id],
    );
    expect(audit).toHaveLength(1);
  });
});
