import type { EventEnvelope } from '@paygrid/contracts';
import { loadConfig } from '../../config/config';
import { ConsumerRunner } from './consumer-runner';
import type { EventConsumer } from './event-bus';
import type { InboxRepository } from './inbox.repository';
import type { NotificationsMetrics } from './notifications.metrics';

/** The process-wide bound on consumer handlers: a burst of events must not take every pool connection. */
describe('ConsumerRunner handler bound', () => {
  const metrics = {
    consumed: { inc: () => undefined },
    deadLettered: { inc: () => undefined },
  } as unknown as NotificationsMetrics;
  // The inbox transaction is where a handler holds its connection; this one just runs the handler.
  const inbox = {
    runOnce: async (_c: string, _id: string, fn: (m: never) => Promise<void>) => (await fn({} as never), true),
  } as unknown as InboxRepository;

  function consumer(name: string, gate: { running: number; peak: number; release: Array<() => void> }): EventConsumer {
    return {
      name,
      patterns: ['#'],
      handle: async () => {
        gate.running++;
        gate.peak = Math.max(gate.peak, gate.running);
        await new Promise<void>((resolve) => gate.release.push(resolve));
        gate.running--;
      },
    } as unknown as EventConsumer;
  }

  it('runs at most EVENT_CONSUMER_CONCURRENCY handlers at once over all consumers, and every event still applies', async () => {
    const config = loadConfig({ ...process.env, EVENT_CONSUMER_CONCURRENCY: '3', DATABASE_POOL_SIZE: '20' });
    const gate = { running: 0, peak: 0, release: [] as Array<() => void> };
    const runners = ['a', 'b', 'c'].map((n) => new ConsumerRunner(consumer(n, gate), inbox, metrics, config));
    const event = (i: number) => ({ id: `evt_${i}`, type: 'payment.succeeded' }) as EventEnvelope;
    const all = Promise.all(runners.flatMap((r) => Array.from({ length: 10 }, (_, i) => r.attempt(event(i), 1))));
    let done = false;
    void all.then(() => (done = true));
    while (!done) {
      await new Promise((r) => setImmediate(r));
      gate.release.shift()?.();
    }
    const outcomes = await all;
    expect(gate.peak).toBe(3);
    expect(outcomes.every((o) => o.outcome === 'applied')).toBe(true);
    expect(outcomes).toHaveLength(30);
  });

  it('never lets consumers hold more than half of the pool', () => {
    const config = loadConfig({ ...process.env, EVENT_CONSUMER_CONCURRENCY: '50', DATABASE_POOL_SIZE: '10' });
    expect(config.events.consumerConcurrency).toBe(5);
  });
});
