import { HttpResult, expectErrorShape, http } from '../utils/http';
import { count } from '../utils/payments-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

/**
 * Issue 16, limits per IP: unauthenticated traffic (provider callbacks, public
 * pages, the admin API before authentication) is limited per client address,
 * and failed admin-token attempts block the address for a minute. The
 * addresses come from X-Forwarded-For, which the app believes from loopback
 * (TRUST_PROXY), as it would from an ingress.
 */
describe('limits per IP (e2e)', () => {
  let t: TestApp;
  let next = 0;
  /** A fresh documentation address (RFC 5737) per caller, so tests never share a bucket. */
  const newIp = () => `203.0.113.${++next}`;
  const from = (ip: string, method: string, path: string, opts: { token?: string; raw?: string } = {}) =>
    http(method, `${t.baseUrl}${path}`, { ...opts, headers: { 'x-forwarded-for': ip } });

  beforeAll(async () => {
    t = await startTestApp({
      IP_RATE_LIMIT_ADMIN_PER_MINUTE: '6',
      ADMIN_AUTH_FAILURES_PER_MINUTE: '3',
      IP_RATE_LIMIT_CALLBACKS_PER_MINUTE: '4',
      IP_RATE_LIMIT_PUBLIC_PER_MINUTE: '4',
    });
  });
  afterAll(() => t?.close());

  function expectRateLimited(res: HttpResult): void {
    expectErrorShape(res, 429, 'rate_limited');
    expect(res.body.error.type).toBe('rate_limit_error');
    const wait = Number(res.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
  }

  it('blocks an address after 3 failed admin tokens, even with the right token; other addresses keep working', async () => {
    const guesser = newIp();
    for (let i = 0; i < 3; i++)
      expectErrorShape(
        await from(guesser, 'GET', '/admin/v1/merchants', { token: `wrong-token-${i}-0123456789` }),
        401,
        'admin_token_invalid',
      );
    const blocked = await from(guesser, 'GET', '/admin/v1/merchants', { token: TEST_ADMIN_TOKEN });
    expectRateLimited(blocked);
    expect(blocked.body.error.message).toContain('failed admin-token attempts');
    expect(blocked.text).not.toContain('"data"');
    // Blocked before any token is looked at: a write is refused too, and changes nothing.
    const before = await count(t.dataSource, 'SELECT 1 FROM merchants');
    const write = await http('POST', `${t.baseUrl}/admin/v1/merchants`, {
      token: TEST_ADMIN_TOKEN,
      body: { name: 'Never' },
      headers: { 'x-forwarded-for': guesser },
    });
    expectRateLimited(write);
    expect(await count(t.dataSource, 'SELECT 1 FROM merchants')).toBe(before);

    const other = newIp();
    expect((await from(other, 'GET', '/admin/v1/merchants', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    // Two failures stay under the threshold: the right token still works from there.
    for (let i = 0; i < 2; i++)
      expect((await from(other, 'GET', '/admin/v1/merchants', { token: `nope-${i}-0123456789abcdef` })).status).toBe(
        401,
      );
    expect((await from(other, 'GET', '/admin/v1/merchants', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    // A missing token is not a guess: it does not count towards the block.
    const careless = newIp();
    for (let i = 0; i < 4; i++) expect((await from(careless, 'GET', '/admin/v1/merchants')).status).toBe(401);
    expect((await from(careless, 'GET', '/admin/v1/merchants', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
  });

  it('limits admin requests per address before authentication; an address under the limit is unaffected', async () => {
    const busy = newIp();
    const quiet = newIp();
    for (let i = 0; i < 6; i++)
      expect((await from(busy, 'GET', '/admin/v1/merchants', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    expectRateLimited(await from(busy, 'GET', '/admin/v1/merchants', { token: TEST_ADMIN_TOKEN }));
    expect((await from(quiet, 'GET', '/admin/v1/merchants', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    // The signed merchant API and health have their own rules and are not limited per IP.
    expect((await from(busy, 'GET', '/health/live')).status).toBe(200);
    expect((await from(busy, 'GET', '/v1/ping')).status).toBe(401);
  });

  it('answers a provider over its limit 429 with Retry-After (a retry signal), storing nothing of that callback', async () => {
    const provider = newIp();
    const body = 'notify_id=1&sign=forged';
    for (let i = 0; i < 4; i++) {
      const res = await http('POST', `${t.baseUrl}/callbacks/alipay`, {
        raw: body,
        headers: { 'x-forwarded-for': provider, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).not.toBe(429);
    }
    const stored = await count(t.dataSource, 'SELECT 1 FROM provider_callbacks');
    const over = await http('POST', `${t.baseUrl}/callbacks/alipay`, {
      raw: body,
      headers: { 'x-forwarded-for': provider, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectRateLimited(over);
    expect(await count(t.dataSource, 'SELECT 1 FROM provider_callbacks')).toBe(stored);
    const another = await http('POST', `${t.baseUrl}/callbacks/alipay`, {
      raw: body,
      headers: { 'x-forwarded-for': newIp(), 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(another.status).not.toBe(429);
  });

  it('limits the public pages (JWKS, cashier, sandbox) per address', async () => {
    const crawler = newIp();
    for (let i = 0; i < 4; i++) expect((await from(crawler, 'GET', '/.well-known/jwks.json')).status).toBe(200);
    expectRateLimited(await from(crawler, 'GET', '/.well-known/jwks.json'));
    expectRateLimited(await from(crawler, 'GET', '/checkout/assets/cashier.js'));
    expect((await from(newIp(), 'GET', '/.well-known/jwks.json')).status).toBe(200);
    expect((await from(newIp(), 'GET', '/checkout/assets/cashier.js')).status).toBe(200);
  });
});
