import { Logger } from '@nestjs/common';
import { ProviderHttpClient } from './http/provider-http.client';
import type { ProviderCallObserver } from './provider-call-observer';
import { HttpPolicy, resolveHttpPolicy } from './providers.config';

/**
 * What every adapter shares: one HTTP client per provider (timeouts,
 * retries of idempotent calls, circuit breaker), replaceable in tests, and
 * released on module shutdown.
 */
export abstract class HttpBackedAdapter {
  protected readonly http: ProviderHttpClient;
  protected readonly logger: Logger;

  protected constructor(
    name: ConstructorParameters<typeof ProviderHttpClient>[0],
    policy: Partial<HttpPolicy> | undefined,
    http?: ProviderHttpClient,
  ) {
    this.http = http ?? new ProviderHttpClient(name, resolveHttpPolicy(policy));
    this.logger = new Logger(`provider:${name}`);
  }

  /**
   * A definite refusal that came unsigned (an error answer the gateway did not
   * sign): final by the official SDKs' rule, and logged with the provider's
   * code so an operator can tell it from a signed one.
   */
  protected logUnsignedRefusal(call: string, status: number, code: string, message: string): void {
    this.logger.warn(`unsigned refusal taken as final: ${call} -> HTTP ${status} ${code} (${message})`);
  }

  /** Reports this provider's HTTP attempts and breaker state (ProvidersModule wires the app's metrics). */
  observeCalls(observer: ProviderCallObserver): void {
    this.http.observeWith(observer);
  }

  /** Releases the circuit breaker's timers (module shutdown). */
  shutdown(): void {
    this.http.shutdown();
  }
}
