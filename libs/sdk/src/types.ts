/** Response shapes of the routes the SDK has typed methods for; grows as routes land. */

export interface PingResponse {
  object: 'ping';
  merchant_id: string;
  app_id: string;
  key_id: string;
  request_id: string;
  server_time: string;
}

export interface CreatePingParams {
  message?: string;
  /** Diagnostics: make the server fail after execution began. */
  simulate_error?: 'conflict' | 'api_error';
}

export interface PostPingResponse extends PingResponse {
  message: string | null;
  /** POST /v1/ping executions of this app on the replica that answered. */
  executions: number;
}

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  query?: Record<string, QueryValue | QueryValue[]>;
  /** A JSON-serialisable body; serialised once, and those exact bytes are signed and sent. */
  body?: unknown;
  /** A body sent as-is (for tests of malformed input). Takes precedence over `body`. */
  rawBody?: string;
  /** POST only: defaults to a random UUID, reused on retries; `false` sends none. */
  idempotencyKey?: string | false;
  headers?: Record<string, string>;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
}

export interface PaygridResponse<T = unknown> {
  status: number;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  body: T;
  text: string;
  headers: Headers;
  requestId: string | null;
  /** `Idempotent-Replayed: true`: the stored response of an earlier request with the same key. */
  replayed: boolean;
  /** The platform key that signed the response, when verification is on. */
  signedBy?: string;
  idempotencyKey?: string;
}
