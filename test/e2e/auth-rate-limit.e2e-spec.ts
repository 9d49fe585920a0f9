import { PaygridClient } from '@paygrid/sdk';
import { expectErrorShape } from '../utils/http';
import { onboardMerchant } from '../utils/merchant-fixture';
import { TestApp, startTestApp } from '../utils/test-app';

describe('per-app rate limit (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => t.close());

  it('answers 429 rate_limit_error with Retry-After above the quota, and leaves other apps alone', async () => {
    const busy = await onboardMerchant(t, { name: 'Busy' });
    const calm = await onboardMerchant(t, { name: 'Calm' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await busy.client.request('GET', '/v1/ping');
      statuses.push(res.status);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(4 - i));
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);

    const limited = await busy.client.request<any>('GET', '/v1/ping');
    expectErrorShape(limited, 429, 'rate_limited');
    expect(limited.body.error.type).toBe('rate_limit_error');
    // 5 per minute refill one token every 12 s.
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(12);
    // The 429 is a signed /v1 response like any other (the SDK verified it).
    expect(limited.signedBy).toMatch(/^pk_/);
    const post = await busy.client.request<any>('POST', '/v1/ping', { body: {} });
    expect(post.status).toBe(429);

    expect((await calm.client.request('GET', '/v1/ping')).status).toBe(200);
  });

  it("counts only authenticated requests: forged ones do not spend an app's quota", async () => {
    const victim = await onboardMerchant(t, { name: 'Victim' });
    const forged = await onboardMerchant(t, { name: 'Forger' });
    const attacker = new PaygridClient({
      baseUrl: t.baseUrl,
      appId: victim.appId,
      keyId: victim.keyId,
      secret: forged.secret,
      maxRetries: 0,
    });
    for (let i = 0; i < 10; i++) expect((await attacker.request('GET', '/v1/ping')).status).toBe(401);
    expect((await victim.client.request('GET', '/v1/ping')).status).toBe(200);
  });
});
