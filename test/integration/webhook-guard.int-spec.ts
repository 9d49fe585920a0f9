import { Server, createServer } from 'node:http';
import { WebhookSender } from '../../src/modules/notifications/webhooks/webhook-sender';
import { FAST_EVENTS_ENV, createMerchantApp, enqueueEvents } from '../utils/events-kit';
import { http, waitFor } from '../utils/http';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

/** A loopback HTTP server counting requests: what an internal service would see. */
async function canary(status = 500): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(status).end('internal secrets');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits: () => hits };
}

describe('webhook endpoint health (integration, in-process bus)', () => {
  let t: TestApp;
  let endpoint: Awaited<ReturnType<typeof canary>>;
  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${t.baseUrl}${path}`, { token: TEST_ADMIN_TOKEN, body });

  beforeAll(async () => {
    endpoint = await canary(500);
    // A schedule compressed to well under a second end to end.
    t = await startTestApp({ ...FAST_EVENTS_ENV, WEBHOOK_RETRY_SCALE: '0.000005' });
  });
  afterAll(async () => {
    await t?.close();
    endpoint.server.close();
  });

  it('fails a delivery after the whole schedule, disables the endpoint with an event saying so, and flows again once re-enabled', async () => {
    const owner = await createMerchantApp(t, `${endpoint.url}/hooks`);
    const [e] = await enqueueEvents(t, owner, 1);
    const failed = await waitFor(
      async () => {
        const r = await admin('GET', `/admin/v1/webhook-deliveries?app_id=${owner.appId}`);
        return r.body.data.find(
          (d: { event_id: string; status: string }) => d.event_id === e.id && d.status === 'failed',
        );
      },
      { timeoutMs: 20_000, what: 'the delivery to fail for good' },
    );
    expect(failed).toMatchObject({ attempts: 16, next_attempt_at: null, last_status_code: 500 });
    expect(endpoint.hits()).toBe(16);

    const disabled = await waitFor(
      async () => {
        const rows = await t.dataSource.query(
          `SELECT * FROM events WHERE type = 'webhook_endpoint.disabled' AND app_id = $1`,
          [owner.appId],
        );
        return rows[0];
      },
      { what: 'the webhook_endpoint.disabled event' },
    );
    expect(disabled).toMatchObject({ merchant_id: owner.merchantId, aggregate_id: owner.appId, aggregate_sequence: 1 });
    expect(disabled.object).toMatchObject({
      id: owner.appId,
      object: 'webhook_endpoint',
      status: 'disabled',
      disabled_reason: expect.stringContaining(failed.id),
    });
    await waitFor(
      async () =>
        (await t.dataSource.query(`SELECT 1 FROM events WHERE id = $1 AND published_at IS NOT NULL`, [disabled.id]))
          .length === 1,
      {
        what: 'the event to be published',
      },
    );

    // While disabled nothing is sent; deliveries wait (nothing is lost).
    const [later] = await enqueueEvents(t, owner, 1, { aggregateId: () => 'pay_while_disabled' });
    await waitFor(
      async () =>
        (await t.dataSource.query(`SELECT 1 FROM webhook_deliveries WHERE event_id = $1`, [later.id])).length === 1,
      {
        what: 'the delivery row',
      },
    );
    const hitsWhileDisabled = endpoint.hits();

    const enabled = await admin('POST', `/admin/v1/apps/${owner.appId}/webhook-endpoint/enable`);
    expect(enabled.body).toEqual({ app_id: owner.appId, status: 'enabled' });
    await waitFor(async () => endpoint.hits() > hitsWhileDisabled, { what: 'deliveries to flow again' });
    expect(hitsWhileDisabled).toBe(16);
  });
});

describe('webhook SSRF guard at delivery time (integration, loopback not allowed)', () => {
  let t: TestApp;
  let internal: Awaited<ReturnType<typeof canary>>;

  beforeAll(async () => {
    internal = await canary(204);
    t = await startTestApp({ ...FAST_EVENTS_ENV, WEBHOOK_ALLOW_LOOPBACK: 'false' });
    // Names that resolve internally, as DNS (or a rebinding attacker) would answer.
    t.app.get(WebhookSender).resolver = async (host) => {
      const table: Record<string, string[]> = {
        'rebind.example.com': ['10.0.0.5'],
        'metadata.example.com': ['169.254.169.254'],
        'loop.example.com': ['127.0.0.1'],
        'v6.example.com': ['::ffff:127.0.0.1'],
      };
      if (!table[host]) throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
      return table[host].map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  });
  afterAll(async () => {
    await t?.close();
    internal.server.close();
  });

  it('refuses loopback, private, link-local and numeric-trick destinations, and names resolving there; the internal service is never reached', async () => {
    const port = new URL(internal.url).port;
    const targets = [
      `http://127.0.0.1:${port}/hook`,
      `http://localhost:${port}/hook`,
      `https://0x7f000001:${port}/hook`,
      `https://2130706433:${port}/hook`,
      `https://0177.0.0.1:${port}/hook`,
      `https://[::ffff:127.0.0.1]:${port}/hook`,
      `https://[::1]:${port}/hook`,
      'https://10.1.2.3/hook',
      'https://192.168.1.1/hook',
      'https://172.16.0.1/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00::1]/hook',
      'https://[fe80::1]/hook',
      'https://0.0.0.0/hook',
      `https://rebind.example.com:${port}/hook`,
      'https://metadata.example.com/latest',
      `https://loop.example.com:${port}/hook`,
      `https://v6.example.com:${port}/hook`,
    ];
    const owner = await createMerchantApp(t, 'https://hooks.example.com/paygrid');
    for (const url of targets) {
      // As if the URL had changed behind the registration check (DNS, a later edit, an old row).
      await t.dataSource.query(`UPDATE apps SET webhook_url = $1 WHERE id = $2`, [url, owner.appId]);
      const [e] = await enqueueEvents(t, owner, 1, { aggregateId: () => `pay_ssrf_${targets.indexOf(url)}` });
      const attempt = await waitFor(
        async () => {
          const rows = await t.dataSource.query(
            `SELECT a.* FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.event_id = $1`,
            [e.id],
          );
          return rows[0];
        },
        { what: `an attempt for ${url}` },
      );
      expect({ url, error: attempt.error }).toEqual({ url, error: expect.stringMatching(/^destination refused/) });
      expect(attempt.status_code).toBeNull();
    }
    expect(internal.hits()).toBe(0);
  });

  it('refuses the same destinations at registration', async () => {
    const m = await http('POST', `${t.baseUrl}/admin/v1/merchants`, {
      token: TEST_ADMIN_TOKEN,
      body: { name: 'SSRF' },
    });
    for (const url of [
      'https://0x7f000001/x',
      'https://2130706433/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://[::1]/x',
      'https://169.254.169.254/x',
      'https://[fd00::1]/x',
      'http://127.0.0.1/x',
    ]) {
      const res = await http('POST', `${t.baseUrl}/admin/v1/merchants/${m.body.id}/apps`, {
        token: TEST_ADMIN_TOKEN,
        body: { name: 'A', channels: ['card'], webhook_url: url },
      });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
    }
  });
});
