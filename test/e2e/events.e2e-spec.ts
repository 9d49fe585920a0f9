import { verifyWebhook } from '@paygrid/sdk';
import { Server, createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { FAST_EVENTS_ENV, enqueueEvents } from '../utils/events-kit';
import { waitFor } from '../utils/http';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { TestApp, startTestApp } from '../utils/test-app';

describe('merchant events API and webhook redelivery (e2e)', () => {
  let t: TestApp;
  let a: OnboardedMerchant;
  let b: OnboardedMerchant;
  let server: Server;
  const received: Array<{ id: string; body: string; headers: Record<string, string> }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ id: String(req.headers['webhook-id']), body, headers: req.headers as Record<string, string> });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    t = await startTestApp(FAST_EVENTS_ENV);
    a = await onboardMerchant(t, {
      name: 'A',
      webhookUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`,
    });
    b = await onboardMerchant(t, { name: 'B' });
  });
  afterAll(async () => {
    await t?.close();
    server?.close();
  });

  it("lists the merchant's own events newest first with cursor pagination, and reads one", async () => {
    // Newest first = id order (ids start with their creation time; same-millisecond ids order by their random part).
    const events = (await enqueueEvents(t, a, 5, { concurrency: 1 })).sort((x, y) => (x.id < y.id ? -1 : 1));
    await enqueueEvents(t, b, 2, { aggregateId: (i) => `pay_b_${i}` });

    const page1 = await a.client.request<any>('GET', '/v1/events', { query: { limit: 3 } });
    expect(page1.status).toBe(200);
    expect(page1.body.has_more).toBe(true);
    expect(page1.body.data.map((e: { id: string }) => e.id)).toEqual(
      events
        .slice(2)
        .reverse()
        .map((e) => e.id),
    );
    const page2 = await a.client.request<any>('GET', '/v1/events', {
      query: { limit: 3, starting_after: page1.body.data[2].id },
    });
    expect(page2.body).toEqual({ data: events.slice(0, 2).reverse(), has_more: false });

    const one = await a.client.request<any>('GET', `/v1/events/${events[0].id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(events[0]);
    const filtered = await a.client.request<any>('GET', '/v1/events', { query: { type: 'payment.failed' } });
    expect(filtered.body.data).toEqual([]);
  });

  it("answers 404 for another merchant's event and delivery, and 400 for a bad query", async () => {
    const [theirs] = await enqueueEvents(t, b, 1, { aggregateId: () => 'pay_b_secret' });
    const res = await a.client.request<any>('GET', `/v1/events/${theirs.id}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing' });
    expect((await a.client.request<any>('GET', '/v1/events', { query: { limit: 1000 } })).status).toBe(400);
    expect((await a.client.request<any>('GET', '/v1/events', { query: { type: 'payment.exploded' } })).status).toBe(
      400,
    );
  });

  it('delivers signed webhooks the SDK and standardwebhooks verify, and lets the merchant redeliver one', async () => {
    const [e] = await enqueueEvents(t, a, 1, { aggregateId: () => 'pay_redeliver' });
    const first = await waitFor(async () => received.find((r) => r.id === e.id), { what: 'the webhook' });
    expect(verifyWebhook(a.webhookSecret!, first.body, first.headers)).toEqual(e);
    expect(new Webhook(a.webhookSecret!).verify(first.body, first.headers)).toEqual(e);

    const rows = await t.dataSource.query(`SELECT id FROM webhook_deliveries WHERE event_id = $1`, [e.id]);
    await waitFor(
      async () =>
        (await a.client.request<any>('GET', `/v1/webhook-deliveries/${rows[0].id}`)).body.status === 'succeeded',
      { what: 'recorded' },
    );
    const redo = await a.client.request<any>('POST', `/v1/webhook-deliveries/${rows[0].id}/redeliver`);
    expect(redo.status).toBe(200);
    expect(redo.body).toMatchObject({ id: rows[0].id, event_id: e.id, status: 'pending' });
    await waitFor(async () => received.filter((r) => r.id === e.id).length === 2, { what: 'the redelivery' });

    // Merchant B cannot see or redeliver A's delivery.
    expect((await b.client.request<any>('POST', `/v1/webhook-deliveries/${rows[0].id}/redeliver`)).status).toBe(404);
    expect((await b.client.request<any>('GET', `/v1/webhook-deliveries/${rows[0].id}`)).status).toBe(404);
  });
});
