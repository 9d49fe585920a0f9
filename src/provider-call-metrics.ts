import { Global, Module } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Metrics } from './modules/observability/metrics';
import { ObservabilityModule } from './modules/observability/observability.module';
import {
  CircuitState,
  PROVIDER_CALL_OBSERVER,
  ProviderCallObserver,
  ProviderCallOutcome,
} from './modules/providers/provider-call-observer';

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * The providers' HTTP calls as Prometheus metrics: attempts by outcome, their latency, and each circuit breaker's
 * state. Here, at the top, because the providers module knows only its observer port and observability knows no
 * module: this file joins the two.
 */
export class ProviderCallMetrics implements ProviderCallObserver {
  private readonly calls: Counter<'provider' | 'outcome'>;
  private readonly duration: Histogram<'provider'>;
  private readonly circuitState: Gauge<'provider'>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    const existing = <T>(name: string) => metrics.existing<T>(name);
    this.calls =
      existing('paygrid_provider_calls_total') ??
      new Counter({
        name: 'paygrid_provider_calls_total',
        help: 'HTTP attempts to payment providers, by provider and outcome (ok, http_4xx, http_5xx, timeout, network_error, circuit_open)',
        labelNames: ['provider', 'outcome'],
        registers,
      });
    this.duration =
      existing('paygrid_provider_call_duration_seconds') ??
      new Histogram({
        name: 'paygrid_provider_call_duration_seconds',
        help: 'Latency of HTTP attempts to payment providers (attempts the circuit breaker refused are not timed)',
        labelNames: ['provider'],
        buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      });
    this.circuitState =
      existing('paygrid_provider_circuit_state') ??
      new Gauge({
        name: 'paygrid_provider_circuit_state',
        help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open (the worst over the processes of a scrape)',
        labelNames: ['provider'],
        aggregator: 'max',
        registers,
      });
  }

  attempt(provider: string, outcome: ProviderCallOutcome, seconds: number): void {
    this.calls.inc({ provider, outcome });
    if (outcome !== 'circuit_open') this.duration.observe({ provider }, seconds);
  }

  circuit(provider: string, state: CircuitState): void {
    this.circuitState.set({ provider }, CIRCUIT_VALUE[state]);
  }
}

/** Global, so ProvidersModule's factories find the observer. */
@Global()
@Module({
  imports: [ObservabilityModule],
  providers: [
    { provide: PROVIDER_CALL_OBSERVER, useFactory: (m: Metrics) => new ProviderCallMetrics(m), inject: [Metrics] },
  ],
  exports: [PROVIDER_CALL_OBSERVER],
})
export class ProviderCallMetricsModule {}
