import { ProviderHttpClient } from './http/provider-http.client';
import { HttpPolicy, resolveHttpPolicy } from './providers.config';

/**
 * What every adapter shares: one HTTP client per provider (timeouts,
 * retries of idempotent calls, circuit breaker), replaceable in tests, and
 * released on module shutdown.
 */
export abstract class HttpBackedAdapter {
  protected readonly http: ProviderHttpClient;

  protected constructor(name: ConstructorParameters<typeof ProviderHttpClient>[0], policy: Partial<HttpPolicy> | undefined, http?: ProviderHttpClient) {
    this.http = http ?? new ProviderHttpClient(name, resolveHttpPolicy(policy));
  }

  /** Releases the circuit breaker's timers (module shutdown). */
  shutdown(): void {
    this.http.shutdown();
  }
}
