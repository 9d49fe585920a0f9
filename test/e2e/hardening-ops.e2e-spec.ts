import { http, waitFor } from '../utils/http';
import { AMQP_URL, deleteNamespace, testNamespace } from '../utils/events-kit';
import { viaProxy } from '../utils/tcp-proxy';
import { TcpProxyProcess } from '../utils/tcp-proxy-process';
import { TestApp, freePort, startTestApp } from '../utils/test-app';

/**
 * Issue 16, defects 7 (RabbitMQ side), 9 (reconnect back-off) and 10
 * (/metrics access): what an operator's probes and scrapers see.
 */
describe('hardening: readiness, broker reconnects and /metrics access (e2e)', () => {
  describe('RabbitMQ behind a proxy', () => {
    let proxy: TcpProxyProcess;
    let t: TestApp;
    const ready = async () => (await http('GET', `${t.baseUrl}/health/ready`)).status;

    const namespace = testNamespace('harden-ops');

    beforeAll(async () => {
      const u = new URL(AMQP_URL);
      proxy = new TcpProxyProcess(Number(u.port || 5672), u.hostname);
      await proxy.start();
      t = await startTestApp({
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
      await deleteNamespace(namespace);
    });

    it('/health/ready turns 503 during a silent broker partition (heartbeats) and 200 after the heal', async () => {
      await proxy.partition();
      const started = Date.now();
      await waitFor(async () => (await ready()) === 503, {
        what: 'readiness to notice the partition',
        timeoutMs: 8_000,
      });
      // Two missed 1 s heartbeats, not the minutes TCP takes to give up.
      expect(Date.now() - started).toBeLessThan(8_000);
      const res = await http('GET', `${t.baseUrl}/health/ready`);
      expect(JSON.stringify(res.body)).toContain('rabbitmq');
      expect(res.headers.get('retry-after')).toBeTruthy();
      await proxy.heal();
      await proxy.cut(); // the half-open connections of the partition are gone; the client reconnects
      await proxy.restore();
      await waitFor(async () => (await ready()) === 200, { what: 'ready again', timeoutMs: 10_000 });
    });

    it('reconnects within the back-off cap after a broker outage, not after up to 30 s', async () => {
      await proxy.cut();
      await waitFor(async () => (await ready()) === 503, { what: 'the cut to be seen', timeoutMs: 5_000 });
      // Six seconds down: long enough for the old back-off (doubling to 30 s) to have reached 4-8 s.
      const downUntil = Date.now() + 6_000;
      await waitFor(async () => Date.now() > downUntil, {
        what: 'the outage to last',
        timeoutMs: 10_000,
        intervalMs: 200,
      });
      await proxy.restore();
      const healed = Date.now();
      await waitFor(async () => (await ready()) === 200, { what: 'reconnected', timeoutMs: 10_000 });
      expect(Date.now() - healed).toBeLessThan(3_000);
    });
  });

  describe('/metrics', () => {
    it('requires METRICS_TOKEN as a bearer token when it is set', async () => {
      const t = await startTestApp({ METRICS_TOKEN: 'metrics-token-0123456789' });
      try {
        const open = await http('GET', `${t.baseUrl}/metrics`);
        expect(open.status).toBe(401);
        expect(open.text).not.toContain('paygrid_http_requests_total');
        const wrong = await http('GET', `${t.baseUrl}/metrics`, { token: 'metrics-token-wrong-0000' });
        expect(wrong.status).toBe(401);
        const ok = await http('GET', `${t.baseUrl}/metrics`, { token: 'metrics-token-0123456789' });
        expect(ok.status).toBe(200);
        expect(ok.text).toContain('paygrid_http_requests_total');
      } finally {
        await t.close();
      }
    });

    it('moves to METRICS_PORT when it is set: 404 on the API port, served on its own port', async () => {
      const port = await freePort();
      const t = await startTestApp({ METRICS_PORT: String(port) });
      try {
        expect((await http('GET', `${t.baseUrl}/metrics`)).status).toBe(404);
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('paygrid_');
        expect((await fetch(`http://127.0.0.1:${port}/v1/payments`)).status).toBe(404);
      } finally {
        await t.close();
      }
    });
  });
});
