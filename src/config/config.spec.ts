import { ConfigError } from './config.schema';
import { SENSITIVE_VARIABLES, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives safe defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, mode: 'sandbox', role: 'all', publicBaseUrl: 'http://127.0.0.1:3000' });
    expect(c.database.url).toBeUndefined();
    expect(c.amqpUrl).toBeUndefined();
  });

  it('listens on loopback only in sandbox mode unless HOST says otherwise, on every interface in live mode', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ PAYGRID_MODE: 'sandbox', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ PAYGRID_MODE: 'live' }).host).toBe('0.0.0.0');
    expect(loadConfig({ PAYGRID_MODE: 'live', HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
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

  it("refuses the platform's Alipay split receiver without its name (Alipay binds receivers by account and name)", () => {
    expect(() => loadConfig({ SPLIT_PLATFORM_RECEIVER_ALIPAY: '2088000000000042' })).toThrow(
      /SPLIT_PLATFORM_RECEIVER_ALIPAY_NAME is required/,
    );
    const c = loadConfig({
      SPLIT_PLATFORM_RECEIVER_ALIPAY: '2088000000000042',
      SPLIT_PLATFORM_RECEIVER_ALIPAY_NAME: 'X Co',
    });
    expect(JSON.stringify(c)).toContain('2088000000000042');
  });

  it('never echoes a sensitive value in its error', () => {
    expect(() => loadConfig({ PAYGRID_ADMIN_TOKEN: 'short-secret' })).toThrow(
      /PAYGRID_ADMIN_TOKEN must be at least 16/,
    );
    try {
      loadConfig({ PAYGRID_ADMIN_TOKEN: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
  });

  it('reads the RabbitMQ nodes from AMQP_URLS, or from a comma-separated AMQP_URL', () => {
    const list = 'amqp://u:p@10.0.0.1:5672, amqp://u:p@10.0.0.2:5672,amqp://u:p@10.0.0.3:5672/';
    const fromUrl = loadConfig({ AMQP_URL: list });
    expect(fromUrl.amqpUrls).toEqual([
      'amqp://u:p@10.0.0.1:5672',
      'amqp://u:p@10.0.0.2:5672',
      'amqp://u:p@10.0.0.3:5672',
    ]);
    expect(fromUrl.amqpUrl).toBe('amqp://u:p@10.0.0.1:5672');
    const both = loadConfig({ AMQP_URL: 'amqp://u:p@old:5672', AMQP_URLS: 'amqp://u:p@a:5672,amqp://u:p@b:5672' });
    expect(both.amqpUrls).toEqual(['amqp://u:p@a:5672', 'amqp://u:p@b:5672']);
    expect(loadConfig({ AMQP_URL: 'amqp://u:p@one:5672' }).amqpUrls).toEqual(['amqp://u:p@one:5672']);
    expect(loadConfig({}).amqpUrls).toEqual([]);
  });

  it('refuses a node list with a bad entry, without echoing its credentials', () => {
    expect(() => loadConfig({ AMQP_URLS: 'amqp://u:secret-pw@a:5672,http://u:secret-pw@b' })).toThrow(
      /AMQP_URLS entry 2 must use amqp: or amqps:/,
    );
    try {
      loadConfig({ AMQP_URLS: 'amqp://u:secret-pw@a:5672,http://u:secret-pw@b' });
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-pw');
    }
    expect(() => loadConfig({ AMQP_URLS: ' , ' })).toThrow(/AMQP_URLS must list at least one URL/);
  });

  it('requires explicit data keys in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PAYGRID_DATA_KEYS is required/);
  });

  it('marks credentials as sensitive', () => {
    expect(SENSITIVE_VARIABLES).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'AMQP_URL', 'AMQP_URLS', 'PAYGRID_ADMIN_TOKEN', 'PAYGRID_DATA_KEYS']),
    );
  });
});
