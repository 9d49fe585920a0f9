/** An error answer of the API, in docs/api.md's shape (`{"error": {type, code, message, param, request_id}}`). */
export class PaygridError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param?: string;
  readonly requestId?: string;
  /** The whole `error` object, including extra fields such as `payment_id`. */
  readonly raw: Record<string, unknown>;
  readonly headers: Headers;

  constructor(status: number, body: unknown, headers: Headers) {
    const error = ((body as { error?: Record<string, unknown> } | undefined)?.error ?? {}) as Record<string, unknown>;
    super(typeof error.message === 'string' ? error.message : `HTTP ${status}`);
    this.name = 'PaygridError';
    this.status = status;
    this.type = typeof error.type === 'string' ? error.type : 'api_error';
    this.code = typeof error.code === 'string' ? error.code : 'unknown';
    this.param = typeof error.param === 'string' ? error.param : undefined;
    this.requestId = typeof error.request_id === 'string' ? error.request_id : (headers.get('request-id') ?? undefined);
    this.raw = error;
    this.headers = headers;
  }
}

/** A response whose platform signature is missing, stale or wrong: never trust its body. */
export class PaygridSignatureError extends Error {
  /**
   * True when the answer could not be checked yet rather than failed the check: the JWKS itself answered 429 or
   * 5xx (an overload or outage). The client retries those like a 503 (same idempotency key, so a POST is safe).
   */
  readonly transient: boolean;

  constructor(message: string, options: { transient?: boolean } = {}) {
    super(message);
    this.name = 'PaygridSignatureError';
    this.transient = options.transient ?? false;
  }
}

/** A webhook that does not verify (bad signature, stale timestamp, missing headers). */
export class PaygridWebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaygridWebhookError';
  }
}
