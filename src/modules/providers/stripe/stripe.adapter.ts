import { HttpBackedAdapter } from '../http-backed-adapter';
import {
  CallbackAnswer,
  CallbackParseResult,
  CallbackRequest,
  Channel,
  CreatePaymentInput,
  CapturingProvider,
  ProviderOrderRef,
  ProviderOutcome,
  RefundInput,
  RefundOutcome,
  StatementLine,
} from '../provider.port';
import { StripeConfig } from '../providers.config';
import { ProviderHttpClient } from '../http/provider-http.client';
import { headerGetter, unknownFromHttp, unverifiedOutcome } from '../provider-outcome.util';
import {
  PAYGRID_PAYMENT_KEY,
  PAYGRID_REFUND_KEY,
  cardViewOf,
  paymentIntentStatus,
  stripeForm,
  stripeRefundStatus,
  verifyStripeSignature,
} from './stripe-protocol.util';

type Json = Record<string, any>;

/** Pinned so Stripe answers in the shape this adapter was written against, whatever the account's default. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

type ApiResult =
  | { kind: 'ok'; json: Json }
  | { kind: 'error'; status: number; type: string; code: string; message: string; error: Json }
  | { kind: 'unknown'; outcome: ProviderOutcome & RefundOutcome };

const EXPAND_CHARGE = { expand: ['latest_charge'] };

/**
 * Stripe PaymentIntents (channel `stripe_card`). The card never reaches
 * Paygrid: the payer's browser turns it into a PaymentMethod (pm_…) with
 * Stripe.js and the merchant passes only that id. Paygrid creates and
 * confirms the PaymentIntent in one call (3-D Secure as a redirect to
 * `next_action.redirect_to_url`), captures, cancels and refunds it, and
 * believes only Stripe-Signature verified webhooks. Every POST carries an
 * Idempotency-Key derived from Paygrid's own id, so a retry after a timeout
 * can never create a second charge or refund.
 */
export class StripeAdapter extends HttpBackedAdapter implements CapturingProvider {
  readonly name = 'stripe' as const;
  readonly channels: readonly Channel[] = ['stripe_card'];

  constructor(
    private readonly config: StripeConfig,
    http?: ProviderHttpClient,
  ) {
    super('stripe', config.http, http);
  }

  supportsCurrency(_channel: Channel, currency: string): boolean {
    return /^[A-Z]{3}$/.test(currency);
  }

  async createPayment(input: CreatePaymentInput): Promise<ProviderOutcome> {
    if (!input.paymentMethod) return { status: 'failed', retryable: false, providerCode: 'payment_method_required' };
    const params: Json = {
      amount: input.amount.toString(),
      currency: input.currency.toLowerCase(),
      payment_method: input.paymentMethod,
      allowed_payment_method_types: ['card'],
      confirm: 'true',
      capture_method: input.captureMethod === 'manual' ? 'manual' : 'automatic',
      description: input.subject,
      metadata: { [PAYGRID_PAYMENT_KEY]: input.providerOrderId },
      // 3-D Secure then comes back as a redirect (next_action.redirect_to_url), and the payer returns here.
      ...(input.returnUrl ? { return_url: input.returnUrl } : {}),
      ...EXPAND_CHARGE,
    };
    // The key makes the create safe to retry: Stripe replays the first answer instead of charging twice.
    const r = await this.api('POST', '/v1/payment_intents', params, `paygrid-pi-${input.providerOrderId}`);
    return this.intentResult(r);
  }

  async query(_channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome> {
    const id = ref?.providerTransactionId ?? (await this.findIntentId(providerOrderId));
    if (typeof id !== 'string') return id;
    const r = await this.api('GET', `/v1/payment_intents/${encodeURIComponent(id)}`, EXPAND_CHARGE);
    return this.intentResult(r);
  }

  /** Cancels the PaymentIntent; one that is already paid answers with its real state. */
  async close(channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome> {
    const id = ref?.providerTransactionId ?? (await this.findIntentId(providerOrderId));
    if (typeof id !== 'string') {
      // Stripe holds no PaymentIntent for this order: nothing can be paid, so closing is safe.
      return id.providerCode === 'resource_missing' ? { status: 'closed', providerCode: 'resource_missing' } : id;
    }
    const r = await this.api(
      'POST',
      `/v1/payment_intents/${encodeURIComponent(id)}/cancel`,
      { cancellation_reason: 'abandoned', ...EXPAND_CHARGE },
      `paygrid-cancel-${providerOrderId}`,
    );
    if (r.kind === 'error') return this.query(channel, providerOrderId, { providerTransactionId: id });
    return this.intentResult(r);
  }

  async capture(
    providerOrderId: string,
    amount: bigint,
    _currency: string,
    ref?: ProviderOrderRef,
  ): Promise<ProviderOutcome> {
    const id = ref?.providerTransactionId ?? (await this.findIntentId(providerOrderId));
    if (typeof id !== 'string') return id;
    const r = await this.api(
      'POST',
      `/v1/payment_intents/${encodeURIComponent(id)}/capture`,
      { amount_to_capture: amount.toString(), ...EXPAND_CHARGE },
      `paygrid-capture-${providerOrderId}-${amount}`,
    );
    return this.intentResult(r);
  }

  async refund(input: RefundInput): Promise<RefundOutcome> {
    const pi = input.providerTransactionId ?? (await this.findIntentId(input.providerOrderId));
    if (typeof pi !== 'string') return { ...pi, status: 'unknown' };
    const params: Json = {
      payment_intent: pi,
      amount: input.amount.toString(),
      // Stripe takes only its own reason codes; the merchant's text travels in metadata.
      reason: 'requested_by_customer',
      metadata: {
        [PAYGRID_REFUND_KEY]: input.providerRefundId,
        [PAYGRID_PAYMENT_KEY]: input.providerOrderId,
        ...(input.reason ? { reason: input.reason.slice(0, 500) } : {}),
      },
    };
    return this.refundResult(await this.api('POST', '/v1/refunds', params, `paygrid-re-${input.providerRefundId}`));
  }

  async queryRefund(
    _channel: Channel,
    providerOrderId: string,
    providerRefundId: string,
    ref?: ProviderOrderRef,
  ): Promise<RefundOutcome> {
    const pi = ref?.providerTransactionId ?? (await this.findIntentId(providerOrderId));
    if (typeof pi !== 'string') return { ...pi, status: 'unknown' };
    const r = await this.api('GET', '/v1/refunds', { payment_intent: pi, limit: '100' });
    if (r.kind !== 'ok') return this.refundResult(r);
    const found = (r.json.data as Json[]).find((x) => x.metadata?.[PAYGRID_REFUND_KEY] === providerRefundId);
    // Not there: the refund request never reached Stripe; the caller re-sends it under the same key.
    if (!found) return { status: 'unknown', retryable: true, providerCode: 'REFUND_NOT_FOUND' };
    return this.refundResult({ kind: 'ok', json: found });
  }

  async parseCallback(req: CallbackRequest): Promise<CallbackParseResult> {
    const check = verifyStripeSignature(
      this.config.webhookSecret,
      headerGetter(req.headers)('stripe-signature'),
      req.rawBody,
    );
    if (check !== 'ok') return { ok: false, reason: check };
    let event: Json;
    try {
      event = JSON.parse(req.rawBody.toString('utf8')) as Json;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const obj = event?.data?.object as Json | undefined;
    if (typeof event?.id !== 'string' || !obj) return { ok: false, reason: 'malformed' };
    // A test-mode event on a live key (or the reverse) belongs to another account's world.
    if (typeof event.livemode === 'boolean' && event.livemode !== this.config.secretKey.startsWith('sk_live_'))
      return { ok: false, reason: 'merchant_mismatch' };
    if (obj.object === 'payment_intent') {
      const orderId = obj.metadata?.[PAYGRID_PAYMENT_KEY];
      // A PaymentIntent made outside Paygrid on the same account.
      if (typeof orderId !== 'string') return { ok: false, reason: 'not_tracked' };
      const status = paymentIntentStatus(obj);
      return {
        ok: true,
        callback: {
          kind: 'payment',
          providerOrderId: orderId,
          providerTransactionId: obj.id,
          status,
          amount: BigInt(obj.amount),
          currency: String(obj.currency).toUpperCase(),
          capturedAmount: status === 'succeeded' ? BigInt(obj.amount_received ?? obj.amount) : undefined,
          card: await this.cardOfEvent(obj, status),
          notificationId: event.id,
          raw: event,
        },
      };
    }
    if (obj.object === 'refund') {
      const refundId = obj.metadata?.[PAYGRID_REFUND_KEY];
      const orderId = obj.metadata?.[PAYGRID_PAYMENT_KEY];
      if (typeof refundId !== 'string' || typeof orderId !== 'string') return { ok: false, reason: 'not_tracked' };
      return {
        ok: true,
        callback: {
          kind: 'refund',
          providerOrderId: orderId,
          providerRefundId: refundId,
          providerRefundTransactionId: obj.id,
          status: stripeRefundStatus(obj.status),
          amount: BigInt(obj.amount),
          currency: String(obj.currency).toUpperCase(),
          notificationId: event.id,
          raw: event,
        },
      };
    }
    // Verified but about an object Paygrid does not track (charge.*, customer.*): acknowledged, never applied.
    return { ok: false, reason: 'not_tracked' };
  }

  callbackAnswer(success: boolean): CallbackAnswer {
    return success
      ? { status: 200, contentType: 'application/json', body: '{"received":true}' }
      : { status: 400, contentType: 'application/json', body: '{"received":false}' };
  }

  /**
   * The day's balance transactions (UTC day: Stripe reports in UTC) of type
   * charge/payment and refund, with their sources expanded to find Paygrid's ids.
   */
  async fetchStatement(day: string): Promise<StatementLine[]> {
    const from = Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000);
    const lines: StatementLine[] = [];
    let after: string | undefined;
    for (;;) {
      const r = await this.api('GET', '/v1/balance_transactions', {
        created: { gte: String(from), lt: String(from + 86_400) },
        limit: '100',
        // The charge's PaymentIntent carries Paygrid's id in its metadata.
        expand: ['data.source', 'data.source.payment_intent'],
        ...(after ? { starting_after: after } : {}),
      });
      if (r.kind !== 'ok')
        throw new Error(`stripe statement unavailable: ${r.kind === 'unknown' ? r.outcome.providerCode : r.code}`);
      for (const bt of r.json.data as Json[]) {
        const src = (bt.source ?? {}) as Json;
        const intent = typeof src.payment_intent === 'object' && src.payment_intent ? (src.payment_intent as Json) : {};
        const piId = typeof src.payment_intent === 'string' ? src.payment_intent : intent.id;
        const orderId = src.metadata?.[PAYGRID_PAYMENT_KEY] ?? intent.metadata?.[PAYGRID_PAYMENT_KEY];
        const base = {
          currency: String(bt.currency).toUpperCase(),
          occurredAt: new Date(Number(bt.created) * 1000),
          status: String(bt.status ?? 'available'),
        };
        if ((bt.type === 'charge' || bt.type === 'payment') && orderId)
          lines.push({
            ...base,
            kind: 'payment',
            providerOrderId: orderId,
            providerTransactionId: piId,
            amount: BigInt(bt.amount),
          });
        else if (bt.type === 'refund' && orderId && src.metadata?.[PAYGRID_REFUND_KEY])
          lines.push({
            ...base,
            kind: 'refund',
            providerOrderId: orderId,
            providerTransactionId: piId,
            providerRefundId: src.metadata[PAYGRID_REFUND_KEY],
            amount: -BigInt(bt.amount),
          });
      }
      if (!r.json.has_more || r.json.data.length === 0) return lines;
      after = r.json.data[r.json.data.length - 1].id;
    }
  }

  /**
   * Events carry latest_charge as an id (webhooks never expand), so the card
   * view and its 3-D Secure result are read back from Stripe once the event
   * itself verified. Best effort: without it the payment still applies.
   */
  private async cardOfEvent(pi: Json, status: ProviderOutcome['status']) {
    if (status !== 'succeeded' && status !== 'authorized') return undefined;
    const inline = cardViewOf(pi);
    if (inline || typeof pi.latest_charge !== 'string') return inline;
    const r = await this.api('GET', `/v1/payment_intents/${encodeURIComponent(String(pi.id))}`, EXPAND_CHARGE);
    return r.kind === 'ok' ? cardViewOf(r.json) : undefined;
  }

  /** Finds the PaymentIntent of an order whose pi_… id we never learned (the create timed out). */
  private async findIntentId(providerOrderId: string): Promise<string | (ProviderOutcome & RefundOutcome)> {
    const r = await this.api('GET', '/v1/payment_intents/search', {
      query: `metadata['${PAYGRID_PAYMENT_KEY}']:'${providerOrderId}'`,
    });
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error')
      return { status: 'unknown', retryable: true, providerCode: r.code, providerMessage: r.message };
    const hit = (r.json.data as Json[])[0];
    // Search is eventually consistent (Stripe: usually under a minute), so "not found" stays unknown.
    if (!hit) return { status: 'unknown', retryable: true, providerCode: 'resource_missing' };
    return String(hit.id);
  }

  private intentResult(r: ApiResult): ProviderOutcome {
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error') {
      // A decline is a 402 card_error carrying the PaymentIntent: a definite answer.
      if (r.type === 'card_error' && r.error.payment_intent)
        return {
          ...this.intentOutcome(r.error.payment_intent as Json),
          status: 'failed',
          providerCode: String(r.error.decline_code ?? r.code),
          providerMessage: r.message,
          retryable: false,
        };
      if (r.status === 409 || r.code === 'lock_timeout' || r.type === 'api_error')
        return { status: 'unknown', retryable: true, providerCode: r.code, providerMessage: r.message };
      if (r.code === 'resource_missing')
        return { status: 'unknown', retryable: true, providerCode: r.code, providerMessage: r.message };
      return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message };
    }
    return this.intentOutcome(r.json);
  }

  private intentOutcome(pi: Json): ProviderOutcome {
    const status = paymentIntentStatus(pi);
    const redirect = pi.next_action?.redirect_to_url?.url as string | undefined;
    const err = pi.last_payment_error as Json | undefined;
    const charge = typeof pi.latest_charge === 'object' && pi.latest_charge ? (pi.latest_charge as Json) : undefined;
    return {
      status,
      providerTransactionId: pi.id,
      amount: pi.amount !== undefined ? BigInt(pi.amount) : undefined,
      currency: pi.currency ? String(pi.currency).toUpperCase() : undefined,
      capturedAmount: status === 'succeeded' ? BigInt(pi.amount_received ?? charge?.amount_captured ?? 0) : undefined,
      nextAction: status === 'requires_action' && redirect ? { type: 'three_d_secure', url: redirect } : undefined,
      card: cardViewOf(pi),
      providerCode: status === 'failed' ? String(err?.decline_code ?? err?.code ?? 'payment_failed') : pi.status,
      providerMessage: status === 'failed' ? err?.message : undefined,
      raw: pi,
    };
  }

  private refundResult(r: ApiResult): RefundOutcome {
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error') {
      if (r.status === 409 || r.type === 'api_error' || r.code === 'lock_timeout')
        return { status: 'unknown', retryable: true, providerCode: r.code, providerMessage: r.message };
      return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message };
    }
    return {
      status: stripeRefundStatus(r.json.status),
      providerRefundTransactionId: r.json.id,
      amount: r.json.amount !== undefined ? BigInt(r.json.amount) : undefined,
      providerCode: r.json.failure_reason ?? r.json.status,
      raw: r.json,
    };
  }

  private async api(method: 'GET' | 'POST', path: string, params: Json, idempotencyKey?: string): Promise<ApiResult> {
    const encoded = stripeForm(params);
    const base = this.config.apiBase.replace(/\/$/, '');
    const url = method === 'GET' && encoded ? `${base}${path}?${encoded}` : `${base}${path}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.config.secretKey}`,
      'stripe-version': STRIPE_API_VERSION,
      accept: 'application/json',
      ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    };
    // GETs are safe to retry; POSTs only because each carries its Idempotency-Key.
    const res = await this.http.request(
      { method, url, headers, body: method === 'POST' ? encoded : undefined },
      { idempotent: method === 'GET' || Boolean(idempotencyKey) },
    );
    if (res.kind !== 'response' || res.status >= 500 || res.status === 429)
      return { kind: 'unknown', outcome: unknownFromHttp(res) };
    let json: Json;
    try {
      json = JSON.parse(res.body);
    } catch {
      return { kind: 'unknown', outcome: unverifiedOutcome(`${method} ${path}: answer is not JSON`) };
    }
    if (res.status >= 200 && res.status < 300) return { kind: 'ok', json };
    const error = (json.error ?? {}) as Json;
    return {
      kind: 'error',
      status: res.status,
      type: String(error.type ?? 'invalid_request_error'),
      code: String(error.code ?? `http_${res.status}`),
      message: String(error.message ?? ''),
      error,
    };
  }
}
