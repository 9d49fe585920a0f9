import { randomBytes } from 'node:crypto';
import { PaygridClient } from '@paygrid/sdk';
import { MerchantDirectory } from '../../src/modules/merchants/merchant-directory';
import { expectErrorShape, http } from '../utils/http';
import { OnboardedMerchant, onboardMerchant, revokeKey } from '../utils/merchant-fixture';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

/**
 * Two API processes' worth of apps (each its own Nest container, pool,
 * cache and LISTEN connection) on one database: configuration is served
 * from memory, and a change made through one reaches the other within 1 s.
 */
describe('configuration cache across API processes (e2e)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { PAYGRID_DATA_KEYS: `t1:${randomBytes(32).toString('base64')}` };
    a = await startTestApp(env, { db });
    b = await startTestApp(env, { db });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db.drop();
  });

  /** The same merchant credentials, pointed at process B. */
  const clientOn = (t: TestApp, m: OnboardedMerchant) =>
    new PaygridClient({ baseUrl: t.baseUrl, appId: m.appId, keyId: m.keyId, secret: m.secret!, maxRetries: 0 });

  /** Polls B until it answers `status`; returns how long that took after the change committed. */
  async function msUntil(client: PaygridClient, status: number, code: string, since: number): Promise<number> {
    for (;;) {
      const res = await client.request<any>('GET', '/v1/ping');
      if (res.status === status) {
        expect(res.body.error.code).toBe(code);
        return Date.now() - since;
      }
      expect(res.status).toBe(200);
      if (Date.now() - since > 5000) throw new Error(`B still answers ${res.status} 5 s after the change`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Requests through B until B holds the key in memory (a load that raced with a notification is not kept). */
  async function warm(t: TestApp, client: PaygridClient, keyId: string): Promise<void> {
    const directory = t.app.get(MerchantDirectory);
    const deadline = Date.now() + 5000;
    do expect((await client.request('GET', '/v1/ping')).status).toBe(200);
    while (!directory.holds('app_keys', keyId) && Date.now() < deadline);
    expect(directory.holds('app_keys', keyId)).toBe(true);
  }

  it('serves a key from memory: B reads no key row from the database on a warm request', async () => {
    const m = await onboardMerchant(a, { name: 'Warm' });
    const onB = clientOn(b, m);
    await warm(b, onB, m.keyId);

    const pg = await rawClient(db.url);
    try {
      // The key row is changed behind the cache's back with the trigger off: a cached key does not notice.
      await pg.query('BEGIN');
      await pg.query('ALTER TABLE app_keys DISABLE TRIGGER app_keys_config_changed');
      await pg.query(`UPDATE app_keys SET status = 'revoked' WHERE id = $1`, [m.keyId]);
      await pg.query('ALTER TABLE app_keys ENABLE TRIGGER app_keys_config_changed');
      await pg.query('COMMIT');
      expect((await onB.request('GET', '/v1/ping')).status).toBe(200);
      // …until a change is announced, as every write through Paygrid (or psql with the trigger on) does.
      const since = Date.now();
      await pg.query(`UPDATE app_keys SET revoked_at = now() WHERE id = $1`, [m.keyId]);
      expect(await msUntil(onB, 401, 'key_revoked', since)).toBeLessThan(1000);
    } finally {
      await pg.end();
    }
  });

  it('refuses on B a key revoked through A within 1 s', async () => {
    const m = await onboardMerchant(a, { name: 'Revoked' });
    const onB = clientOn(b, m);
    await warm(b, onB, m.keyId);
    await warm(a, m.client, m.keyId);

    const since = Date.now();
    await revokeKey(a, m.appId, m.keyId);
    // A sees its own change at once; B within the second.
    const onA = await m.client.request<any>('GET', '/v1/ping');
    expectErrorShape(onA, 401, 'key_revoked');
    expect(await msUntil(onB, 401, 'key_revoked', since)).toBeLessThan(1000);
  });

  it('refuses on B a merchant suspended through A within 1 s, and lets it back in on activation', async () => {
    const m = await onboardMerchant(a, { name: 'Suspended' });
    const onB = clientOn(b, m);
    await warm(b, onB, m.keyId);

    let since = Date.now();
    const res = await http('POST', `${a.baseUrl}/admin/v1/merchants/${m.merchantId}/suspend`, {
      token: TEST_ADMIN_TOKEN,
    });
    expect(res.status).toBe(200);
    expect(await msUntil(onB, 403, 'merchant_suspended', since)).toBeLessThan(1000);

    since = Date.now();
    await http('POST', `${a.baseUrl}/admin/v1/merchants/${m.merchantId}/activate`, { token: TEST_ADMIN_TOKEN });
    const deadline = since + 1000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) status = (await onB.request('GET', '/v1/ping')).status;
    expect(status).toBe(200);
  });

  it("serves a merchant's provider accounts from memory, and a change through A's admin API reaches A's next create at once and B's within 1 s", async () => {
    const m = await onboardMerchant(a, { name: 'Direct' });
    const onB = clientOn(b, m);
    let n = 0;
    const create = (client: PaygridClient) =>
      client.post<any>('/v1/payments', {
        out_trade_no: `cfg-mpa-${++n}-${Date.now()}`,
        amount: 1000,
        currency: 'CNY',
        subject: 'Config cache',
        channel: 'wechat_native',
      });
    const putWechat = async (body: Record<string, unknown>) => {
      const res = await http('PUT', `${a.baseUrl}/admin/v1/merchants/${m.merchantId}/provider-accounts/wechat`, {
        token: TEST_ADMIN_TOKEN,
        body,
      });
      expect(res.status).toBe(200);
    };
    /** Creates through B until its payment is made in `mode`; how long that took after the change committed. */
    async function msUntilMode(mode: 'direct' | 'collected', since: number): Promise<number> {
      for (;;) {
        const p = await create(onB);
        if (p.money_mode === mode) return Date.now() - since;
        if (Date.now() - since > 5000) throw new Error(`B still makes ${p.money_mode} payments 5 s after the change`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    // Both processes read the (empty) accounts once and then hold them: no provider_accounts read on a warm create.
    expect((await create(m.client)).money_mode).toBe('collected');
    expect((await create(onB)).money_mode).toBe('collected');
    const bDirectory = b.app.get(MerchantDirectory);
    const deadline = Date.now() + 5000;
    while (!bDirectory.holds('merchant_provider_accounts', m.merchantId) && Date.now() < deadline)
      expect((await create(onB)).money_mode).toBe('collected');
    expect(bDirectory.holds('merchant_provider_accounts', m.merchantId)).toBe(true);
    expect(a.app.get(MerchantDirectory).holds('merchant_provider_accounts', m.merchantId)).toBe(true);

    let since = Date.now();
    await putWechat({ mode: 'direct', sub_mchid: '1900000201' });
    const direct = await create(m.client);
    expect(direct.money_mode).toBe('direct');
    expect(await a.dataSource.query(`SELECT sub_mchid FROM payments WHERE id = $1`, [direct.id])).toEqual([
      { sub_mchid: '1900000201' },
    ]);
    expect(await msUntilMode('direct', since)).toBeLessThan(1000);

    // And back: collected again on both, B within the second.
    since = Date.now();
    await putWechat({ mode: 'collected' });
    expect((await create(m.client)).money_mode).toBe('collected');
    expect(await msUntilMode('collected', since)).toBeLessThan(1000);
  });

  it('reads from the database while its listener is down, so no change is missed meanwhile', async () => {
    const m = await onboardMerchant(a, { name: 'Listener' });
    const onB = clientOn(b, m);
    expect((await onB.request('GET', '/v1/ping')).status).toBe(200);
    const directory = b.app.get(MerchantDirectory);
    const pg = await rawClient(db.url);
    try {
      await pg.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'paygrid-config-listener'`,
      );
      const deadline = Date.now() + 5000;
      while (directory.isLive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(directory.isLive).toBe(false);
      // A's listener is down too; the change is made with the trigger off, so nobody is told.
      await pg.query('BEGIN');
      await pg.query('ALTER TABLE merchants DISABLE TRIGGER merchants_config_changed');
      await pg.query(`UPDATE merchants SET status = 'suspended' WHERE id = $1`, [m.merchantId]);
      await pg.query('ALTER TABLE merchants ENABLE TRIGGER merchants_config_changed');
      await pg.query('COMMIT');
      const refused = await onB.request<any>('GET', '/v1/ping');
      if (!directory.isLive) expectErrorShape(refused, 403, 'merchant_suspended');
      else expect(refused.status).toBe(403); // reconnected already: the cache was cleared on loss
      // The listener comes back by itself.
      const back = Date.now() + 10_000;
      while (!directory.isLive && Date.now() < back) await new Promise((r) => setTimeout(r, 20));
      expect(directory.isLive).toBe(true);
    } finally {
      await pg.end();
    }
  });
});
