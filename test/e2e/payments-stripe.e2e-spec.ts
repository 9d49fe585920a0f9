import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { loadConfig } from '../../src/config/config';
import { SimulatorServer } from '../../src/modules/sandbox/sandbox-http-server';
import { startSandboxProcess } from '../../src/modules/sandbox/sandbox-process';
import { STRIPE_SANDBOX_CARDS } from '../../src/modules/sandbox/stripe/stripe.simulator';
import { TestDatabase, createTestDatabase } from '../utils/test-db';
import { TestApp, freePort, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, count, effectsOf, pay, trialBalanceIsZero, waitForStatus } from '../utils/payments-kit';

/**
 * The Stripe card rail end to end: the simulators run as their own process
 * (as Stripe is someone else's server), the payer's browser is played by the
 * official stripe client with the publishable key (what Stripe.js does), the
 * operator registers Paygrid's webhook endpoint with the official client, and
 * the merchant sees only a PaymentMethod id, never card data.
 */
describe('stripe_card: create -> (3DS) -> Stripe webhook -> refund (e2e)', () => {
  let db: TestDatabase;
  let sandbox: SimulatorServer;
  let t: TestApp;
  let m: OnboardedMerchant;
  let browser: Stripe;
  let n = 0;
  const dataKeys = `st1:${randomBytes(32).toString('base64')}`;
  const order = () => `st-${++n}-${Date.now()}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    const env = {
      ...FAST_SANDBOX_ENV,
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      PAYGRID_DATA_KEYS: dataKeys,
      HOST: '127.0.0.1',
    };
    sandbox = await startSandboxProcess(loadConfig({ ...env, PAYGRID_MODE: 'sandbox', SANDBOX_PORT: String(port) }));
    t = await startTestApp(
      { ...FAST_SANDBOX_ENV, PAYGRID_DATA_KEYS: dataKeys, SANDBOX_URL: `http://127.0.0.1:${port}` },
      { db },
    );
    const at = { host: '127.0.0.1', port, protocol: 'http' as const, maxNetworkRetries: 0 };
    const keys = sandbox.simulators.stripe.apiKeys;
    browser = new Stripe(keys.publishableKey, at);
    // What the operator does once in the Stripe dashboard.
    await new Stripe(keys.secretKey, at).webhookEndpoints.create({
      url: `${t.baseUrl}/callbacks/stripe`,
      enabled_events: ['payment_intent.succeeded', 'payment_intent.payment_failed', 'refund.updated'],
    });
    m = await onboardMerchant(t, { merchant: { fee_bps: 60 }, channels: ['card', 'stripe_card'] });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
    await sandbox.close();
    await db.drop();
  });

  const paymentMethod = async (number: string) =>
    (await browser.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2031, cvc: '123' } }))
      .id;
  const create = (body: Record<string, unknown>) =>
    m.client.post<any>('/v1/payments', {
      out_trade_no: order(),
      amount: 2500,
      currency: 'USD',
      subject: 'Tea',
      channel: 'stripe_card',
      return_url: 'https://shop.example.com/paid',
      ...body,
    });

  it('a card without 3-D Secure succeeds at once; the payment shows brand and last4 only, then refunds in part', async () => {
    const p = await create({ card: { payment_method: await paymentMethod(STRIPE_SANDBOX_CARDS.approved) } });
    expect(p).toMatchObject({
      status: 'succeeded',
      amount_captured: 2500,
      fee: 15,
      provider_transaction_id: expect.stringMatching(/^pi_/),
      card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2031, three_d_secure: null },
    });
    expect(p.card.token).toBeUndefined();
    expect(JSON.stringify(p)).not.toContain(STRIPE_SANDBOX_CARDS.approved);
    const r = await m.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-r1`, amount: 1000 });
    expect(r.status).toBe('succeeded');
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });
    expect(await effectsOf(t.dataSource, r.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
    expect((await m.client.get<any>(`/v1/payments/${p.id}`)).amount_refunded).toBe(1000);
  });

  it('3DS2 challenge: requires_action -> the payer authenticates at the ACS -> Stripe webhook -> succeeded with transStatus Y, ECI 05', async () => {
    const p = await create({ card: { payment_method: await paymentMethod(STRIPE_SANDBOX_CARDS.challenge) } });
    expect(p).toMatchObject({
      status: 'requires_action',
      next_action: { type: 'three_d_secure', url: expect.any(String) },
    });
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: [] });
    expect(await pay(t.baseUrl, p)).toBeLessThan(300);
    const done = await waitForStatus(m.client, p.id, 'succeeded');
    expect(done.card.three_d_secure).toMatchObject({
      trans_status: 'Y',
      eci: '05',
      flow: 'challenge',
      version: '2.2.0',
    });
    // Stripe's webhook delivered it (not only the resolver's query).
    const delivered = sandbox.simulators.stripe
      .deliveries()
      .filter((d) => d.url === `${t.baseUrl}/callbacks/stripe` && d.state === 'delivered');
    expect(delivered.length).toBeGreaterThan(0);
    expect(
      await count(
        t.dataSource,
        `SELECT 1 FROM provider_callbacks WHERE provider = 'stripe' AND provider_order_id = $1 AND verified`,
        [p.id],
      ),
    ).toBeGreaterThan(0);
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });
    const r = await m.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-r1`, amount: 2500 });
    expect(r.status).toBe('succeeded');
  });

  it('3DS2 frictionless: succeeded at once, the result says frictionless', async () => {
    const p = await create({ card: { payment_method: await paymentMethod(STRIPE_SANDBOX_CARDS.frictionless) } });
    expect(p).toMatchObject({
      status: 'succeeded',
      card: { three_d_secure: { trans_status: 'Y', flow: 'frictionless' } },
    });
  });

  it('a declined card fails with the decline code: no ledger entry, one payment.failed', async () => {
    const p = await create({ card: { payment_method: 'pm_card_chargeDeclined' } });
    expect(p).toMatchObject({ status: 'failed', failure_code: 'generic_decline' });
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: ['payment.failed'] });
  });

  it('manual capture: authorized, captured in part; another authorization is closed (canceled at Stripe)', async () => {
    const p = await create({ capture_method: 'manual', card: { payment_method: 'pm_card_visa' } });
    expect(p.status).toBe('authorized');
    const captured = await m.client.post<any>(`/v1/payments/${p.id}/capture`, { amount: 2000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_captured: 2000, fee: 12 });
    const sim = sandbox.simulators.stripe.intents.get(p.provider_transaction_id)!;
    expect(sim.pi).toMatchObject({ status: 'succeeded', amount_received: 2000 });

    const q = await create({ capture_method: 'manual', card: { payment_method: 'pm_card_visa' } });
    const closed = await m.client.post<any>(`/v1/payments/${q.id}/close`, {});
    expect(closed.status).toBe('closed');
    expect(sandbox.simulators.stripe.intents.get(q.provider_transaction_id)!.pi.status).toBe('canceled');
    expect(await effectsOf(t.dataSource, q.id)).toEqual({
      entries: 0,
      events: ['payment.authorized', 'payment.closed'],
    });
  });

  it.each([
    ['no payment method', { card: undefined }, 'payment_method_required'],
    ['card data instead of a PaymentMethod', { card: { encrypted: 'x.y.z.w.v' } }, 'payment_method_required'],
    [
      'a Paygrid card token',
      { card: { payment_method: 'pm_card_visa', token: `tok_${'a'.repeat(26)}` } },
      'payment_method_required',
    ],
    ['no return_url', { return_url: undefined, card: { payment_method: 'pm_card_visa' } }, 'return_url_required'],
  ])('refuses %s with a 400 and creates nothing', async (_what, body, code) => {
    const before = await count(t.dataSource, 'SELECT 1 FROM payments');
    const sims = sandbox.simulators.stripe.intents.size;
    await expect(create(body)).rejects.toMatchObject({ status: 400, code });
    expect(await count(t.dataSource, 'SELECT 1 FROM payments')).toBe(before);
    expect(sandbox.simulators.stripe.intents.size).toBe(sims);
  });

  it('a PaymentMethod id on the PGA/1 card channel is refused', async () => {
    await expect(create({ channel: 'card', card: { payment_method: 'pm_card_visa' } })).rejects.toMatchObject({
      status: 400,
      code: 'card_required',
    });
  });
});
