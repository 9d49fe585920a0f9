import { IncomingHttpHeaders } from 'node:http';
import Stripe from 'stripe';
import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { listen, readBody } from '../sandbox-http-server';
import { CreatePaymentInput, ParsedCallback } from '../../providers/provider.port';
import { verifyStripeSignature } from '../../providers/stripe/stripe-protocol.util';
import { stripeSandboxKeys } from './stripe-sandbox-keys.util';
import { STRIPE_SANDBOX_CARDS } from './stripe.simulator';

let h: Harness;
let keys: ReturnType<typeof stripeSandboxKeys>;
let stripe: Stripe;
let stripeJs: Stripe;
let n = 0;
const order = (paymentMethod: string, over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'stripe_card',
  providerOrderId: `pay_stripe_${Date.now()}_${n++}`,
  amount: 5000n,
  currency: 'USD',
  subject: 'Stripe order',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  notifyUrl: 'unused: Stripe sends to registered endpoints',
  returnUrl: 'https://shop.example.com/return',
  paymentMethod,
  ...over,
});
const callbacksFor = (id: string) =>
  h.received
    .filter((r) => r.provider === 'stripe' && r.result.ok && r.result.callback.providerOrderId === id)
    .map((r) => (r.result as { callback: ParsedCallback }).callback);

/** What Stripe.js does in the payer's browser, with the publishable key. */
const paymentMethodFor = async (number: string) =>
  (await stripeJs.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } }))
    .id;

beforeAll(async () => {
  h = await startHarness();
  keys = stripeSandboxKeys(h.keys.card);
  const url = new URL(h.baseUrl);
  const at = { host: url.hostname, port: Number(url.port), protocol: 'http' as const, maxNetworkRetries: 0 };
  stripe = new Stripe(keys.secretKey, at);
  stripeJs = new Stripe(keys.publishableKey, at);
});
afterAll(() => h.close());
afterEach(() => h.stripeSim.controls.reset());

describe('Stripe simulator, driven by the official stripe client', () => {
  it('creates a PaymentMethod with the publishable key, which may do nothing else', async () => {
    const pm = await stripeJs.paymentMethods.create({
      type: 'card',
      card: { number: STRIPE_SANDBOX_CARDS.approved, exp_month: 12, exp_year: 2030, cvc: '123' },
    });
    expect(pm).toMatchObject({ object: 'payment_method', type: 'card', card: { brand: 'visa', last4: '4242' } });
    expect(JSON.stringify(pm)).not.toContain(STRIPE_SANDBOX_CARDS.approved);
    await expect(stripeJs.paymentIntents.create({ amount: 100, currency: 'usd' })).rejects.toMatchObject({
      type: 'StripeAuthenticationError',
      statusCode: 401,
    });
    await expect(
      stripeJs.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424241', exp_month: 1, exp_year: 2030 },
      }),
    ).rejects.toMatchObject({ type: 'StripeCardError', code: 'incorrect_number' });
  });

  it('confirms, captures by hand, refunds, and lists; a decline is a StripeCardError carrying the intent', async () => {
    const pm = await paymentMethodFor(STRIPE_SANDBOX_CARDS.approved);
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: pm,
      confirm: true,
      capture_method: 'manual',
      allowed_payment_method_types: ['card'],
      metadata: { order: 'o-1' },
    });
    expect(pi).toMatchObject({ status: 'requires_capture', amount_capturable: 2000 });
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1500 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 1500 });
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
    expect(refund).toMatchObject({ object: 'refund', status: 'succeeded', amount: 500 });
    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 1001 })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'amount_too_large',
    });
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.id)).toEqual([refund.id]);
    const found = await stripe.paymentIntents.search({ query: "metadata['order']:'o-1'" });
    expect(found.data.map((x) => x.id)).toEqual([pi.id]);

    const declined = await stripe.paymentIntents
      .create({ amount: 100, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true })
      .catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({
      decline_code: 'generic_decline',
      payment_intent: { status: 'requires_payment_method' },
    });
  });

  it('replays an Idempotency-Key with the first answer and refuses it with other parameters', async () => {
    const params = { amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'idem-a' });
    const again = await stripe.paymentIntents.create(params, { idempotencyKey: 'idem-a' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    await expect(
      stripe.paymentIntents.create({ ...params, amount: 701 }, { idempotencyKey: 'idem-a' }),
    ).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
    });
    expect([...h.stripeSim.intents.values()].filter((s) => s.pi.amount === 700)).toHaveLength(1);
  });

  it('signs webhooks that stripe.webhooks.constructEvent accepts, and refuses a tampered one', async () => {
    const got: Array<{ body: Buffer; headers: IncomingHttpHeaders }> = [];
    const receiver = await listen(async (req, res) => {
      got.push({ body: await readBody(req), headers: req.headers });
      res.statusCode = 200;
      res.end();
    });
    try {
      const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
      const pi = await stripe.paymentIntents.create({
        amount: 900,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
      });
      const delivery = await waitFor(() => got.find((g) => g.body.includes(pi.id)), 'webhook');
      const header = String(delivery.headers['stripe-signature']);
      const event = stripe.webhooks.constructEvent(delivery.body, header, endpoint.secret!);
      expect(event).toMatchObject({
        type: 'payment_intent.succeeded',
        data: { object: { id: pi.id, status: 'succeeded' } },
      });
      const tampered = Buffer.from(delivery.body.toString('utf8').replace('"amount":900', '"amount":1'));
      expect(() => stripe.webhooks.constructEvent(tampered, header, endpoint.secret!)).toThrow();
    } finally {
      receiver.server.closeAllConnections();
      await new Promise((r) => receiver.server.close(r));
    }
  });
});

describe('Stripe-Signature verification, against stripe-node as the counterpart', () => {
  const payload = '{"id":"evt_1","object":"event"}';
  const secret = 'whsec_test_secret';
  const nowS = Math.floor(Date.now() / 1000);

  it('accepts what stripe.webhooks.generateTestHeaderString signs, with any of several v1 values', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: nowS });
    expect(verifyStripeSignature(secret, header, Buffer.from(payload), nowS)).toBe('ok');
    const rolled = `${header},v1=${'0'.repeat(64)}`;
    expect(verifyStripeSignature(secret, rolled, Buffer.from(payload), nowS)).toBe('ok');
  });

  it('refuses another secret, another body, an old timestamp, and garbage headers', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: nowS });
    expect(verifyStripeSignature('whsec_other', header, Buffer.from(payload), nowS)).toBe('signature_invalid');
    expect(verifyStripeSignature(secret, header, Buffer.from(`${payload} `), nowS)).toBe('signature_invalid');
    const old = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: nowS - 301 });
    expect(verifyStripeSignature(secret, old, Buffer.from(payload), nowS)).toBe('timestamp_out_of_window');
    for (const bad of [undefined, '', 't=1', 'v1=abc', `t=${nowS},v1=zz`, `t=${nowS},v0=${'a'.repeat(64)}`])
      expect(verifyStripeSignature(secret, bad, Buffer.from(payload), nowS)).toBe('signature_invalid');
  });
});

describe('Stripe adapter <-> Stripe simulator over HTTP', () => {
  it('a card without 3-D Secure is captured at once; the card view has no number and no 3DS result', async () => {
    const pm = await paymentMethodFor(STRIPE_SANDBOX_CARDS.approved);
    const r = await h.stripe.createPayment(order(pm));
    expect(r).toMatchObject({ status: 'succeeded', amount: 5000n, capturedAmount: 5000n, currency: 'USD' });
    expect(r.providerTransactionId).toMatch(/^pi_/);
    expect(r.card).toEqual({ brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, three_d_secure: null });
  });

  it('a decline is a definite failure with the issuer decline code; no callback makes it succeed', async () => {
    const input = order(await paymentMethodFor(STRIPE_SANDBOX_CARDS.insufficientFunds));
    expect(await h.stripe.createPayment(input)).toMatchObject({
      status: 'failed',
      providerCode: 'insufficient_funds',
      retryable: false,
    });
    const cb = await waitFor(() => callbacksFor(input.providerOrderId)[0], 'payment_failed webhook');
    expect(cb).toMatchObject({ kind: 'payment', status: 'failed' });
    expect(callbacksFor(input.providerOrderId).some((c) => c.status === 'succeeded')).toBe(false);
  });

  it('3DS2 challenge: requires_action with the redirect, the payer authenticates, the webhook says succeeded (Y, ECI 05)', async () => {
    const input = order(await paymentMethodFor(STRIPE_SANDBOX_CARDS.challenge));
    const r = await h.stripe.createPayment(input);
    expect(r.status).toBe('requires_action');
    expect(r.nextAction?.type).toBe('three_d_secure');
    const url = (r.nextAction as { url: string }).url;
    expect((await fetch(url)).status).toBe(200);
    expect((await payerActs(url, 'success')).body.status).toBe('succeeded');
    const cb = await waitFor(
      () => callbacksFor(input.providerOrderId).find((c) => c.status === 'succeeded'),
      'succeeded webhook',
    );
    expect(cb).toMatchObject({
      kind: 'payment',
      amount: 5000n,
      currency: 'USD',
      providerTransactionId: r.providerTransactionId,
    });
    const q = await h.stripe.query('stripe_card', input.providerOrderId, {
      providerTransactionId: r.providerTransactionId,
    });
    expect(q.card?.three_d_secure).toMatchObject({ trans_status: 'Y', eci: '05', flow: 'challenge', version: '2.2.0' });
  });

  it('3DS2 challenge failed by the payer ends failed with payment_intent_authentication_failure', async () => {
    const input = order('pm_card_threeDSecure2Required');
    const r = await h.stripe.createPayment(input);
    await payerActs((r.nextAction as { url: string }).url, 'fail');
    const q = await h.stripe.query('stripe_card', input.providerOrderId, {
      providerTransactionId: r.providerTransactionId,
    });
    expect(q).toMatchObject({ status: 'failed', providerCode: 'payment_intent_authentication_failure' });
  });

  it('3DS2 frictionless: succeeded without the payer, the result says frictionless', async () => {
    const r = await h.stripe.createPayment(order(await paymentMethodFor(STRIPE_SANDBOX_CARDS.frictionless)));
    expect(r.status).toBe('succeeded');
    expect(r.card?.three_d_secure).toMatchObject({ trans_status: 'Y', eci: '05', flow: 'frictionless' });
  });

  it('manual capture: authorized, captured in part; close of an authorization cancels it', async () => {
    const a = order('pm_card_visa', { captureMethod: 'manual' });
    const ra = await h.stripe.createPayment(a);
    expect(ra.status).toBe('authorized');
    const ref = { providerTransactionId: ra.providerTransactionId };
    expect(await h.stripe.capture(a.providerOrderId, 3000n, 'USD', ref)).toMatchObject({
      status: 'succeeded',
      capturedAmount: 3000n,
    });
    // Closing a captured payment reports its real state instead of closing it.
    expect((await h.stripe.close('stripe_card', a.providerOrderId, ref)).status).toBe('succeeded');

    const b = order('pm_card_visa', { captureMethod: 'manual' });
    const rb = await h.stripe.createPayment(b);
    expect(
      (await h.stripe.close('stripe_card', b.providerOrderId, { providerTransactionId: rb.providerTransactionId }))
        .status,
    ).toBe('closed');
    // Without the pi_ id the adapter finds the intent by Paygrid's id (search on metadata).
    expect((await h.stripe.query('stripe_card', b.providerOrderId)).status).toBe('closed');
  });

  it('refunds in part with one Stripe refund per Paygrid refund id, found again by query; over-refund is refused', async () => {
    const input = order('pm_card_visa');
    const paid = await h.stripe.createPayment(input);
    const refund = {
      channel: 'stripe_card' as const,
      providerOrderId: input.providerOrderId,
      providerTransactionId: paid.providerTransactionId,
      providerRefundId: `re_${n++}`,
      amount: 2000n,
      paymentAmount: 5000n,
      currency: 'USD',
      notifyUrl: '',
    };
    const first = await h.stripe.refund(refund);
    expect(first).toMatchObject({ status: 'succeeded', amount: 2000n });
    // The same Paygrid refund again (a retry after a timeout) is the same Stripe refund.
    expect((await h.stripe.refund(refund)).providerRefundTransactionId).toBe(first.providerRefundTransactionId);
    const sim = h.stripeSim.intents.get(paid.providerTransactionId!)!;
    expect(sim.refunds).toHaveLength(1);
    expect(
      await h.stripe.queryRefund('stripe_card', input.providerOrderId, refund.providerRefundId, {
        providerTransactionId: paid.providerTransactionId,
      }),
    ).toMatchObject({ status: 'succeeded', providerRefundTransactionId: first.providerRefundTransactionId });
    expect(await h.stripe.refund({ ...refund, providerRefundId: `re_${n++}`, amount: 3001n })).toMatchObject({
      status: 'failed',
      providerCode: 'amount_too_large',
    });
    const cb = await waitFor(
      () =>
        h.received.find(
          (r) =>
            r.result.ok &&
            r.result.callback.kind === 'refund' &&
            r.result.callback.providerRefundId === refund.providerRefundId,
        ),
      'refund webhook',
    );
    expect(cb.result).toMatchObject({
      ok: true,
      callback: { status: 'succeeded', amount: 2000n, providerOrderId: input.providerOrderId },
    });
  });

  it('a create that timed out is retried under the same Idempotency-Key: one PaymentIntent, found by query', async () => {
    h.stripeSim.setSwitches({ timeoutNext: 1 });
    const input = order('pm_card_visa');
    const r = await h.stripe.createPayment(input);
    // The adapter retried (same key) after the timeout and got Stripe's saved answer.
    expect(r.status).toBe('succeeded');
    const mine = [...h.stripeSim.intents.values()].filter(
      (s) => s.pi.metadata.paygrid_payment_id === input.providerOrderId,
    );
    expect(mine).toHaveLength(1);
    expect((await h.stripe.query('stripe_card', input.providerOrderId)).status).toBe('succeeded');
  });

  it('a 500 is unknown, never failed', async () => {
    h.stripeSim.setSwitches({ serverErrorNext: 10 });
    expect((await h.stripe.createPayment(order('pm_card_visa'))).status).toBe('unknown');
  });

  it('refuses forged and stale webhooks, and acknowledges verified events about untracked objects without applying them', async () => {
    const body = Buffer.from(
      JSON.stringify({ id: 'evt_x', livemode: false, data: { object: { object: 'payment_intent', metadata: {} } } }),
    );
    const t = Math.floor(Date.now() / 1000);
    const sign = (secret: string, ts = t) =>
      Stripe.webhooks.generateTestHeaderString({ payload: body.toString(), secret, timestamp: ts });
    const parse = (header: string) =>
      h.stripe.parseCallback({ headers: { 'stripe-signature': header }, rawBody: body });
    expect(await parse(sign('whsec_forged'))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(await parse(sign(keys.webhookSecret, t - 400))).toEqual({ ok: false, reason: 'timestamp_out_of_window' });
    expect(await parse(sign(keys.webhookSecret))).toEqual({ ok: false, reason: 'not_tracked' });
  });

  it("the day's statement lists the captures and refunds with Paygrid's ids", async () => {
    const input = order('pm_card_visa', { amount: 4321n });
    const paid = await h.stripe.createPayment(input);
    await h.stripe.refund({
      channel: 'stripe_card',
      providerOrderId: input.providerOrderId,
      providerTransactionId: paid.providerTransactionId,
      providerRefundId: 're_statement',
      amount: 321n,
      paymentAmount: 4321n,
      currency: 'USD',
      notifyUrl: '',
    });
    const lines = await h.stripe.fetchStatement(new Date().toISOString().slice(0, 10));
    expect(lines.filter((l) => l.providerOrderId === input.providerOrderId)).toEqual([
      expect.objectContaining({
        kind: 'payment',
        amount: 4321n,
        currency: 'USD',
        providerTransactionId: paid.providerTransactionId,
      }),
      expect.objectContaining({ kind: 'refund', amount: 321n, providerRefundId: 're_statement' }),
    ]);
  });
});
