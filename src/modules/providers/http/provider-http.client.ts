import CircuitBreaker from 'opossum';
import { timeProviderCall } from '../../../common/http/server-timing';
import type { ProviderCallObserver, ProviderCallOutcome } from '../provider-call-observer';
import { HttpPolicy } from '../providers.config';

/**
 * The one way adapters reach a provider: global fetch with an AbortController
 * timeout on every call, one opossum circuit breaker per provider, and
 * retries with exponential back-off (full jitter) only when the caller says
 * the call is idempotent. Results are values, never thrown: the adapter
 * decides what a timeout or a 5xx means (always `unknown`, never `failed`).
 */

export interface HttpCall {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export type HttpResult =
  | {
      kind: 'response';
      status: number;
      headers: Headers;
      /** The body decoded as UTF-8 (a leading BOM kept: signatures and hashes see every byte). */
      body: string;
      /** The body exactly as received (bill files: zip, gzip, GBK). */
      bytes: Buffer;
    }
  | { kind: 'timeout' }
  | { kind: 'network_error'; message: string }
  | { kind: 'circuit_open' };

/** Carries a transient result through opossum so the breaker counts it as a failure. */
class TransientResult extends Error {
  constructor(readonly result: HttpResult) {
    super('transient provider result');
  }
}

export function isTransient(r: HttpResult): boolean {
  return r.kind !== 'response' || r.status >= 500 || r.status === 429;
}

/** The metrics label of one attempt's result. */
export function outcomeOf(r: HttpResult): ProviderCallOutcome {
  if (r.kind !== 'response') return r.kind;
  if (r.status >= 500) return 'http_5xx';
  return r.status >= 400 ? 'http_4xx' : 'ok';
}

export class ProviderHttpClient {
  private readonly breaker: CircuitBreaker<[HttpCall], HttpResult>;
  private observer?: ProviderCallObserver;

  constructor(
    readonly providerName: string,
    private readonly policy: HttpPolicy,
    /** Injected so tests can make back-off instant; production waits for real. */
    private readonly wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.breaker = new CircuitBreaker((call: HttpCall) => this.send(call), {
      // Our own AbortController enforces the deadline; opossum's timer would not abort the socket.
      timeout: false,
      errorThresholdPercentage: policy.breakerErrorThresholdPercentage,
      volumeThreshold: policy.breakerVolumeThreshold,
      resetTimeout: policy.breakerResetTimeoutMs,
      name: `provider:${providerName}`,
    });
  }

  get circuitOpen(): boolean {
    return this.breaker.opened;
  }

  /** Reports every attempt and each change of the breaker's state from now on (metrics). */
  observeWith(observer: ProviderCallObserver): void {
    this.observer = observer;
    observer.circuit(this.providerName, this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half_open' : 'closed');
    this.breaker.on('open', () => observer.circuit(this.providerName, 'open'));
    this.breaker.on('halfOpen', () => observer.circuit(this.providerName, 'half_open'));
    this.breaker.on('close', () => observer.circuit(this.providerName, 'closed'));
  }

  /** The whole exchange, retries and their back-off included, is the request's `provider` Server-Timing figure. */
  request(call: HttpCall, opts: { idempotent: boolean }): Promise<HttpResult> {
    return timeProviderCall(() => this.exchange(call, opts));
  }

  private async exchange(call: HttpCall, opts: { idempotent: boolean }): Promise<HttpResult> {
    const attempts = opts.idempotent ? 1 + this.policy.maxRetries : 1;
    let last: HttpResult = { kind: 'network_error', message: 'not attempted' };
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        const cap = this.policy.retryBaseDelayMs * 2 ** (attempt - 1);
        await this.wait(Math.floor(Math.random() * cap));
      }
      last = await this.fire(call);
      // An open breaker means the provider is known to be down: retrying now only adds load.
      if (!isTransient(last) || last.kind === 'circuit_open') return last;
    }
    return last;
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private async fire(call: HttpCall): Promise<HttpResult> {
    const started = this.observer ? performance.now() : 0;
    const result = await this.fireOnce(call);
    this.observer?.attempt(
      this.providerName,
      outcomeOf(result),
      result.kind === 'circuit_open' ? 0 : (performance.now() - started) / 1000,
    );
    return result;
  }

  private async fireOnce(call: HttpCall): Promise<HttpResult> {
    try {
      return await this.breaker.fire(call);
    } catch (err) {
      if (err instanceof TransientResult) return err.result;
      if ((err as { code?: string }).code === 'EOPENBREAKER') return { kind: 'circuit_open' };
      return { kind: 'network_error', message: (err as Error).message };
    }
  }

  private async send(call: HttpCall): Promise<HttpResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.policy.timeoutMs);
    let result: HttpResult;
    try {
      const res = await fetch(call.url, {
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal: controller.signal,
        redirect: 'manual',
      });
      // Reading the body is inside the deadline too: a provider that stalls mid-body is a timeout.
      const bytes = Buffer.from(await res.arrayBuffer());
      result = { kind: 'response', status: res.status, headers: res.headers, body: bytes.toString('utf8'), bytes };
    } catch (err) {
      result = controller.signal.aborted
        ? { kind: 'timeout' }
        : { kind: 'network_error', message: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
    if (isTransient(result)) throw new TransientResult(result);
    return result;
  }
}
