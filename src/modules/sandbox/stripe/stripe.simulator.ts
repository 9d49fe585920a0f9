import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { parse } from 'qs';
import { SandboxConfig } from '../sandbox.config';
import { SimulatorBase, SimRoute } from '../shared/simulator-base';
import { CallbackDispatcher } from '../shared/callback-dispatcher';
import { SimRequest, SimResponse, header, html, json, payerOutcome } from '../shared/simulator-http';
import { renderPayerPage } from '../shared/payer-page.util';

type Json = Record<string, any>;

/**
 * Sandbox cards of the Stripe rail (Stripe's own test numbers where Stripe
 * has one for the case). The test PaymentMethod ids Stripe's test mode
 * accepts (`pm_card_visa`, …) map onto the same behaviours.
 */
export const STRIPE_SANDBOX_CARDS = {
  approved: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  /** 3-D Secure 2 with a challenge: requires_action, the payer completes it on the ACS page. */
  challenge: '4000000000003220',
  /** 3-D Secure 2 frictionless: authenticated without the payer (transStatus Y, ECI 05). */
  frictionless: '4000000000003055',
} as const;

type Behaviour = 'approve' | 'decline' | 'insufficient_funds' | 'challenge' | 'frictionless';

const TEST_PAYMENT_METHODS: Record<string, { brand: string; last4: string; behaviour: Behaviour }> = {
  pm_card_visa: { brand: 'visa', last4: '4242', behaviour: 'approve' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', behaviour: 'approve' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', behaviour: 'decline' },
  pm_card_chargeDeclinedInsufficientFunds: { brand: 'visa', last4: '9995', behaviour: 'insufficient_funds' },
  pm_card_threeDSecure2Required: { brand: 'visa', last4: '3220', behaviour: 'challenge' },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3184', behaviour: 'challenge' },
};

const BEHAVIOUR_BY_NUMBER: Record<string, Behaviour> = {
  [STRIPE_SANDBOX_CARDS.declined]: 'decline',
  [STRIPE_SANDBOX_CARDS.insufficientFunds]: 'insufficient_funds',
  [STRIPE_SANDBOX_CARDS.challenge]: 'challenge',
  [STRIPE_SANDBOX_CARDS.frictionless]: 'frictionless',
};

/** Stripe's test mode retries a failed webhook a few times over some hours (live: up to 3 days). */
const STRIPE_TEST_RETRY_SCHEDULE_MS = [5 * 60_000, 30 * 60_000, 2 * 3_600_000];

interface SimPaymentMethod {
  id: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  behaviour: Behaviour;
  created: number;
}

interface SimIntent {
  pi: Json;
  behaviour: Behaviour;
  charge?: Json;
  refunds: Json[];
}

interface IdempotentAnswer {
  fingerprint: string;
  res: SimResponse;
  at: number;
}

const now = () => Math.floor(Date.now() / 1000);
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;

function luhn(pan: string): boolean {
  if (!/^\d{12,19}$/.test(pan)) return false;
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let d = Number(pan[pan.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function brandOf(pan: string): string {
  if (/^4/.test(pan)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(pan)) return 'mastercard';
  if (/^3[47]/.test(pan)) return 'amex';
  if (/^62/.test(pan)) return 'unionpay';
  return 'unknown';
}

/**
 * A Stripe test-mode account over HTTP: the subset of the API the
 * PaymentIntents card flow uses (payment_methods, payment_intents with
 * confirm / capture / cancel / search, refunds, balance_transactions,
 * webhook_endpoints), answering in Stripe's shapes and errors, with
 * Idempotency-Key replay, and webhooks signed with Stripe-Signature.
 * The official `stripe` npm client works against it when pointed at the
 * simulator's host and port (its paths start at /v1, so it needs a server
 * where /v1 is the simulator's: the separate simulator process, or the
 * test harness); Paygrid's adapter uses the /sandbox/stripe prefix.
 * Its signing is its own code (node:crypto), not the adapter's.
 */
export class StripeSimulator extends SimulatorBase {
  protected readonly dispatcher: CallbackDispatcher;
  readonly paymentMethods = new Map<string, SimPaymentMethod>();
  readonly intents = new Map<string, SimIntent>();
  private readonly idempotency = new Map<string, IdempotentAnswer>();
  private readonly endpoints: string[] = [];
  private balanceTransactions: Json[] = [];

  constructor(private readonly config: SandboxConfig) {
    super('/sandbox/stripe', config.hangMs ?? 30_000);
    this.dispatcher = new CallbackDispatcher(
      {
        schedule: STRIPE_TEST_RETRY_SCHEDULE_MS,
        compression: config.callbackTimeCompression ?? 1,
        isAcknowledged: (s) => s >= 200 && s < 300,
      },
      this.controls,
    );
    if (config.stripe.webhookUrl) this.endpoints.push(config.stripe.webhookUrl);
  }

  /** The sandbox account's keys, for tests and scripts that act as Stripe.js (publishable) or as the operator (secret). */
  get apiKeys(): { publishableKey: string; secretKey: string } {
    return { publishableKey: this.config.stripe.publishableKey, secretKey: this.config.stripe.secretKey };
  }

  /** Where webhooks go besides the configured one (what `POST /v1/webhook_endpoints` adds). */
  addWebhookEndpoint(url: string): void {
    if (!this.endpoints.includes(url)) this.endpoints.push(url);
  }

  protected route(req: SimRequest, path: string, query: URLSearchParams): SimRoute | undefined {
    let g: RegExpExecArray | null;
    if ((g = /^\/3ds\/(pi_\w+)$/.exec(path))) return { op: 'payer', run: () => this.challenge(req, g![1]) };
    const m = req.method;
    const api = (op: SimRoute['op'], fn: (p: Json) => SimResponse, publishable = false): SimRoute => ({
      op,
      run: () => this.authenticated(req, query, publishable, fn),
    });
    if (m === 'POST' && path === '/v1/payment_methods') return api('api', (p) => this.createPaymentMethod(p), true);
    if (m === 'GET' && (g = /^\/v1\/payment_methods\/(\w+)$/.exec(path)))
      return api('api', () => this.getPaymentMethod(g![1]));
    if (m === 'POST' && path === '/v1/payment_intents') return api('create', (p) => this.createIntent(p));
    if (m === 'GET' && path === '/v1/payment_intents/search') return api('api', (p) => this.search(p));
    if (m === 'GET' && (g = /^\/v1\/payment_intents\/(pi_\w+)$/.exec(path)))
      return api('api', (p) => this.withIntent(g![1], (s) => this.ok(this.view(s, p))));
    if (m === 'POST' && (g = /^\/v1\/payment_intents\/(pi_\w+)\/(capture|cancel|confirm)$/.exec(path))) {
      const [pid, action] = [g[1], g[2]];
      return api('api', (p) =>
        this.withIntent(pid, (s) =>
          action === 'capture' ? this.capture(s, p) : action === 'cancel' ? this.cancel(s, p) : this.confirm(s, p),
        ),
      );
    }
    if (m === 'POST' && path === '/v1/refunds') return api('refund', (p) => this.createRefund(p));
    if (m === 'GET' && path === '/v1/refunds') return api('api', (p) => this.listRefunds(p));
    if (m === 'GET' && (g = /^\/v1\/refunds\/(re_\w+)$/.exec(path))) return api('api', () => this.getRefund(g![1]));
    if (m === 'GET' && path === '/v1/balance_transactions') return api('api', (p) => this.listBalance(p));
    if (m === 'POST' && path === '/v1/webhook_endpoints') return api('api', (p) => this.createEndpoint(p));
    return undefined;
  }

  protected injectedFailure(req: SimRequest, op: 'create' | 'refund', query: URLSearchParams): SimResponse {
    return this.authenticated(req, query, false, (p) =>
      op === 'create' ? this.createIntent(p, 'decline') : this.createRefund(p, 'declined'),
    );
  }

  // ---- transport: keys, idempotency, errors -------------------------------------------------

  private ok(body: Json): SimResponse {
    return json(200, body, { 'request-id': id('req') });
  }

  private error(status: number, type: string, message: string, extra: Json = {}): SimResponse {
    return json(status, { error: { type, message, ...extra } }, { 'request-id': id('req') });
  }

  private authenticated(
    req: SimRequest,
    query: URLSearchParams,
    publishableAllowed: boolean,
    fn: (p: Json) => SimResponse,
  ): SimResponse {
    const auth = header(req, 'authorization') ?? '';
    const key = /^Bearer (\S+)$/.exec(auth)?.[1];
    const keys = this.config.stripe;
    if (key !== keys.secretKey && !(publishableAllowed && key === keys.publishableKey)) {
      const shown = key ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : '';
      return this.error(
        401,
        'invalid_request_error',
        key ? `Invalid API Key provided: ${shown}` : 'You did not provide an API key.',
      );
    }
    const raw = req.method === 'GET' ? query.toString() : req.rawBody.toString('utf8');
    const params = parse(raw, { depth: 5, arrayLimit: 100 }) as Json;
    const idemKey = req.method === 'POST' ? header(req, 'idempotency-key') : undefined;
    if (!idemKey) return fn(params);
    if (idemKey.length > 255)
      return this.error(400, 'invalid_request_error', 'Idempotency-Key must be at most 255 characters');
    const fingerprint = createHash('sha256').update(`${req.url}\n${raw}`).digest('hex');
    const prior = this.idempotency.get(idemKey);
    if (prior) {
      if (prior.fingerprint !== fingerprint)
        return this.error(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with.`,
        );
      return { ...prior.res, headers: { ...prior.res.headers, 'idempotent-replayed': 'true' } };
    }
    const res = fn(params);
    // Stripe saves the answer once execution began, errors included, except validation-type 400s... and 401s.
    if (res.status !== 401) this.idempotency.set(idemKey, { fingerprint, res, at: Date.now() });
    return res;
  }

  // ---- payment methods ----------------------------------------------------------------------

  private pmJson(pm: SimPaymentMethod): Json {
    return {
      id: pm.id,
      object: 'payment_method',
      type: 'card',
      card: {
        brand: pm.brand,
        last4: pm.last4,
        exp_month: pm.exp_month,
        exp_year: pm.exp_year,
        funding: 'credit',
        country: 'US',
        three_d_secure_usage: { supported: true },
      },
      billing_details: {},
      created: pm.created,
      livemode: false,
      metadata: {},
    };
  }

  /** What Stripe.js does in the payer's browser: the number goes in, only brand and last4 are kept. */
  private createPaymentMethod(p: Json): SimResponse {
    if (p.type !== 'card') return this.error(400, 'invalid_request_error', 'type must be card', { param: 'type' });
    const number = String(p.card?.number ?? '').replace(/\s/g, '');
    const expMonth = Number(p.card?.exp_month);
    const expYear = Number(p.card?.exp_year);
    if (!luhn(number))
      return this.error(402, 'card_error', 'Your card number is incorrect.', {
        code: 'incorrect_number',
        param: 'card[number]',
      });
    if (!(expMonth >= 1 && expMonth <= 12) || !(expYear >= 2000))
      return this.error(402, 'card_error', "Your card's expiration month is invalid.", {
        code: 'invalid_expiry_month',
        param: 'card[exp_month]',
      });
    const pm: SimPaymentMethod = {
      id: id('pm'),
      brand: brandOf(number),
      last4: number.slice(-4),
      exp_month: expMonth,
      exp_year: expYear < 100 ? 2000 + expYear : expYear,
      behaviour: BEHAVIOUR_BY_NUMBER[number] ?? 'approve',
      created: now(),
    };
    this.paymentMethods.set(pm.id, pm);
    return this.ok(this.pmJson(pm));
  }

  private paymentMethod(pmId: string): SimPaymentMethod | undefined {
    const known = this.paymentMethods.get(pmId);
    if (known) return known;
    const test = TEST_PAYMENT_METHODS[pmId];
    return test && { id: pmId, exp_month: 12, exp_year: new Date().getFullYear() + 3, created: now(), ...test };
  }

  private getPaymentMethod(pmId: string): SimResponse {
    const pm = this.paymentMethod(pmId);
    return pm ? this.ok(this.pmJson(pm)) : this.missing('payment_method', pmId);
  }

  private missing(kind: string, objId: string): SimResponse {
    return this.error(404, 'invalid_request_error', `No such ${kind}: '${objId}'`, { code: 'resource_missing' });
  }

  // ---- payment intents ----------------------------------------------------------------------

  private withIntent(piId: string, fn: (s: SimIntent) => SimResponse): SimResponse {
    const s = this.intents.get(piId);
    return s ? fn(s) : this.missing('payment_intent', piId);
  }

  /** The PaymentIntent as Stripe shows it, `latest_charge` expanded when asked (`expand[]=latest_charge`). */
  private view(s: SimIntent, p: Json = {}): Json {
    const expand = ([] as string[]).concat(p.expand ?? []);
    const latest = s.charge ? (expand.includes('latest_charge') ? s.charge : s.charge.id) : null;
    return { ...s.pi, latest_charge: latest };
  }

  private createIntent(p: Json, forced?: Behaviour): SimResponse {
    const amount = Number(p.amount);
    if (!/^\d+$/.test(String(p.amount ?? '')) || amount < 1)
      return this.error(400, 'invalid_request_error', 'Invalid integer: amount', {
        code: 'parameter_invalid_integer',
        param: 'amount',
      });
    if (!/^[a-z]{3}$/.test(String(p.currency ?? '')))
      return this.error(400, 'invalid_request_error', 'Invalid currency', {
        code: 'parameter_invalid',
        param: 'currency',
      });
    const captureMethod = p.capture_method ?? 'automatic';
    if (!['automatic', 'automatic_async', 'manual'].includes(captureMethod))
      return this.error(400, 'invalid_request_error', 'Invalid capture_method', { param: 'capture_method' });
    const piId = id('pi');
    const pi: Json = {
      id: piId,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency: p.currency,
      capture_method: captureMethod === 'manual' ? 'manual' : 'automatic',
      client_secret: `${piId}_secret_${randomBytes(12).toString('hex')}`,
      confirmation_method: 'automatic',
      created: now(),
      description: p.description ?? null,
      last_payment_error: null,
      livemode: false,
      metadata: typeof p.metadata === 'object' && p.metadata ? p.metadata : {},
      next_action: null,
      payment_method: p.payment_method ?? null,
      payment_method_types: ([] as string[]).concat(p.allowed_payment_method_types ?? ['card']),
      status: 'requires_payment_method',
      canceled_at: null,
      cancellation_reason: null,
    };
    const s: SimIntent = { pi, behaviour: 'approve', refunds: [] };
    this.intents.set(piId, s);
    if (String(p.confirm) !== 'true') {
      if (p.payment_method) pi.status = 'requires_confirmation';
      return this.ok(this.view(s, p));
    }
    return this.confirm(s, p, forced);
  }

  private confirm(s: SimIntent, p: Json, forced?: Behaviour): SimResponse {
    const pi = s.pi;
    if (!['requires_payment_method', 'requires_confirmation'].includes(pi.status))
      return this.unexpectedState(s, 'confirm');
    const pmId = p.payment_method ?? pi.payment_method;
    if (!pmId)
      return this.error(400, 'invalid_request_error', 'You must provide a payment_method to confirm.', {
        code: 'parameter_missing',
        param: 'payment_method',
      });
    const pm = this.paymentMethod(String(pmId));
    if (!pm) return this.missing('payment_method', String(pmId));
    pi.payment_method = pm.id;
    if (p.return_url) pi.return_url = p.return_url;
    s.behaviour = forced ?? pm.behaviour;
    if (s.behaviour === 'decline' || s.behaviour === 'insufficient_funds') {
      const code = s.behaviour === 'decline' ? 'generic_decline' : 'insufficient_funds';
      pi.status = 'requires_payment_method';
      pi.last_payment_error = {
        type: 'card_error',
        code: 'card_declined',
        decline_code: code,
        message: code === 'insufficient_funds' ? 'Your card has insufficient funds.' : 'Your card was declined.',
        payment_method: this.pmJson(pm),
      };
      this.emit('payment_intent.payment_failed', this.view(s));
      return this.error(402, 'card_error', pi.last_payment_error.message, {
        code: 'card_declined',
        decline_code: code,
        payment_intent: this.view(s, p),
      });
    }
    if (s.behaviour === 'challenge') {
      pi.status = 'requires_action';
      const url = `${this.config.publicBaseUrl}${this.mount}/3ds/${pi.id}`;
      pi.next_action = pi.return_url
        ? { type: 'redirect_to_url', redirect_to_url: { url, return_url: pi.return_url } }
        : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url } };
      this.emit('payment_intent.requires_action', this.view(s));
      return this.ok(this.view(s, p));
    }
    this.authorize(
      s,
      pm,
      s.behaviour === 'frictionless'
        ? { authentication_flow: 'frictionless', result: 'authenticated', result_reason: null }
        : null,
    );
    return this.ok(this.view(s, p));
  }

  /** The issuer approved: a charge, then succeeded (automatic capture) or requires_capture (manual). */
  private authorize(s: SimIntent, pm: SimPaymentMethod, tds: Json | null): void {
    const pi = s.pi;
    const capture = pi.capture_method !== 'manual';
    pi.next_action = null;
    pi.last_payment_error = null;
    s.charge = {
      id: id('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_captured: capture ? pi.amount : 0,
      amount_refunded: 0,
      captured: capture,
      currency: pi.currency,
      created: now(),
      metadata: { ...pi.metadata },
      paid: true,
      payment_intent: pi.id,
      payment_method: pm.id,
      status: 'succeeded',
      refunded: false,
      payment_method_details: {
        type: 'card',
        card: {
          brand: pm.brand,
          last4: pm.last4,
          exp_month: pm.exp_month,
          exp_year: pm.exp_year,
          funding: 'credit',
          network: pm.brand,
          three_d_secure: tds
            ? {
                ...tds,
                version: '2.2.0',
                electronic_commerce_indicator: tds.result === 'authenticated' ? '05' : '07',
                transaction_id: randomUUID(),
              }
            : null,
        },
      },
    };
    if (capture) {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      this.balance('charge', pi.amount, pi.currency, s.charge);
      this.emit('payment_intent.succeeded', this.view(s));
    } else {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
      this.emit('payment_intent.amount_capturable_updated', this.view(s));
    }
  }

  private unexpectedState(s: SimIntent, action: string): SimResponse {
    return this.error(
      400,
      'invalid_request_error',
      `This PaymentIntent's ${action} could not be performed because it has a status of ${s.pi.status}.`,
      { code: 'payment_intent_unexpected_state', payment_intent: this.view(s) },
    );
  }

  private capture(s: SimIntent, p: Json): SimResponse {
    const pi = s.pi;
    if (pi.status !== 'requires_capture') return this.unexpectedState(s, 'capture');
    const amount = p.amount_to_capture !== undefined ? Number(p.amount_to_capture) : pi.amount_capturable;
    if (!Number.isInteger(amount) || amount < 1 || amount > pi.amount_capturable)
      return this.error(400, 'invalid_request_error', 'amount_to_capture exceeds the capturable amount', {
        code: 'amount_too_large',
        param: 'amount_to_capture',
      });
    pi.status = 'succeeded';
    pi.amount_received = amount;
    pi.amount_capturable = 0;
    s.charge!.amount_captured = amount;
    s.charge!.captured = true;
    this.balance('charge', amount, pi.currency, s.charge!);
    this.emit('payment_intent.succeeded', this.view(s));
    return this.ok(this.view(s, p));
  }

  private cancel(s: SimIntent, p: Json): SimResponse {
    const pi = s.pi;
    if (pi.status === 'canceled') return this.ok(this.view(s, p));
    if (
      !['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action'].includes(pi.status)
    )
      return this.unexpectedState(s, 'cancel');
    pi.status = 'canceled';
    pi.canceled_at = now();
    pi.cancellation_reason = p.cancellation_reason ?? null;
    pi.next_action = null;
    pi.amount_capturable = 0;
    this.emit('payment_intent.canceled', this.view(s));
    return this.ok(this.view(s, p));
  }

  /** Only metadata equality (`metadata['k']:'v'`) and `status:'x'` clauses joined by AND, the forms Paygrid uses. */
  private search(p: Json): SimResponse {
    const clauses = String(p.query ?? '')
      .split(/\s+AND\s+/i)
      .map((c) => /^(?:metadata\[['"](\w+)['"]\]|(status)):['"]([^'"]*)['"]$/.exec(c.trim()));
    if (clauses.some((c) => !c))
      return this.error(400, 'invalid_request_error', 'Unsupported search query', { param: 'query' });
    const data = [...this.intents.values()]
      .filter((s) =>
        (clauses as RegExpExecArray[]).every(([, key, status, value]) =>
          status ? s.pi.status === value : s.pi.metadata?.[key!] === value,
        ),
      )
      .map((s) => this.view(s, p));
    return this.ok({
      object: 'search_result',
      data,
      has_more: false,
      next_page: null,
      url: '/v1/payment_intents/search',
    });
  }

  // ---- 3-D Secure challenge (the issuer's ACS page) -------------------------------------------

  private challenge(req: SimRequest, piId: string): SimResponse {
    const s = this.intents.get(piId);
    if (!s) return json(404, { error: 'unknown authentication' });
    const pm = this.paymentMethod(String(s.pi.payment_method))!;
    if (req.method === 'GET')
      return html(
        renderPayerPage('3-D Secure 2 challenge (Stripe sandbox)', [
          ['Card', `${pm.brand} •••• ${pm.last4}`],
          ['Amount', `${s.pi.amount} ${String(s.pi.currency).toUpperCase()} (minor units)`],
          ['Status', s.pi.status],
        ]),
      );
    const outcome = payerOutcome(req);
    if (!outcome) return json(400, { error: 'body must be {"outcome":"success"} or {"outcome":"fail"}' });
    if (s.pi.status !== 'requires_action') return json(409, { error: `payment intent is ${s.pi.status}` });
    if (outcome === 'success') {
      this.authorize(s, pm, { authentication_flow: 'challenge', result: 'authenticated', result_reason: null });
    } else {
      s.pi.status = 'requires_payment_method';
      s.pi.next_action = null;
      s.pi.last_payment_error = {
        type: 'card_error',
        code: 'payment_intent_authentication_failure',
        message: 'The provided PaymentMethod has failed authentication.',
      };
      this.emit('payment_intent.payment_failed', this.view(s));
    }
    return json(200, { status: s.pi.status, payment_intent: s.pi.id, return_url: s.pi.return_url ?? null });
  }

  // ---- refunds ------------------------------------------------------------------------------

  private createRefund(p: Json, forcedFailure?: string): SimResponse {
    const piId = p.payment_intent ?? [...this.intents.values()].find((x) => x.charge?.id === p.charge)?.pi.id;
    const s = piId ? this.intents.get(String(piId)) : undefined;
    if (!s)
      return this.error(400, 'invalid_request_error', 'You must provide a valid payment_intent or charge.', {
        code: 'resource_missing',
        param: 'payment_intent',
      });
    if (s.pi.status !== 'succeeded' || !s.charge)
      return this.error(
        400,
        'invalid_request_error',
        `This PaymentIntent does not have a successful charge to refund.`,
        {
          code: 'charge_not_refundable',
        },
      );
    const left = s.charge.amount_captured - s.charge.amount_refunded;
    if (left <= 0)
      return this.error(400, 'invalid_request_error', `Charge ${s.charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
      });
    const amount = p.amount !== undefined ? Number(p.amount) : left;
    if (!Number.isInteger(amount) || amount < 1 || amount > left)
      return this.error(
        400,
        'invalid_request_error',
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
        {
          code: 'amount_too_large',
          param: 'amount',
        },
      );
    const async = this.controls.switches.asyncRefund && !forcedFailure;
    const refund: Json = {
      id: id('re'),
      object: 'refund',
      amount,
      currency: s.pi.currency,
      charge: s.charge.id,
      payment_intent: s.pi.id,
      created: now(),
      metadata: typeof p.metadata === 'object' && p.metadata ? p.metadata : {},
      reason: p.reason ?? null,
      status: forcedFailure ? 'failed' : async ? 'pending' : 'succeeded',
      ...(forcedFailure ? { failure_reason: forcedFailure } : {}),
    };
    s.refunds.push(refund);
    if (!forcedFailure) {
      s.charge.amount_refunded += amount;
      s.charge.refunded = s.charge.amount_refunded === s.charge.amount_captured;
    }
    this.emit('refund.created', refund);
    if (refund.status === 'succeeded') this.balance('refund', -amount, s.pi.currency, refund);
    if (async) {
      this.later(this.controls.switches.asyncRefundDelayMs, () => {
        refund.status = 'succeeded';
        this.balance('refund', -amount, s.pi.currency, refund);
        this.emit('refund.updated', refund);
      });
    }
    return this.ok(refund);
  }

  private allRefunds(): Json[] {
    return [...this.intents.values()].flatMap((s) => s.refunds);
  }

  private listRefunds(p: Json): SimResponse {
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 10)));
    const data = this.allRefunds()
      .filter((r) => !p.payment_intent || r.payment_intent === p.payment_intent)
      .sort((a, b) => b.created - a.created);
    return this.ok({ object: 'list', data: data.slice(0, limit), has_more: data.length > limit, url: '/v1/refunds' });
  }

  private getRefund(reId: string): SimResponse {
    const r = this.allRefunds().find((x) => x.id === reId);
    return r ? this.ok(r) : this.missing('refund', reId);
  }

  // ---- balance transactions, webhook endpoints --------------------------------------------------

  private balance(type: 'charge' | 'refund', amount: number, currency: string, source: Json): void {
    this.balanceTransactions.push({
      id: id('txn'),
      object: 'balance_transaction',
      amount,
      currency,
      created: now(),
      fee: 0,
      net: amount,
      status: 'pending',
      type,
      source,
    });
  }

  private listBalance(p: Json): SimResponse {
    const gte = Number(p.created?.gte ?? 0);
    const lt = Number(p.created?.lt ?? Number.MAX_SAFE_INTEGER);
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 10)));
    const expand = ([] as string[]).concat(p.expand ?? []);
    const expandSource = expand.includes('data.source');
    const expandIntent = expand.includes('data.source.payment_intent');
    const source = (src: Json): Json | string => {
      if (!expandSource) return src.id;
      const s = expandIntent ? this.intents.get(src.payment_intent) : undefined;
      return s ? { ...src, payment_intent: this.view(s) } : src;
    };
    let rows = this.balanceTransactions.filter((b) => b.created >= gte && b.created < lt);
    if (p.starting_after) rows = rows.slice(rows.findIndex((b) => b.id === p.starting_after) + 1);
    const data = rows.slice(0, limit).map((b) => ({ ...b, source: source(b.source) }));
    return this.ok({ object: 'list', data, has_more: rows.length > limit, url: '/v1/balance_transactions' });
  }

  private createEndpoint(p: Json): SimResponse {
    if (typeof p.url !== 'string' || !/^https?:\/\//.test(p.url))
      return this.error(400, 'invalid_request_error', 'Invalid URL', { param: 'url' });
    this.addWebhookEndpoint(p.url);
    return this.ok({
      id: id('we'),
      object: 'webhook_endpoint',
      url: p.url,
      enabled_events: ([] as string[]).concat(p.enabled_events ?? ['*']),
      status: 'enabled',
      // The sandbox account signs every endpoint's events with its one secret.
      secret: this.config.stripe.webhookSecret,
      livemode: false,
      created: now(),
    });
  }

  // ---- webhooks -------------------------------------------------------------------------------

  private emit(type: string, object: Json): void {
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: now(),
      data: { object: JSON.parse(JSON.stringify(object)) },
      livemode: false,
      pending_webhooks: this.endpoints.length,
      request: { id: null, idempotency_key: null },
      type,
    };
    const body = JSON.stringify(event);
    for (const url of this.endpoints) {
      // Same body on every retry; a fresh t= and signature per attempt, as Stripe does.
      this.dispatcher.send(event.id, url, () => {
        const t = now();
        const v1 = createHmac('sha256', this.config.stripe.webhookSecret).update(`${t}.${body}`).digest('hex');
        return {
          headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': `t=${t},v1=${v1}` },
          body,
        };
      });
    }
  }
}
