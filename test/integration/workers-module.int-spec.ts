import { CheckoutExpiryWorker } from '../../src/modules/checkout/checkout-expiry.worker';
import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { OutboxRelay } from '../../src/modules/notifications/outbox-relay.worker';
import { WebhookDeliveryWorker } from '../../src/modules/notifications/webhooks/webhook-delivery.worker';
import { PaymentResolverWorker } from '../../src/modules/payments/resolution/payment-resolver.worker';
import { PayoutWorker } from '../../src/modules/settlements/payout.worker';
import { SettlementSchedulerWorker } from '../../src/modules/settlements/settlement-scheduler.worker';
import { WorkerProcessModule } from '../../src/worker';
import { WorkerHost } from '../../src/workers/worker-host';
import { TestDatabase, createTestDatabase } from '../utils/test-db';
import { TestApp, startTestApp, testConfig } from '../utils/test-app';

// Both processes share one database, so they share its data key.
const ENV = { PAYGRID_DATA_KEYS: `t1:${randomBytes(32).toString('base64')}` };
const LOOPS = [
  OutboxRelay,
  WebhookDeliveryWorker,
  PaymentResolverWorker,
  SettlementSchedulerWorker,
  PayoutWorker,
  CheckoutExpiryWorker,
];

const providersOf = (app: INestApplicationContext): string[] =>
  [...app.get(ModulesContainer).values()].flatMap((m) =>
    [...m.providers.keys()].map((k) => (typeof k === 'function' ? k.name : String(k))),
  );

const controllersOf = (app: INestApplicationContext): string[] =>
  [...app.get(ModulesContainer).values()].flatMap((m) =>
    [...m.controllers.keys()].map((k) => (typeof k === 'function' ? k.name : String(k))),
  );

describe('WorkersModule: what runs where', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('the worker process runs every loop and consumer and instantiates no controller', async () => {
    const config = testConfig(db, { ...ENV, PAYGRID_ROLE: 'worker' });
    const app = await NestFactory.createApplicationContext(WorkerProcessModule.forRoot(config), { logger: false });
    try {
      await app.init();
      expect(controllersOf(app)).toEqual([]);
      for (const loop of LOOPS)
        expect({ loop: loop.name, running: app.get(loop).isRunning }).toEqual({ loop: loop.name, running: true });
      expect(
        app
          .get(WorkerHost)
          .consumers()
          .map((c) => ({ name: c.name, patterns: c.patterns }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      ).toEqual([
        { name: 'checkout', patterns: ['payment.succeeded'] },
        { name: 'payouts', patterns: ['settlement.completed'] },
        { name: 'webhooks', patterns: ['#'] },
      ]);
    } finally {
      await app.close();
    }
    // Stopped with the app: no loop outlives it.
    for (const loop of LOOPS) expect(app.get(loop).isRunning).toBe(false);
  });

  describe('the API process (PAYGRID_ROLE=api)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ ...ENV, PAYGRID_ROLE: 'api' }, { db });
    });
    afterAll(() => t.close());

    it('runs no loop and subscribes no consumer, but serves every controller', () => {
      for (const loop of LOOPS)
        expect({ loop: loop.name, running: t.app.get(loop).isRunning }).toEqual({ loop: loop.name, running: false });
      expect(providersOf(t.app)).not.toContain('WorkerHost');
      expect(controllersOf(t.app)).toEqual(expect.arrayContaining(['PaymentsController', 'HealthController']));
    });
  });
});
