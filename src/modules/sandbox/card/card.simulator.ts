import { randomBytes, randomUUID } from 'node:crypto';
import { SandboxConfig } from '../sandbox.config';
import { SimulatorBase, SimRoute } from '../shared/simulator-base';
import { CallbackDispatcher, WECHATPAY_RETRY_SCHEDULE_MS } from '../shared/callback-dispatcher';
import { InMemorySimulatorStore, SimulatorStore } from '../shared/simulator-store';
import { SimRequest, SimResponse, html, json, payerOutcome } from '../shared/simulator-http';
import { renderPayerPage } from '../shared/payer-page.util';
import { cardBrand, cardExpired, luhnValid } from './card-checks.util';
import { checkSignedRequest, signedHeaders } from '../shared/hmac-protocol.util';
import {
  beijingTime as alipayTimestamp,
  bigOf as fromJsonInteger,
  numOf as toJsonInteger,
} from '../shared/sim-format.util';

/** PGA/1 header names. */
const ACQ_HEADERS = {
  merchant: 'x-acq-merchant',
  timestamp: 'x-acq-timestamp',
  nonce: 'x-acq-nonce',
  signature: 'x-acq-signature',
} as const;

type Json = Record<string, any>;

/** Sandbox card numbers (docs/api.md "Sandbox"). Any other Luhn-valid number is approved. */
export const SANDBOX_CARDS = {
  approved: '4242424242424242',
  declined: '4000000000000002',
  threeDSecure: '4000000000003220',
} as const;

interface CardRefund {
  refundId: string;
  acquirerRefundId: string;
  orderId: string;
  amount: bigint;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  failureCode?: string;
  at: Date;
}

export interface CardAuthorization {
  authorizationId: string;
  orderId: string;
  status: 'requires_action' | 'authorized' | 'captured' | 'declined' | 'voided';
  amount: bigint;
  capturedAmount: bigint;
  currency: string;
  brand: string;
  last4: string;
  capture: boolean;
  declineCode?: string;
  notifyUrl?: string;
  createdAt: Date;
  capturedAt?: Date;
  refunds: CardRefund[];
}

/**
 * Acquirer simulator for the PGA/1 protocol (card-protocol.util.ts): HMAC
 * checked requests, signed answers and callbacks, 3-D Secure challenge page
 * at /3ds/:authorization_id. The PAN is used for the decision and dropped:
 * only brand and last4 are kept, as a real acquirer's merchant view shows.
 */
export class CardSimulator extends SimulatorBase {
  protected readonly dispatcher: CallbackDispatcher;

  constructor(
    private readonly config: SandboxConfig,
    readonly authorizations: SimulatorStore<CardAuthorization> = new InMemorySimulatorStore<CardAuthorization>(),
  ) {
    super('/sandbox/card', config.hangMs ?? 30_000);
    this.dispatcher = new CallbackDispatcher(
      {
        schedule: WECHATPAY_RETRY_SCHEDULE_MS,
        compression: config.callbackTimeCompression ?? 1,
        isAcknowledged: (s) => s >= 200 && s < 300,
      },
      this.controls,
    );
  }

  protected route(req: SimRequest, path: string): SimRoute | undefined {
    let g: RegExpExecArray | null;
    if ((g = /^\/3ds\/([\w-]+)$/.exec(path))) return { op: 'payer', run: () => this.challenge(req, g![1]) };
    const api = (op: SimRoute['op'], fn: (b: Json) => SimResponse): SimRoute => ({
      op,
      run: () => this.authenticated(req, fn),
    });
    if (req.method === 'POST' && path === '/v1/authorizations') return api('create', (b) => this.authorize(b));
    if (req.method === 'GET' && (g = /^\/v1\/authorizations\/([^/]+)$/.exec(path)))
      return api('api', () => this.view(decodeURIComponent(g![1])));
    if (req.method === 'POST' && (g = /^\/v1\/authorizations\/([^/]+)\/(capture|void)$/.exec(path))) {
      const [id, action] = [decodeURIComponent(g[1]), g[2]];
      return api('api', (b) => (action === 'capture' ? this.capture(id, b) : this.void(id)));
    }
    if (req.method === 'POST' && path === '/v1/refunds') return api('refund', (b) => this.refund(b));
    if (req.method === 'GET' && (g = /^\/v1\/refunds\/([^/]+)$/.exec(path)))
      return api('api', () => this.refundView(decodeURIComponent(g![1])));
    if (req.method === 'GET' && (g = /^\/v1\/statements\/(\d{4}-\d{2}-\d{2})$/.exec(path)))
      return api('api', () => this.signed(200, this.statement(g![1])));
    return undefined;
  }

  protected injectedFailure(req: SimRequest, op: 'create' | 'refund'): SimResponse {
    // Decided like a real decline/refusal: a signed 2xx carrying the negative result.
    return this.authenticated(req, (b) => {
      if (op === 'create') return this.authorize(b, 'do_not_honor');
      return this.refund(b, 'refund_declined');
    });
  }

  private signed(status: number, value: unknown): SimResponse {
    const body = JSON.stringify(value);
    return {
      status,
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(ACQ_HEADERS, this.config.card.hmacSecret, 'response', body),
      },
      body,
    };
  }

  private error(status: number, code: string, message: string): SimResponse {
    return this.signed(status, { error: { code, message } });
  }

  private authenticated(req: SimRequest, fn: (b: Json) => SimResponse): SimResponse {
    const body = req.rawBody.toString('utf8');
    const get = (h: string) => {
      const v = req.headers[h];
      return Array.isArray(v) ? undefined : v;
    };
    if (get(ACQ_HEADERS.merchant) !== this.config.card.merchantId)
      return this.error(401, 'unknown_merchant', 'unknown merchant');
    const check = checkSignedRequest(ACQ_HEADERS, this.config.card.hmacSecret, req.method, req.url, body, get);
    if (check !== 'ok') return this.error(401, check, 'request authentication failed');
    try {
      return fn(body ? JSON.parse(body) : {});
    } catch {
      return this.error(400, 'invalid_request', 'malformed request');
    }
  }

  private toJson(a: CardAuthorization): Json {
    return {
      authorization_id: a.authorizationId,
      order_id: a.orderId,
      status: a.status,
      amount: toJsonInteger(a.amount),
      captured_amount: toJsonInteger(a.capturedAmount),
      currency: a.currency,
      brand: a.brand,
      last4: a.last4,
      ...(a.declineCode ? { decline_code: a.declineCode } : {}),
      ...(a.status === 'requires_action'
        ? { three_ds_url: `${this.config.publicBaseUrl}${this.mount}/3ds/${a.authorizationId}` }
        : {}),
    };
  }

  private refundJson(r: CardRefund): Json {
    return {
      refund_id: r.refundId,
      order_id: r.orderId,
      acquirer_refund_id: r.acquirerRefundId,
      status: r.status,
      amount: toJsonInteger(r.amount),
      currency: r.currency,
      ...(r.failureCode ? { failure_code: r.failureCode } : {}),
    };
  }

  private authorize(b: Json, forcedDecline?: string): SimResponse {
    const amount = fromJsonInteger(b.amount);
    if (!b.order_id || amount < 1n || !/^[A-Z]{3}$/.test(b.currency ?? ''))
      return this.error(400, 'invalid_request', 'order_id, amount, currency');
    const existing = this.authorizations.get(b.order_id);
    if (existing)
      return existing.amount === amount
        ? this.signed(200, this.toJson(existing))
        : this.error(409, 'order_id_reused', 'order_id reused with a different amount');
    const pan = String(b.card?.number ?? '');
    if (!luhnValid(pan)) return this.error(400, 'invalid_number', 'card number fails the Luhn check');
    const a: CardAuthorization = {
      authorizationId: `auth_${randomBytes(8).toString('hex')}`,
      orderId: b.order_id,
      status: 'authorized',
      amount,
      capturedAmount: 0n,
      currency: b.currency,
      brand: cardBrand(pan),
      last4: pan.slice(-4),
      capture: b.capture !== false,
      notifyUrl: b.notify_url,
      createdAt: new Date(),
      refunds: [],
    };
    if (forcedDecline) this.decline(a, forcedDecline);
    else if (cardExpired(Number(b.card.exp_month), Number(b.card.exp_year))) this.decline(a, 'expired_card');
    else if (pan === SANDBOX_CARDS.declined) this.decline(a, 'card_declined');
    else if (pan === SANDBOX_CARDS.threeDSecure) a.status = 'requires_action';
    else this.approve(a);
    this.authorizations.put(a.orderId, a);
    return this.signed(200, this.toJson(a));
  }

  private decline(a: CardAuthorization, code: string): void {
    a.status = 'declined';
    a.declineCode = code;
  }

  private approve(a: CardAuthorization): void {
    if (a.capture) {
      a.status = 'captured';
      a.capturedAmount = a.amount;
      a.capturedAt = new Date();
    } else a.status = 'authorized';
  }

  private view(orderId: string): SimResponse {
    const a = this.authorizations.get(orderId);
    return a ? this.signed(200, this.toJson(a)) : this.error(404, 'not_found', 'no such authorization');
  }

  private capture(orderId: string, b: Json): SimResponse {
    const a = this.authorizations.get(orderId);
    if (!a) return this.error(404, 'not_found', 'no such authorization');
    const amount = fromJsonInteger(b.amount);
    if (a.status === 'captured' && a.capturedAmount === amount) return this.signed(200, this.toJson(a));
    if (a.status !== 'authorized') return this.error(409, 'invalid_state', `authorization is ${a.status}`);
    if (amount < 1n || amount > a.amount)
      return this.error(400, 'amount_too_large', 'capture exceeds the authorized amount');
    a.status = 'captured';
    a.capturedAmount = amount;
    a.capturedAt = new Date();
    return this.signed(200, this.toJson(a));
  }

  private void(orderId: string): SimResponse {
    const a = this.authorizations.get(orderId);
    if (!a) return this.error(404, 'not_found', 'no such authorization');
    if (a.status === 'authorized' || a.status === 'requires_action') a.status = 'voided';
    else if (a.status !== 'voided') return this.error(409, 'invalid_state', `authorization is ${a.status}`);
    return this.signed(200, this.toJson(a));
  }

  private refund(b: Json, forcedFailure?: string): SimResponse {
    const a = this.authorizations.get(b.order_id);
    if (!a) return this.error(404, 'not_found', 'no such authorization');
    const amount = fromJsonInteger(b.amount);
    const prior = a.refunds.find((r) => r.refundId === b.refund_id);
    if (prior)
      return prior.amount === amount
        ? this.signed(200, this.refundJson(prior))
        : this.error(409, 'refund_id_reused', 'refund_id reused with a different amount');
    if (!b.refund_id) return this.error(400, 'invalid_request', 'refund_id required');
    if (a.status !== 'captured') return this.error(409, 'invalid_state', `authorization is ${a.status}`);
    const used = a.refunds.filter((r) => r.status !== 'failed').reduce((s, r) => s + r.amount, 0n);
    if (amount < 1n || used + amount > a.capturedAmount)
      return this.error(400, 'amount_too_large', 'refund exceeds the captured amount left');
    const async = this.controls.switches.asyncRefund && !forcedFailure;
    const r: CardRefund = {
      refundId: b.refund_id,
      acquirerRefundId: `rf_${randomBytes(8).toString('hex')}`,
      orderId: a.orderId,
      amount,
      currency: a.currency,
      status: forcedFailure ? 'failed' : async ? 'pending' : 'succeeded',
      failureCode: forcedFailure,
      at: new Date(),
    };
    a.refunds.push(r);
    if (async) {
      this.later(this.controls.switches.asyncRefundDelayMs, () => {
        r.status = 'succeeded';
        r.at = new Date();
        this.notify(b.notify_url ?? a.notifyUrl, 'refund.updated', this.refundJson(r));
      });
    }
    return this.signed(200, this.refundJson(r));
  }

  private refundView(refundId: string): SimResponse {
    for (const a of this.authorizations.values()) {
      const r = a.refunds.find((x) => x.refundId === refundId);
      if (r) return this.signed(200, this.refundJson(r));
    }
    return this.error(404, 'not_found', 'no such refund');
  }

  /** Captures and succeeded refunds of a UTC+8 calendar day. */
  statement(day: string): Json {
    const inDay = (d?: Date) => !!d && alipayTimestamp(d).slice(0, 10) === day;
    const lines: Json[] = [];
    for (const a of this.authorizations.values()) {
      const base = { order_id: a.orderId, authorization_id: a.authorizationId, currency: a.currency };
      if (a.status === 'captured' && inDay(a.capturedAt))
        lines.push({
          ...base,
          kind: 'payment',
          amount: toJsonInteger(a.capturedAmount),
          status: 'captured',
          occurred_at: a.capturedAt!.toISOString(),
        });
      for (const r of a.refunds)
        if (r.status === 'succeeded' && inDay(r.at))
          lines.push({
            ...base,
            kind: 'refund',
            refund_id: r.refundId,
            amount: toJsonInteger(r.amount),
            status: 'succeeded',
            occurred_at: r.at.toISOString(),
          });
    }
    return { day, lines };
  }

  private challenge(req: SimRequest, authorizationId: string): SimResponse {
    const a = this.authorizations.values().find((x) => x.authorizationId === authorizationId);
    if (!a) return json(404, { error: 'unknown authentication' });
    if (req.method === 'GET')
      return html(
        renderPayerPage('3-D Secure (sandbox)', [
          ['Card', `${a.brand} •••• ${a.last4}`],
          ['Amount', `${a.amount} ${a.currency} (minor units)`],
          ['Status', a.status],
        ]),
      );
    const outcome = payerOutcome(req);
    if (!outcome) return json(400, { error: 'body must be {"outcome":"success"} or {"outcome":"fail"}' });
    if (a.status !== 'requires_action') return json(409, { error: `authorization is ${a.status}`, status: a.status });
    if (outcome === 'success') this.approve(a);
    else this.decline(a, 'authentication_failed');
    this.notify(a.notifyUrl, 'authorization.updated', this.toJson(a));
    return json(200, { status: a.status, order_id: a.orderId });
  }

  private notify(url: string | undefined, type: string, data: Json): void {
    if (!url) return;
    const eventId = `evt_${randomUUID()}`;
    const body = JSON.stringify({
      event_id: eventId,
      type,
      merchant_id: this.config.card.merchantId,
      created_at: new Date().toISOString(),
      data,
    });
    // Same body on every retry; only the signature headers are fresh (their timestamp must stay within 300 s).
    this.dispatcher.send(eventId, url, () => ({
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(ACQ_HEADERS, this.config.card.hmacSecret, 'notify', body),
      },
      body,
    }));
  }
}
