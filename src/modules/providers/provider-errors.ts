import { DomainError } from '../../common/errors/domain-error';
import { ProviderName, ProviderOutcome, RefundOutcome } from './provider.port';

/**
 * The one place provider outcomes become domain errors (CONVENTIONS
 * "Providers"). Only call it for outcomes the caller cannot record as a
 * state: a definite refusal (`failed`) or an unknown result. An `unknown`
 * outcome must still be recorded as such by the caller and resolved by a
 * query; this error only tells the API client what happened now.
 */
export function providerError(provider: ProviderName, outcome: ProviderOutcome | RefundOutcome): DomainError {
  const details = {
    provider,
    provider_code: outcome.providerCode,
    retryable: outcome.retryable ?? false,
  };
  if (outcome.status === 'unknown') {
    const timeout = outcome.providerCode === 'timeout';
    return new DomainError({
      code: timeout ? 'provider_timeout' : 'provider_unavailable',
      message: timeout
        ? `${provider} did not answer in time; the outcome is being confirmed`
        : `${provider} could not confirm the outcome; it is being confirmed`,
      details,
    });
  }
  return new DomainError({
    code: 'provider_declined',
    message: `${provider} refused the request${outcome.providerCode ? ` (${outcome.providerCode})` : ''}`,
    details,
  });
}

/** Throws the mapped error for `failed`/`unknown`; returns the outcome otherwise. */
export function assertProviderAccepted<T extends ProviderOutcome | RefundOutcome>(
  provider: ProviderName,
  outcome: T,
): T {
  if (outcome.status === 'failed' || outcome.status === 'unknown') throw providerError(provider, outcome);
  return outcome;
}
