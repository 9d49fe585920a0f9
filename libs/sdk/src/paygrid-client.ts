import { KeyObject, randomUUID } from 'node:crypto';
import { CardData, encryptCard } from './card-encryption';
import { PaygridError, PaygridSignatureError } from './errors';
import { signRequest } from './request-signing';
import { Jwks, JwksCache, verifyResponseSignature } from './response-verification';
import { CheckoutReturn, verifyCheckoutReturn } from './checkout-return';
import type {
  Balance,
  CheckoutSession,
  CounterCode,
  CreateCheckoutSessionParams,
  CreateCounterCodeParams,
  CreatePaymentParams,
  CreateRefundParams,
  ListParams,
  ListPaymentsParams,
  ListSettlementsParams,
  Page,
  PaygridEvent,
  Payment,
  Refund,
  Settlement,
} from './resources';
import type { CreatePingParams, PaygridResponse, PingResponse, PostPingResponse, RequestOptions } from './types';

export interface PaygridClientOptions {
  /** e.g. `https://pay.example.com`; requests go to `${baseUrl}/v1/...`. */
  baseUrl: string;
  appId: string;
  keyId: string;
  /** HMAC secret (`sk_…`); or `privateKey` for an RSA key. */
  secret?: string;
  privateKey?: string | KeyObject;
  /** Verify every response's platform signature against the JWKS (default true). Leave it on outside tests. */
  verifyResponses?: boolean;
  /** Retries of network errors, 409 in-progress, 429 and 503, with the same idempotency key (default 2). */
  maxRetries?: number;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Longest wait between retries, also caps Retry-After (default 5 s). */
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
}

const RETRYABLE_STATUS = new Set([429, 503]);

/**
 * A small client for the Paygrid merchant API: signs each request, verifies
 * each response's platform signature, puts an idempotency key on every POST
 * (kept across retries) and encrypts card data for the platform.
 */
export class PaygridClient {
  readonly baseUrl: string;
  readonly appId: string;
  readonly keyId: string;
  private readonly credentials: { appId: string; keyId: string; secret?: string; privateKey?: string | KeyObject };
  private readonly verifyResponses: boolean;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly jwksCache: JwksCache;

  constructor(options: PaygridClientOptions) {
    if (!options.secret && !options.privateKey)
      throw new Error('PaygridClient needs a secret (HMAC key) or a privateKey (RSA key)');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.appId = options.appId;
    this.keyId = options.keyId;
    this.credentials = {
      appId: options.appId,
      keyId: options.keyId,
      secret: options.secret,
      privateKey: options.privateKey,
    };
    this.verifyResponses = options.verifyResponses ?? true;
    this.maxRetries = options.maxRetries ?? 2;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
    this.fetchFn = options.fetch ?? fetch;
    this.jwksCache = new JwksCache(`${this.baseUrl}/.well-known/jwks.json`, this.fetchFn);
  }

  // ---- typed methods (one per route, as routes land) ----

  /** GET /v1/ping: checks the credentials. */
  ping(): Promise<PingResponse> {
    return this.get<PingResponse>('/v1/ping');
  }

  /** POST /v1/ping: a signed, idempotent POST (diagnostics). */
  createPing(
    params: CreatePingParams = {},
    options: { idempotencyKey?: string | false } = {},
  ): Promise<PostPingResponse> {
    return this.post<PostPingResponse>('/v1/ping', params, options);
  }

  /** POST /v1/payments. Pass `idempotencyKey` to make a retry after a crash safe. */
  createPayment(params: CreatePaymentParams, options: { idempotencyKey?: string } = {}): Promise<Payment> {
    return this.post<Payment>('/v1/payments', params, options);
  }

  /** POST /v1/checkout_sessions: a hosted cashier page (and one QR code for every wallet). */
  createCheckoutSession(
    params: CreateCheckoutSessionParams,
    options: { idempotencyKey?: string } = {},
  ): Promise<CheckoutSession> {
    return this.post<CheckoutSession>('/v1/checkout_sessions', params, options);
  }

  getCheckoutSession(id: string): Promise<CheckoutSession> {
    return this.get<CheckoutSession>(`/v1/checkout_sessions/${encodeURIComponent(id)}`);
  }

  /** POST /v1/counter_codes: a static code for a shop counter; the payer enters the amount. */
  createCounterCode(params: CreateCounterCodeParams, options: { idempotencyKey?: string } = {}): Promise<CounterCode> {
    return this.post<CounterCode>('/v1/counter_codes', params, options);
  }

  /**
   * Checks the signed `paygrid_*` parameters Paygrid added to a checkout
   * session's return_url (see `verifyCheckoutReturn`), with this client's JWKS.
   */
  verifyCheckoutReturn(url: string | URL, options: { toleranceSeconds?: number } = {}): Promise<CheckoutReturn> {
    return verifyCheckoutReturn(url, this.jwksCache, options);
  }

  /** GET /v1/payments/{id}; `expand` may list `refunds` and `timeline`. */
  getPayment(id: string, expand: Array<'refunds' | 'timeline'> = []): Promise<Payment> {
    return this.get<Payment>(
      `/v1/payments/${encodeURIComponent(id)}`,
      expand.length ? { expand: expand.join(',') } : undefined,
    );
  }

  /** GET /v1/payments with filters, newest first. */
  listPayments(params: ListPaymentsParams = {}): Promise<Page<Payment>> {
    return this.get<Page<Payment>>('/v1/payments', params as RequestOptions['query']);
  }

  /** GET /v1/payments?out_trade_no=…: your order number to our payment, or undefined. */
  async findPayment(outTradeNo: string): Promise<Payment | undefined> {
    return (await this.listPayments({ out_trade_no: outTradeNo, limit: 1 })).data[0];
  }

  closePayment(id: string): Promise<Payment> {
    return this.post<Payment>(`/v1/payments/${encodeURIComponent(id)}/close`, {});
  }

  /** Capture an authorized card payment; `amount` ≤ the authorized amount (default: all). */
  capturePayment(id: string, amount?: number): Promise<Payment> {
    return this.post<Payment>(`/v1/payments/${encodeURIComponent(id)}/capture`, amount === undefined ? {} : { amount });
  }

  createRefund(params: CreateRefundParams, options: { idempotencyKey?: string } = {}): Promise<Refund> {
    return this.post<Refund>('/v1/refunds', params, options);
  }

  getRefund(id: string): Promise<Refund> {
    return this.get<Refund>(`/v1/refunds/${encodeURIComponent(id)}`);
  }

  listRefunds(params: ListParams & { payment_id?: string; status?: string } = {}): Promise<Page<Refund>> {
    return this.get<Page<Refund>>('/v1/refunds', params as RequestOptions['query']);
  }

  getBalance(): Promise<Balance> {
    return this.get<Balance>('/v1/balance');
  }

  /** GET /v1/events, newest first: catch up after missed webhooks. */
  listEvents(params: ListParams & { type?: string } = {}): Promise<Page<PaygridEvent>> {
    return this.get<Page<PaygridEvent>>('/v1/events', params as RequestOptions['query']);
  }

  getEvent(id: string): Promise<PaygridEvent> {
    return this.get<PaygridEvent>(`/v1/events/${encodeURIComponent(id)}`);
  }

  /** GET /v1/settlements: the merchant's settlements, newest first (cursor: `starting_after`). */
  listSettlements(params: ListSettlementsParams = {}): Promise<Page<Settlement>> {
    return this.get<Page<Settlement>>('/v1/settlements', { ...params });
  }

  /** GET /v1/settlements/{id}: one settlement with its lines (each payment and refund it covers). */
  getSettlement(id: string): Promise<Settlement> {
    return this.get<Settlement>(`/v1/settlements/${encodeURIComponent(id)}`);
  }

  // ---- generic calls ----

  /** GET returning the parsed body; throws PaygridError on an error answer. */
  async get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return unwrap(await this.request<T>('GET', path, { query }));
  }

  /** POST returning the parsed body; throws PaygridError on an error answer. */
  async post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return unwrap(await this.request<T>('POST', path, { ...options, body }));
  }

  /**
   * One signed call with retries. Never throws for an HTTP error status (the
   * caller reads `status`); throws PaygridSignatureError when the response
   * signature does not verify, and the last network error when all attempts failed.
   */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<PaygridResponse<T>> {
    method = method.toUpperCase();
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      for (const v of Array.isArray(value) ? value : [value])
        if (v !== undefined && v !== null) url.searchParams.append(name, String(v));
    }
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const idempotencyKey =
      method === 'POST' && options.idempotencyKey !== false ? (options.idempotencyKey ?? randomUUID()) : undefined;
    const maxRetries = options.maxRetries ?? this.maxRetries;
    for (let attempt = 0; ; attempt++) {
      let response: PaygridResponse<T>;
      try {
        response = await this.attempt<T>(method, url, body, idempotencyKey, options.headers ?? {});
      } catch (err) {
        if (attempt >= maxRetries || !isNetworkError(err)) throw err;
        await delay(this.backoff(attempt));
        continue;
      }
      // The JWE was made with a JWKS from before a key rotation: the next encryptCard() reads the JWKS again.
      if (errorCode(response) === 'card_encryption_key_retired') this.jwksCache.invalidate();
      if (attempt >= maxRetries || !isRetryable(response)) return response;
      await delay(this.retryDelay(response, attempt));
    }
  }

  /** The platform JWKS (cached; `forceRefresh` re-fetches). */
  jwks(forceRefresh = false): Promise<Jwks> {
    return this.jwksCache.get(forceRefresh);
  }

  /** `card.encrypted` for a payment: the card JSON as a JWE to the platform's current encryption key. */
  async encryptCard(card: CardData): Promise<string> {
    return encryptCard(card, await this.jwksCache.get());
  }

  private async attempt<T>(
    method: string,
    url: URL,
    body: string | undefined,
    idempotencyKey: string | undefined,
    extra: Record<string, string>,
  ): Promise<PaygridResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    // Signed per attempt: a retry needs a fresh nonce and timestamp, while the idempotency key stays.
    headers.authorization = signRequest(this.credentials, {
      method,
      pathWithQuery: url.pathname + url.search,
      body: body ?? '',
    });
    const res = await this.fetchFn(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const signedBy = this.verifyResponses
      ? await verifyResponseSignature(res.headers, bytes, this.jwksCache)
      : undefined;
    const text = Buffer.from(bytes).toString('utf8');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return {
      status: res.status,
      body: parsed as T,
      text,
      headers: res.headers,
      requestId: res.headers.get('request-id'),
      replayed: res.headers.get('idempotent-replayed') === 'true',
      signedBy,
      idempotencyKey,
    };
  }

  private backoff(attempt: number): number {
    return Math.min(this.maxRetryDelayMs, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);
  }

  private retryDelay(response: PaygridResponse, attempt: number): number {
    const retryAfter = Number(response.headers.get('retry-after'));
    return Number.isFinite(retryAfter) && retryAfter > 0
      ? Math.min(this.maxRetryDelayMs, retryAfter * 1000)
      : this.backoff(attempt);
  }
}

function unwrap<T>(response: PaygridResponse<T>): T {
  if (response.status >= 400) throw new PaygridError(response.status, response.body, response.headers);
  return response.body;
}

function errorCode(response: PaygridResponse): string | undefined {
  return response.status >= 400 ? (response.body as { error?: { code?: string } } | undefined)?.error?.code : undefined;
}

function isRetryable(response: PaygridResponse): boolean {
  if (RETRYABLE_STATUS.has(response.status)) return true;
  return response.status === 409 && errorCode(response) === 'idempotency_request_in_progress';
}

function isNetworkError(err: unknown): boolean {
  // fetch rejects with a TypeError on connection failures and a TimeoutError/AbortError on timeouts.
  return (
    err instanceof TypeError ||
    (err instanceof PaygridSignatureError && err.transient) ||
    (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
  );
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
