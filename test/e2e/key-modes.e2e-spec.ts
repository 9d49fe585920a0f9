import { randomBytes } from 'node:crypto';
import { PaygridClient, PaygridError } from '@paygrid/sdk';
import { http } from '../utils/http';
import { OnboardedMerchant, addKey, onboardMerchant } from '../utils/merchant-fixture';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';
import { TestDatabase, createTestDatabase } from '../utils/test-db';

/**
 * Test and live keys (issue 20): a key is minted in its instance's mode, and a live instance refuses test keys,
 * before any signature work and without claiming a nonce. Two instances share one database here, as when a
 * sandbox database is carried into production by mistake.
 */
describe('test and live keys (e2e)', () => {
  let db: TestDatabase;
  let sandbox: TestApp;
  let live: TestApp;
  let m: OnboardedMerchant;

  beforeAll(async () => {
    db = await createTestDatabase();
    // One database, so one data key: each instance decrypts the secrets the other stored.
    const PAYGRID_DATA_KEYS = `k1:${randomBytes(32).toString('base64')}`;
    sandbox = await startTestApp({ PAYGRID_DATA_KEYS }, { db });
    live = await startTestApp({ PAYGRID_DATA_KEYS, PAYGRID_MODE: 'live' }, { db });
    m = await onboardMerchant(sandbox);
  });
  afterAll(async () => {
    await live?.close();
    await sandbox?.close();
    await db?.drop();
  });

  const clientOn = (t: TestApp, keyId: string, secret: string) =>
    new PaygridClient({ baseUrl: t.baseUrl, appId: m.appId, keyId, secret, maxRetries: 0 });
  const nonces = async () =>
    Number((await live.dataSource.query(`SELECT count(*)::int AS n FROM request_nonces`))[0].n);

  it('a sandbox instance mints test keys: sk_test_… and mode "test" on the key object', async () => {
    expect(m.secret).toMatch(/^sk_test_[A-Za-z0-9_-]{43}$/);
    const keys = await http('GET', `${sandbox.baseUrl}/admin/v1/apps/${m.appId}/keys`, { token: TEST_ADMIN_TOKEN });
    expect(keys.body.data ?? keys.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: m.keyId, mode: 'test' })]),
    );
    await expect(m.client.ping()).resolves.toMatchObject({ key_id: m.keyId });
  });

  it('a live instance refuses a test key with 401 key_mode_mismatch and records no nonce', async () => {
    const before = await nonces();
    const err = await clientOn(live, m.keyId, m.secret!)
      .ping()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaygridError);
    expect(err).toMatchObject({ status: 401, code: 'key_mode_mismatch' });
    expect(await nonces()).toBe(before);
  });

  it('a live instance mints live keys (sk_live_…), which it accepts', async () => {
    const { keyId, secret } = await addKey(live, m.appId);
    expect(secret).toMatch(/^sk_live_/);
    const key = await http('GET', `${live.baseUrl}/admin/v1/apps/${m.appId}/keys`, { token: TEST_ADMIN_TOKEN });
    expect(key.body.data ?? key.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: keyId, mode: 'live' })]),
    );
    await expect(clientOn(live, keyId, secret!).ping()).resolves.toMatchObject({ key_id: keyId });
  });
});
