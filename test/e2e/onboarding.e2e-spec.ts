import { generateKeyPairSync } from 'node:crypto';
import { TestApp, TEST_ADMIN_TOKEN, startTestApp } from '../utils/test-app';
import { expectErrorShape, http } from '../utils/http';
import { rawClient } from '../utils/test-db';

describe('admin onboarding (e2e)', () => {
  let t: TestApp;
  const admin = (method: string, path: string, body?: unknown, token = TEST_ADMIN_TOKEN) =>
    http(method, `${t.baseUrl}${path}`, { body, token });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('onboards a merchant, an app with a webhook and an HMAC key, over HTTP', async () => {
    const m = await admin('POST', '/admin/v1/merchants', { name: 'Acme', fee_bps: 60, timezone: 'Asia/Tokyo' });
    expect(m.status).toBe(201);
    expect(m.body).toMatchObject({
      id: expect.stringMatching(/^mch_/),
      name: 'Acme',
      fee_bps: 60,
      timezone: 'Asia/Tokyo',
      settlement_currency: 'CNY',
      status: 'active',
    });

    const a = await admin('POST', `/admin/v1/merchants/${m.body.id}/apps`, {
      name: 'Shop',
      channels: ['alipay_qr', 'card'],
      webhook_url: 'http://127.0.0.1:9/hook',
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      id: expect.stringMatching(/^app_/),
      merchant_id: m.body.id,
      channels: ['alipay_qr', 'card'],
      webhook_secret: expect.stringMatching(/^whsec_/),
    });

    const k = await admin('POST', `/admin/v1/apps/${a.body.id}/keys`, { type: 'hmac' });
    expect(k.status).toBe(201);
    expect(k.body).toMatchObject({
      id: expect.stringMatching(/^key_/),
      type: 'hmac',
      status: 'active',
      secret: expect.stringMatching(/^sk_/),
    });

    // The secret is shown once: reads never return it.
    const keys = await admin('GET', `/admin/v1/apps/${a.body.id}/keys`);
    expect(keys.body).toHaveLength(1);
    expect(keys.body[0].secret).toBeUndefined();
    expect((await admin('GET', `/admin/v1/apps/${a.body.id}`)).body.webhook_secret).toBeUndefined();

    // Neither the HMAC secret nor the webhook secret is in the database in clear.
    const pg = await rawClient(t.db.url);
    try {
      const keyRow = (await pg.query('SELECT * FROM app_keys WHERE id = $1', [k.body.id])).rows[0];
      expect(JSON.stringify(keyRow)).not.toContain(k.body.secret);
      expect(JSON.stringify(keyRow)).not.toContain(k.body.secret.slice(3, 20));
      expect(keyRow.secret_enc).toMatch(/^pg1\.t1\./);
      const appRow = (await pg.query('SELECT * FROM apps WHERE id = $1', [a.body.id])).rows[0];
      expect(JSON.stringify(appRow)).not.toContain(a.body.webhook_secret.slice(6, 30));
      const everything = await pg.query(`SELECT string_agg(t::text, ' ') AS dump FROM (SELECT * FROM audit_log) t`);
      expect(everything.rows[0].dump).not.toContain(k.body.secret);
    } finally {
      await pg.end();
    }
  });

  it('allows at most two active keys and revokes one', async () => {
    const m = await admin('POST', '/admin/v1/merchants', { name: 'Keys' });
    const a = await admin('POST', `/admin/v1/merchants/${m.body.id}/apps`, { name: 'A', channels: ['card'] });
    const k1 = await admin('POST', `/admin/v1/apps/${a.body.id}/keys`, { type: 'hmac' });
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const k2 = await admin('POST', `/admin/v1/apps/${a.body.id}/keys`, {
      type: 'rsa',
      public_key: publicKey.export({ type: 'spki', format: 'pem' }),
    });
    expect(k2.status).toBe(201);
    expect(k2.body.secret).toBeUndefined();
    const k3 = await admin('POST', `/admin/v1/apps/${a.body.id}/keys`, { type: 'hmac' });
    expectErrorShape(k3, 409, 'too_many_active_keys');

    const revoked = await admin('DELETE', `/admin/v1/apps/${a.body.id}/keys/${k1.body.id}`);
    expect(revoked.body).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
    expect((await admin('POST', `/admin/v1/apps/${a.body.id}/keys`, { type: 'hmac' })).status).toBe(201);
  });

  it('rejects a weak or malformed RSA key and a private webhook URL, writing nothing', async () => {
    const m = await admin('POST', '/admin/v1/merchants', { name: 'Bad' });
    const a = await admin('POST', `/admin/v1/merchants/${m.body.id}/apps`, { name: 'A', channels: ['card'] });
    expectErrorShape(
      await admin('POST', `/admin/v1/apps/${a.body.id}/keys`, { type: 'rsa', public_key: 'not a key' }),
      400,
      'public_key_invalid',
    );
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expectErrorShape(
      await admin('POST', `/admin/v1/apps/${a.body.id}/keys`, {
        type: 'rsa',
        public_key: publicKey.export({ type: 'spki', format: 'pem' }),
      }),
      400,
      'public_key_invalid',
    );
    expect((await admin('GET', `/admin/v1/apps/${a.body.id}/keys`)).body).toHaveLength(0);

    const before = (await admin('GET', `/admin/v1/merchants/${m.body.id}/apps`)).body.length;
    for (const url of [
      'http://10.0.0.1/hook',
      'https://169.254.169.254/latest',
      'ftp://example.com/x',
      'https://user:pw@example.com/',
    ]) {
      expectErrorShape(
        await admin('POST', `/admin/v1/merchants/${m.body.id}/apps`, {
          name: 'B',
          channels: ['card'],
          webhook_url: url,
        }),
        400,
        'webhook_url_invalid',
      );
    }
    expect((await admin('GET', `/admin/v1/merchants/${m.body.id}/apps`)).body.length).toBe(before);
  });

  it('refuses mass assignment and bad values with the error shape, changing nothing', async () => {
    const extra = await admin('POST', '/admin/v1/merchants', { name: 'X', status: 'suspended' });
    expectErrorShape(extra, 400, 'parameter_unknown');
    expect(extra.body.error.param).toBe('status');
    expectErrorShape(
      await admin('POST', '/admin/v1/merchants', { name: 'X', timezone: 'Mars/Base' }),
      400,
      'parameter_invalid',
    );
    expectErrorShape(await admin('POST', '/admin/v1/merchants', { name: 'X', fee_bps: 1.5 }), 400, 'parameter_invalid');
    expectErrorShape(
      await admin('POST', '/admin/v1/merchants', { name: 'X', settlement_currency: 'cny' }),
      400,
      'parameter_invalid',
    );
    const list = await admin('GET', '/admin/v1/merchants?limit=100');
    expect(list.body.data.map((m: { name: string }) => m.name)).not.toContain('X');
  });

  it('suspends and updates a merchant, and pages the list with a cursor', async () => {
    const m = await admin('POST', '/admin/v1/merchants', { name: 'Pager' });
    const s = await admin('POST', `/admin/v1/merchants/${m.body.id}/suspend`);
    expect(s.body.status).toBe('suspended');
    const u = await admin('PATCH', `/admin/v1/merchants/${m.body.id}`, { fee_bps: 25 });
    expect(u.body).toMatchObject({ fee_bps: 25, status: 'suspended' });

    const page1 = await admin('GET', '/admin/v1/merchants?limit=2');
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.has_more).toBe(true);
    const page2 = await admin('GET', `/admin/v1/merchants?limit=2&starting_after=${page1.body.data[1].id}`);
    expect(page2.body.data[0].id < page1.body.data[1].id).toBe(true);
    expectErrorShape(await admin('GET', '/admin/v1/merchants?limit=1000'), 400, 'parameter_invalid');
    expectErrorShape(await admin('GET', '/admin/v1/merchants/mch_doesnotexist'), 404, 'resource_missing');
  });
});
