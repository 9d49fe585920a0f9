import { ProviderAccountsService } from '../../src/modules/merchants/provider-accounts.service';
import { TestApp, TEST_ADMIN_TOKEN, startTestApp } from '../utils/test-app';
import { expectErrorShape, http } from '../utils/http';
import { rawClient } from '../utils/test-db';

describe('merchant provider accounts (e2e)', () => {
  let t: TestApp;
  const admin = (method: string, path: string, body?: unknown, token = TEST_ADMIN_TOKEN) =>
    http(method, `${t.baseUrl}${path}`, { body, token });
  const newMerchant = async (name: string): Promise<string> =>
    (await admin('POST', '/admin/v1/merchants', { name })).body.id;
  const rows = async (merchantId: string) => {
    const pg = await rawClient(t.db.url);
    try {
      return (await pg.query('SELECT * FROM merchant_provider_accounts WHERE merchant_id = $1', [merchantId])).rows;
    } finally {
      await pg.end();
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('attaches a WeChat sub-merchant in direct mode and lists it', async () => {
    const m = await newMerchant('Wx shop');
    expect((await admin('GET', `/admin/v1/merchants/${m}/provider-accounts`)).body).toEqual([]);
    const put = await admin('PUT', `/admin/v1/merchants/${m}/provider-accounts/wechat`, {
      mode: 'direct',
      sub_mchid: '1900000109',
      sub_appid: 'wx8888888888888888',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: expect.stringMatching(/^mpa_/),
      object: 'provider_account',
      merchant_id: m,
      family: 'wechat',
      mode: 'direct',
      sub_mchid: '1900000109',
      sub_appid: 'wx8888888888888888',
    });
    expect(put.body.alipay_authorisation).toBeUndefined();
    // Omitted fields keep their value: switching back to collected keeps the sub-merchant.
    const back = await admin('PUT', `/admin/v1/merchants/${m}/provider-accounts/wechat`, { mode: 'collected' });
    expect(back.body).toMatchObject({ id: put.body.id, mode: 'collected', sub_mchid: '1900000109' });
    const list = await admin('GET', `/admin/v1/merchants/${m}/provider-accounts`);
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ id: put.body.id, mode: 'collected' });
  });

  it('stores the Alipay authorisation encrypted and never returns or logs the tokens', async () => {
    const m = await newMerchant('Ali shop');
    const token = 'appAuthTok.202612BB0f2c1a9e7d3b4c5a6f7e8d9c0b1a2';
    const refresh = 'refreshTok.202612BBc0ffee5e1f2a3b4c5d6e7f8a9b0c1';
    const written: string[] = [];
    const spies = [process.stdout, process.stderr].map((s) =>
      jest.spyOn(s, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        written.push(String(chunk));
        const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        cb?.();
        return true;
      }) as never),
    );
    let put;
    try {
      put = await admin('PUT', `/admin/v1/merchants/${m}/provider-accounts/alipay`, {
        mode: 'direct',
        auth_app_id: '2021000000000002',
        app_auth_token: token,
        app_refresh_token: refresh,
        expires_in: 31536000,
        re_expires_in: 32140800,
      });
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      family: 'alipay',
      mode: 'direct',
      sub_mchid: null,
      alipay_authorisation: {
        authorised: true,
        auth_app_id: '2021000000000002',
        token_expires_at: expect.any(String),
        refresh_expires_at: expect.any(String),
      },
    });
    const later = Date.parse(put.body.alipay_authorisation.token_expires_at) - Date.now();
    expect(later).toBeGreaterThan(364 * 86400 * 1000);
    const listed = JSON.stringify((await admin('GET', `/admin/v1/merchants/${m}/provider-accounts`)).body);
    for (const secret of [token, refresh]) {
      expect(JSON.stringify(put.body)).not.toContain(secret);
      expect(listed).not.toContain(secret);
      expect(written.join('')).not.toContain(secret);
    }
    const [row] = await rows(m);
    expect(row.app_auth_token_enc).toMatch(/^pg1\./);
    expect(row.app_refresh_token_enc).toMatch(/^pg1\./);
    expect(JSON.stringify(row)).not.toContain(token.slice(11));
    const pg = await rawClient(t.db.url);
    try {
      const audit = await pg.query(`SELECT string_agg(a::text, ' ') AS dump FROM audit_log a WHERE target_id = $1`, [
        m,
      ]);
      expect(audit.rows[0].dump).toContain('provider_account.create');
      expect(audit.rows[0].dump).not.toContain(token);
      expect(audit.rows[0].dump).not.toContain(refresh);
    } finally {
      await pg.end();
    }
    // The service hands the adapter the token in clear (decrypts with the row-bound context).
    expect(await t.app.get(ProviderAccountsService).alipayAppAuthToken(m)).toBe(token);
  });

  it.each([
    ['an unknown family', 'stripe', { mode: 'direct' }, 'family'],
    ['an Alipay field on wechat', 'wechat', { app_auth_token: 'abcdefgh1234' }, 'app_auth_token'],
    ['a WeChat field on alipay', 'alipay', { sub_mchid: '1900000109' }, 'sub_mchid'],
    ['direct WeChat without sub_mchid', 'wechat', { mode: 'direct' }, 'sub_mchid'],
    ['direct Alipay without a token', 'alipay', { mode: 'direct', auth_app_id: '2021000000000002' }, 'app_auth_token'],
    ['direct Alipay without auth_app_id', 'alipay', { mode: 'direct', app_auth_token: 'tok_abcdefgh' }, 'auth_app_id'],
    ['expires_in without a token', 'alipay', { expires_in: 60 }, 'expires_in'],
  ])('refuses %s with 400 and writes nothing', async (_what, family, body, param) => {
    const m = await newMerchant('Bad input');
    const res = await admin('PUT', `/admin/v1/merchants/${m}/provider-accounts/${family}`, body);
    expectErrorShape(res, 400, 'parameter_invalid');
    expect(res.body.error.param).toBe(param);
    expect(await rows(m)).toEqual([]);
  });

  it.each([
    ['a malformed sub_mchid', { sub_mchid: '12ab' }],
    ['a bad mode', { mode: 'platform' }],
    ['an unknown field', { sp_mchid: '1230000109' }],
  ])('refuses %s at validation with 400 and writes nothing', async (_what, body) => {
    const m = await newMerchant('Bad shape');
    const res = await admin('PUT', `/admin/v1/merchants/${m}/provider-accounts/wechat`, body);
    expectErrorShape(res, 400);
    expect(await rows(m)).toEqual([]);
  });

  it('keeps merchants apart, 404s an unknown merchant, and refuses non-admin callers', async () => {
    const a = await newMerchant('A');
    const b = await newMerchant('B');
    await admin('PUT', `/admin/v1/merchants/${a}/provider-accounts/wechat`, {
      mode: 'direct',
      sub_mchid: '1900000111',
    });
    expect((await admin('GET', `/admin/v1/merchants/${b}/provider-accounts`)).body).toEqual([]);
    expectErrorShape(await admin('GET', '/admin/v1/merchants/mch_nope/provider-accounts'), 404, 'resource_missing');
    expectErrorShape(
      await admin('PUT', '/admin/v1/merchants/mch_nope/provider-accounts/wechat', { sub_mchid: '1900000111' }),
      404,
      'resource_missing',
    );
    const anon = await admin(
      'PUT',
      `/admin/v1/merchants/${b}/provider-accounts/wechat`,
      { sub_mchid: '1900000112' },
      'nope',
    );
    expect(anon.status).toBe(401);
    expect(await rows(b)).toEqual([]);
  });

  it('refuses direct mode in the database without an identity (constraint, not only the service)', async () => {
    const m = await newMerchant('Constraint');
    const pg = await rawClient(t.db.url);
    try {
      await expect(
        pg.query(
          `INSERT INTO merchant_provider_accounts (id, merchant_id, family, mode) VALUES ('mpa_x', $1, 'wechat', 'direct')`,
          [m],
        ),
      ).rejects.toMatchObject({ code: '23514' });
    } finally {
      await pg.end();
    }
  });
});
