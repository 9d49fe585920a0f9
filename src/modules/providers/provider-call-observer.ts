/**
 * What the providers module reports about its HTTP calls, for metrics: one outcome per attempt and the state of each
 * provider's circuit breaker. The providers module defines the port and stays free of any metrics library; the app
 * wires an implementation (src/provider-call-metrics.ts) under PROVIDER_CALL_OBSERVER.
 */
export type ProviderCallOutcome = 'ok' | 'http_4xx' | 'http_5xx' | 'timeout' | 'network_error' | 'circuit_open';

export type CircuitState = 'closed' | 'half_open' | 'open';

export interface ProviderCallObserver {
  /** One HTTP attempt (a retry is another attempt); `seconds` is 0 when the breaker refused it. */
  attempt(provider: string, outcome: ProviderCallOutcome, seconds: number): void;
  circuit(provider: string, state: CircuitState): void;
}

export const PROVIDER_CALL_OBSERVER = Symbol('PROVIDER_CALL_OBSERVER');
