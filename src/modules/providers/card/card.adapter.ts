import { HttpBackedAdapter } from '../http-backed-adapter';
import {
  CallbackAnswer,
  CallbackParseResult,
  CallbackRequest,
  Channel,
  CreatePaymentInput,
  CapturingProvider,
  ProviderOutcome,
  ProviderStatus,
  RefundInput,
  RefundOutcome,
  RefundStatus,
  StatementLine,
} from '../provider.port';
import { CardAcquirerConfig } from '../providers.config';
import { ProviderHttpClient } from '../http/provider-http.client';
import { fromJsonInteger, toJsonInteger } from '../minor-units.util';
import { headerGetter, unknownFromHttp, unverifiedOutcome } from '../provider-outcome.util';
import { cardExpired, luhnValid, signAcqRequest, verifyAcqMessage } from './card-protocol.util';

type Json = Record<string, any>;

type ApiResult =
  | { kind: 'ok'; json: Json }
  | { kind: 'error'; status: number; code: string; message: string }
  | { kind: 'unknown'; outcome: ProviderOutcome & RefundOutcome };

const AUTH_STATUS: Record<string, ProviderStatus> = {
  requires_action: 'requires_action',
  authorized: 'authorized',
  captured: 'succeeded',
  declined: 'failed',
  voided: 'closed',
};

const REFUND_STATUS: Record<string, RefundStatus> = { pending: 'pending', succeeded: 'succeeded', failed: 'failed' };

/** Adapter for the card acquirer protocol documented in card-protocol.util.ts. */
export class CardAdapter extends HttpBackedAdapter implements CapturingProvider {
  readonly name = 'card' as const;
  readonly channels: readonly Channel[] = ['card'];

  constructor(
    private readonly config: CardAcquirerConfig,
    http?: ProviderHttpClient,
  ) {
    super('card', config.http, http);
  }

  supportsCurrency(_channel: Channel, currency: string): boolean {
    return /^[A-Z]{3}$/.test(currency);
  }

  async createPayment(input: CreatePaymentInput): Promise<ProviderOutcome> {
    const card = input.card;
    // Checked before any call: a mistyped number is a definite failure, and no PAN leaves for nothing.
    if (!card || !luhnValid(card.number)) return { status: 'failed', retryable: false, providerCode: 'invalid_number' };
    if (cardExpired(card.exp_month, card.exp_year))
      return { status: 'failed', retryable: false, providerCode: 'expired_card' };
    const body = {
      order_id: input.providerOrderId,
      amount: toJsonInteger(input.amount),
      currency: input.currency,
      card: { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc },
      capture: input.captureMethod !== 'manual',
      notify_url: input.notifyUrl,
      return_url: input.returnUrl,
    };
    const r = await this.api('POST', '/v1/authorizations', body, false);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error')
      return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message };
    return this.authOutcome(r.json);
  }

  async query(_channel: Channel, providerOrderId: string): Promise<ProviderOutcome> {
    const r = await this.api('GET', `/v1/authorizations/${encodeURIComponent(providerOrderId)}`, undefined, true);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error')
      return { status: 'unknown', retryable: r.code === 'not_found', providerCode: r.code, providerMessage: r.message };
    return this.authOutcome(r.json);
  }

  /** Close of an uncaptured card payment = void of the authorization. */
  async close(_channel: Channel, providerOrderId: string): Promise<ProviderOutcome> {
    const r = await this.api('POST', `/v1/authorizations/${encodeURIComponent(providerOrderId)}/void`, {}, true);
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error') return this.query('card', providerOrderId);
    return this.authOutcome(r.json);
  }

  /** Not retried automatically: a capture is only idempotent per authorization, and partial captures differ. */
  async capture(providerOrderId: string, amount: bigint, _currency: string): Promise<ProviderOutcome> {
    const r = await this.api(
      'POST',
      `/v1/authorizations/${encodeURIComponent(providerOrderId)}/capture`,
      { amount: toJsonInteger(amount) },
      false,
    );
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error')
      return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message };
    return this.authOutcome(r.json);
  }

  async refund(input: RefundInput): Promise<RefundOutcome> {
    const body = {
      order_id: input.providerOrderId,
      refund_id: input.providerRefundId,
      amount: toJsonInteger(input.amount),
      notify_url: input.notifyUrl,
    };
    return this.refundResult(await this.api('POST', '/v1/refunds', body, true));
  }

  async queryRefund(_channel: Channel, _providerOrderId: string, providerRefundId: string): Promise<RefundOutcome> {
    const r = await this.api('GET', `/v1/refunds/${encodeURIComponent(providerRefundId)}`, undefined, true);
    if (r.kind === 'error' && r.code === 'not_found')
      return { status: 'unknown', retryable: true, providerCode: 'REFUND_NOT_FOUND' };
    return this.refundResult(r);
  }

  async parseCallback(req: CallbackRequest): Promise<CallbackParseResult> {
    const body = req.rawBody.toString('utf8');
    const check = verifyAcqMessage(this.config.hmacSecret, 'notify', body, headerGetter(req.headers));
    if (check !== 'ok') return { ok: false, reason: check };
    try {
      const event = JSON.parse(body) as Json;
      const d = event.data as Json;
      if (event.merchant_id !== this.config.merchantId) return { ok: false, reason: 'merchant_mismatch' };
      if (event.type === 'refund.updated') {
        return {
          ok: true,
          callback: {
            kind: 'refund',
            providerOrderId: d.order_id,
            providerRefundId: d.refund_id,
            providerRefundTransactionId: d.acquirer_refund_id,
            status: REFUND_STATUS[d.status] ?? 'unknown',
            amount: fromJsonInteger(d.amount),
            currency: d.currency,
            providerMerchantId: event.merchant_id,
            notificationId: event.event_id,
            raw: event,
          },
        };
      }
      if (event.type !== 'authorization.updated') return { ok: false, reason: 'malformed' };
      return {
        ok: true,
        callback: {
          kind: 'payment',
          providerOrderId: d.order_id,
          providerTransactionId: d.authorization_id,
          status: AUTH_STATUS[d.status] ?? 'unknown',
          amount: fromJsonInteger(d.amount),
          currency: d.currency,
          providerMerchantId: event.merchant_id,
          notificationId: event.event_id,
          raw: event,
        },
      };
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }

  callbackAnswer(success: boolean): CallbackAnswer {
    return success
      ? { status: 200, contentType: 'application/json', body: '{"received":true}' }
      : { status: 400, contentType: 'application/json', body: '{"received":false}' };
  }

  async fetchStatement(day: string): Promise<StatementLine[]> {
    const r = await this.api('GET', `/v1/statements/${encodeURIComponent(day)}`, undefined, true);
    if (r.kind !== 'ok')
      throw new Error(`card statement unavailable: ${r.kind === 'unknown' ? r.outcome.providerCode : r.code}`);
    return (r.json.lines as Json[]).map((l) => ({
      providerOrderId: l.order_id,
      providerTransactionId: l.authorization_id,
      providerRefundId: l.refund_id ?? undefined,
      kind: l.kind,
      amount: fromJsonInteger(l.amount),
      currency: l.currency,
      status: l.status,
      occurredAt: new Date(l.occurred_at),
    }));
  }

  private authOutcome(a: Json): ProviderOutcome {
    const status = AUTH_STATUS[a.status] ?? 'unknown';
    return {
      status,
      providerTransactionId: a.authorization_id,
      amount: fromJsonInteger(a.amount),
      currency: a.currency,
      capturedAmount: a.captured_amount !== undefined ? fromJsonInteger(a.captured_amount) : undefined,
      nextAction:
        status === 'requires_action' && a.three_ds_url ? { type: 'three_d_secure', url: a.three_ds_url } : undefined,
      providerCode: a.decline_code ?? a.status,
      raw: a,
    };
  }

  private refundResult(r: ApiResult): RefundOutcome {
    if (r.kind === 'unknown') return r.outcome;
    if (r.kind === 'error')
      return { status: 'failed', retryable: false, providerCode: r.code, providerMessage: r.message };
    return {
      status: REFUND_STATUS[r.json.status] ?? 'unknown',
      providerRefundTransactionId: r.json.acquirer_refund_id,
      amount: fromJsonInteger(r.json.amount),
      providerCode: r.json.failure_code ?? r.json.status,
      raw: r.json,
    };
  }

  private async api(
    method: 'GET' | 'POST',
    path: string,
    bodyObj: Json | undefined,
    idempotent: boolean,
  ): Promise<ApiResult> {
    const body = bodyObj === undefined ? '' : JSON.stringify(bodyObj);
    const base = new URL(this.config.baseUrl);
    const signedPath = base.pathname.replace(/\/$/, '') + path;
    const headers = {
      ...signAcqRequest(this.config.hmacSecret, this.config.merchantId, method, signedPath, body),
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
    const res = await this.http.request(
      { method, url: `${base.origin}${signedPath}`, headers, body: body || undefined },
      { idempotent },
    );
    if (res.kind !== 'response' || res.status >= 500 || res.status === 429)
      return { kind: 'unknown', outcome: unknownFromHttp(res) };
    if (
      verifyAcqMessage(this.config.hmacSecret, 'response', res.body, (n) => res.headers.get(n) ?? undefined) !== 'ok'
    ) {
      return { kind: 'unknown', outcome: unverifiedOutcome(`${method} ${path}: response signature invalid`) };
    }
    let json: Json;
    try {
      json = JSON.parse(res.body);
    } catch {
      return { kind: 'unknown', outcome: unverifiedOutcome('answer is not JSON') };
    }
    if (res.status >= 200 && res.status < 300) return { kind: 'ok', json };
    return {
      kind: 'error',
      status: res.status,
      code: String(json.error?.code ?? `http_${res.status}`),
      message: String(json.error?.message ?? ''),
    };
  }
}
