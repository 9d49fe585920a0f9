import { metricsAccess } from './metrics-access';

const TOKEN = 'metrics-token-0123456789';

describe('metricsAccess', () => {
  it('is open outside production when nothing is configured (development, tests)', () => {
    expect(metricsAccess({ env: 'development', metrics: {} }, 'api', undefined)).toBe('allowed');
  });

  it('is closed on the API port in production unless a token is set', () => {
    expect(metricsAccess({ env: 'production', metrics: {} }, 'api', undefined)).toBe('hidden');
    expect(metricsAccess({ env: 'production', metrics: { token: TOKEN } }, 'api', `Bearer ${TOKEN}`)).toBe('allowed');
  });

  it('requires the bearer token when one is set, on either port', () => {
    for (const where of ['api', 'metrics-port'] as const) {
      const config = { env: 'development' as const, metrics: { token: TOKEN, port: where === 'api' ? undefined : 9 } };
      expect(metricsAccess(config, where, undefined)).toBe('unauthenticated');
      expect(metricsAccess(config, where, 'Bearer wrong')).toBe('unauthenticated');
      expect(metricsAccess(config, where, `Bearer ${TOKEN}`)).toBe('allowed');
    }
  });

  it('moves off the API port entirely when METRICS_PORT is set', () => {
    expect(metricsAccess({ env: 'development', metrics: { port: 9464 } }, 'api', undefined)).toBe('hidden');
    expect(metricsAccess({ env: 'production', metrics: { port: 9464 } }, 'metrics-port', undefined)).toBe('allowed');
  });
});
