import { ConfigError } from './config.schema';
import { SENSITIVE_VARIABLES, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives safe defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, mode: 'sandbox', role: 'all', publicBaseUrl: 'http://127.0.0.1:3000' });
    expect(c.database.url).toBeUndefined();
    expect(c.amqpUrl).toBeUndefined();
  });

  it('refuses bad values, naming every bad variable', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: 'eighty', PAYGRID_MODE: 'prod', DATABASE_URL: 'mysql://x', PAYGRID_DATA_KEYS: 'k1:short' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      expect.stringMatching(/^PORT must be an integer/),
      expect.stringMatching(/^DATABASE_URL must use postgres:/),
      expect.stringMatching(/^PAYGRID_MODE must be one of sandbox, live/),
      expect.stringMatching(/^PAYGRID_DATA_KEYS key 'k1' must be 32 bytes/),
    ]);
  });

  it('never echoes a sensitive value in its error', () => {
    expect(() => loadConfig({ PAYGRID_ADMIN_TOKEN: 'short-secret' })).toThrow(/PAYGRID_ADMIN_TOKEN must be at least 16/);
    try {
      loadConfig({ PAYGRID_ADMIN_TOKEN: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
  });

  it('requires explicit data keys in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PAYGRID_DATA_KEYS is required/);
  });

  it('marks credentials as sensitive', () => {
    expect(SENSITIVE_VARIABLES).toEqual(expect.arrayContaining(['DATABASE_URL', 'AMQP_URL', 'PAYGRID_ADMIN_TOKEN', 'PAYGRID_DATA_KEYS']));
  });
});
