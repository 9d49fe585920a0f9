import { PaygridClient } from '@paygrid/sdk';
import type { Client } from 'pg';
import { RETRY_SCHEDULE_SECONDS } from '../../src/modules/notifications/webhooks/retry-schedule.util';
import { FAST_EVENTS_ENV } from '../utils/events-kit';
import { waitFor } from '../utils/http';
import { onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV } from '../utils/payments-kit';
import { TestApp, startTestApp } from '../utils/test-app';
import { rawClient } from '../utils/test-db';
import { ALL_ZERO } from './kit/invariants';
import { CreatePayLoad } from './kit/load';
import { settledInvariants, sleep } from './kit/scenario';
import { recordScenario } from './kit/summary';
import { EndpointBehaviour, WebhookReceiver } from './kit/webhook-receiver';

const RATE_PER_MERCHANT = 2;
const FAULT_MS = 6_000;
const WEBHOOK_TIMEOUT_MS = 1_000;
const RETRY_SCALE = 0.001;

type Kind = 'fails' | 'refuses' | 'hangs' | 'healthy';
const KINDS: Array<{ kind: Kind; during: EndpointBehaviour | 'closed' }> = [
  { kind: 'fails', during: 'fail' },
  { kind: 'refuses', during: 'closed' },
  { kind: 'hangs', during: 'hang' },
  { kind: 'healthy', during: 'ok' },
];

/**
 * Chaos scenario 5: four merchants pay at once; during the fault one endpoint answers 500, one refuses connections
 * (closed port), one accepts and never answers, one is healthy. Deliveries to the broken ones are retried on the
 * (compressed) back-off schedule; the hanging one is given up on after WEBHOOK_TIMEOUT_MS without holding up the
 * healthy merchant, whose webhooks all arrive during the fault. Once the endpoints heal, every event reaches its
 * merchant exactly once.
 */
describe('chaos 5: merchant endpoints that fail, refuse and hang', () => {
  let t: TestApp;
  let direct: Client;
  const merchants: Array<{
    kind: Kind;
    appId: string;
    receiver: WebhookReceiver;
    load?: CreatePayLoad;
    client: PaygridClient;
  }> = [];

  beforeAll(async () => {
    t = await startTestApp({
      ...FAST_SANDBOX_ENV,
      ...FAST_EVENTS_ENV,
      // 15 ms, 15 ms, 30 ms, 180 ms, 600 ms, 1.2 s, 1.8 s …: several retries fall inside the fault, none exhausts.
      WEBHOOK_RETRY_SCALE: String(RETRY_SCALE),
      WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
      RATE_LIMIT_PER_MINUTE: '100000',
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    for (const k of KINDS) {
      const receiver = new WebhookReceiver();
      await receiver.start();
      const m = await onboardMerchant(t, {
        name: `Endpoint ${k.kind}`,
        channels: ['alipay_qr'],
        webhookUrl: receiver.url,
      });
      const client = new PaygridClient({
        baseUrl: t.baseUrl,
        appId: m.appId,
        keyId: m.keyId,
        secret: m.secret,
        maxRetries: 0,
        timeoutMs: 8_000,
        verifyResponses: false,
      });
      merchants.push({ kind: k.kind, appId: m.appId, receiver, client });
    }
    direct = await rawClient(t.db.url);
  });
  afterAll(async () => {
    await direct?.end();
    await t?.close();
    for (const m of merchants) await m.receiver.stop();
  });

  const eventsOf = async (appId: string): Promise<Array<{ id: string; aggregate: string }>> =>
    (
      await direct.query(
        `SELECT id, object->>'id' AS aggregate FROM events WHERE app_id = $1 AND type = 'payment.succeeded'`,
        [appId],
      )
    ).rows;

  it('retries with back-off, loses nothing once they heal, and a hanging endpoint holds up no other merchant', async () => {
    for (const [i, k] of KINDS.entries()) {
      const m = merchants[i];
      if (k.during === 'closed') await m.receiver.stop();
      else m.receiver.behaviour = k.during;
      m.load = new CreatePayLoad({
        client: m.client,
        baseUrl: t.baseUrl,
        ratePerSecond: RATE_PER_MERCHANT,
        pay: true,
        label: k.kind,
      });
      m.load.start();
    }
    const faultAt = Date.now();
    await sleep(FAULT_MS - 2_000);
    // All four stop issuing together, then their unanswered orders are finished.
    await Promise.all(merchants.map((m) => m.load!.finish(30_000)));
    const healthy = merchants.find((m) => m.kind === 'healthy')!;
    const paidOf = (m: (typeof merchants)[number]) => m.load!.orders.filter((o) => o.paidAt).map((o) => o.paymentId!);
    // Still in the fault: the healthy merchant has every webhook of its paid payments, the hanging one notwithstanding.
    const healthyDuringFault = await waitFor(
      async () => {
        const events = (await eventsOf(healthy.appId)).filter((e) => paidOf(healthy).includes(e.aggregate));
        const delivered = healthy.receiver.delivered();
        return events.length === paidOf(healthy).length && events.every((e) => delivered.has(e.id)) && Date.now();
      },
      {
        timeoutMs: Math.max(1_000, FAULT_MS - (Date.now() - faultAt)),
        intervalMs: 100,
        what: 'the healthy merchant’s webhooks',
      },
    ).catch(() => undefined);
    await sleep(Math.max(0, FAULT_MS - (Date.now() - faultAt)));

    for (const m of merchants) {
      if (m.kind === 'refuses') await m.receiver.start();
      m.receiver.behaviour = 'ok';
    }
    const healAt = Date.now();
    const allDelivered = async () => {
      for (const m of merchants) {
        const events = await eventsOf(m.appId);
        const delivered = m.receiver.delivered();
        if (events.length < paidOf(m).length || !events.every((e) => delivered.has(e.id))) return false;
      }
      return true;
    };
    await waitFor(allDelivered, { timeoutMs: 60_000, intervalMs: 100, what: 'every webhook after the heal' }).catch(
      () => undefined,
    );
    const recoveredS = Math.round((Date.now() - healAt) / 100) / 10;
    const inv = await settledInvariants(direct);

    let accepted = 0;
    let lost = 0;
    let duplicated = 0;
    const perKind: Record<string, unknown> = {};
    for (const m of merchants) {
      const events = await eventsOf(m.appId);
      const delivered = m.receiver.delivered();
      const attempts = (
        await direct.query(
          `SELECT a.succeeded, a.status_code, a.error, a.latency_ms, a.attempted_at, d.event_id
             FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
            WHERE d.app_id = $1 ORDER BY a.attempted_at`,
          [m.appId],
        )
      ).rows;
      accepted += m.load!.accepted().length;
      lost += m.load!.orders.length - m.load!.accepted().length + paidOf(m).length - events.length;
      lost += events.filter((e) => !delivered.has(e.id)).length;
      duplicated += [...delivered.values()].filter((n) => n > 1).length;
      duplicated += events.length - new Set(events.map((e) => e.aggregate)).size;
      const failed = attempts.filter((a) => !a.succeeded);
      perKind[m.kind] = {
        payments: m.load!.orders.length,
        events: events.length,
        delivered: delivered.size,
        failedAttempts: failed.length,
        slowestFailedMs: Math.max(0, ...failed.map((a) => a.latency_ms)),
        // Gaps between the failed attempts of the event retried most: the back-off shows as growing gaps.
        gapsMs: backoffGaps(attempts),
      };
    }
    console.log(
      `chaos endpoints: ${JSON.stringify(perKind)}; healthy done during the fault: ${Boolean(healthyDuringFault)}`,
    );
    recordScenario({
      scenario: '5 merchant endpoints fail / refuse / hang',
      load: `4 merchants × ${RATE_PER_MERCHANT}/s create+pay, webhooks on`,
      fault: `500, closed port, hang (timeout ${WEBHOOK_TIMEOUT_MS / 1000} s) for ${FAULT_MS / 1000} s`,
      accepted,
      lost,
      duplicated: duplicated + inv.duplicatedPostings,
      recovered_s: recoveredS,
    });

    for (const m of merchants) expect(m.load!.violations).toEqual([]);
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(healthyDuringFault).toBeTruthy();
    const stats = perKind as Record<Kind, { failedAttempts: number; slowestFailedMs: number; gapsMs: number[] }>;
    // Each broken endpoint was tried more than once during the fault, the healthy one never failed.
    for (const k of ['fails', 'refuses', 'hangs'] as const) expect(stats[k].failedAttempts).toBeGreaterThan(1);
    expect(stats.healthy.failedAttempts).toBe(0);
    // Back-off: no retry of an event came before its step of the (scaled) schedule. (How far apart they really came
    // also depends on the machine's load, so growth between steps is printed above, not asserted.)
    const gaps = stats.fails.gapsMs;
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    gaps.forEach((gap, step) =>
      expect(gap).toBeGreaterThanOrEqual(RETRY_SCHEDULE_SECONDS[step] * 1000 * RETRY_SCALE * 0.9),
    );
    // The hanging endpoint was given up on at the timeout, not waited for.
    expect(stats.hangs.slowestFailedMs).toBeLessThan(WEBHOOK_TIMEOUT_MS + 1_500);
    expect(stats.hangs.slowestFailedMs).toBeGreaterThanOrEqual(WEBHOOK_TIMEOUT_MS * 0.9);
    expect(inv).toEqual(ALL_ZERO);
  });
});

/** Milliseconds between consecutive failed attempts of the event that failed most. */
function backoffGaps(attempts: Array<{ succeeded: boolean; event_id: string; attempted_at: Date }>): number[] {
  const byEvent = new Map<string, number[]>();
  for (const a of attempts)
    if (!a.succeeded) byEvent.set(a.event_id, [...(byEvent.get(a.event_id) ?? []), new Date(a.attempted_at).getTime()]);
  const most = [...byEvent.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  return most.slice(1).map((at, i) => at - most[i]);
}
