import { signRequest } from '@paygrid/sdk';
import { connect } from 'node:net';
import { AuthMaintenanceJob } from '../../src/modules/auth/auth-maintenance.job';
import { HttpResult, expectErrorShape, http } from '../utils/http';
import { OnboardedMerchant, addKey, onboardMerchant, revokeKey } from '../utils/merchant-fixture';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Call {
  method?: string;
  path?: string;
  body?: string;
  authorization?: string;
  headers?: Record<string, string>;
}

describe('merchant request signatures (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;

  const sign = (
    who: { appId: string; keyId: string; secret?: string; privateKey?: string },
    req: { method?: string; path?: string; body?: string; timestamp?: number; nonce?: string } = {},
  ) =>
    signRequest(who, {
      method: req.method ?? 'GET',
      pathWithQuery: req.path ?? '/v1/ping',
      body: req.body ?? '',
      timestamp: req.timestamp,
      nonce: req.nonce,
    });
  const send = (c: Call): Promise<HttpResult> =>
    http(c.method ?? 'GET', `${t.baseUrl}${c.path ?? '/v1/ping'}`, {
      raw: c.body,
      headers: { ...(c.authorization !== undefined ? { authorization: c.authorization } : {}), ...(c.headers ?? {}) },
    });
  const executions = async (who: OnboardedMerchant) =>
    (await who.client.createPing({}, { idempotencyKey: false })).executions;

  beforeAll(async () => {
    t = await startTestApp();
    m = await onboardMerchant(t, { name: 'Signer' });
  });
  afterAll(() => t.close());

  it('accepts a correctly signed HMAC request and reports who signed it', async () => {
    const ping = await m.client.ping();
    expect(ping).toMatchObject({ object: 'ping', merchant_id: m.merchantId, app_id: m.appId, key_id: m.keyId });
    const post = await send({
      method: 'POST',
      body: '{"message":"hé"}',
      authorization: sign(m, { method: 'POST', body: '{"message":"hé"}' }),
    });
    expect(post.status).toBe(200);
    expect(post.body.message).toBe('hé');
  });

  it('accepts a correctly signed RSA request', async () => {
    const r = await onboardMerchant(t, { name: 'RSA', keyType: 'rsa' });
    expect(r.privateKey).toContain('PRIVATE KEY');
    expect(await r.client.ping()).toMatchObject({ app_id: r.appId, key_id: r.keyId });
    const body = '{"message":"rsa"}';
    expect((await send({ method: 'POST', body, authorization: sign(r, { method: 'POST', body }) })).status).toBe(200);
    const tampered = await send({
      method: 'POST',
      body: '{"message":"rsb"}',
      authorization: sign(r, { method: 'POST', body }),
    });
    expectErrorShape(tampered, 401, 'signature_invalid');
    // An RSA key's request signed as HMAC (e.g. with its public key as the secret) is refused.
    const asHmac = sign({ appId: r.appId, keyId: r.keyId, secret: 'anything' });
    expectErrorShape(await send({ authorization: asHmac }), 401, 'signature_scheme_mismatch');
  });

  it('refuses a change to any signed part, with no side effect', async () => {
    const before = await executions(m);
    const body = '{"message":"hello"}';
    const ts = nowSeconds();
    const other = await addKey(t, m.appId);
    const cases: Array<[string, Call]> = [
      ['method', { method: 'POST', body, authorization: sign(m, { method: 'PUT', body }) }],
      ['path', { method: 'POST', path: '/v1/ping/', body, authorization: sign(m, { method: 'POST', body }) }],
      [
        'query',
        {
          method: 'POST',
          path: '/v1/ping?a=2',
          body,
          authorization: sign(m, { method: 'POST', path: '/v1/ping?a=1', body }),
        },
      ],
      ['added query', { method: 'POST', path: '/v1/ping?a=1', body, authorization: sign(m, { method: 'POST', body }) }],
      [
        'one body byte',
        { method: 'POST', body: '{"message":"hellp"}', authorization: sign(m, { method: 'POST', body }) },
      ],
      [
        'timestamp',
        {
          method: 'POST',
          body,
          authorization: sign(m, { method: 'POST', body, timestamp: ts }).replace(
            `timestamp="${ts}"`,
            `timestamp="${ts - 1}"`,
          ),
        },
      ],
      [
        'nonce',
        {
          method: 'POST',
          body,
          authorization: sign(m, { method: 'POST', body, nonce: 'aaaaaaaaaaaaaaaa' }).replace(
            'nonce="aaaaaaaaaaaaaaaa"',
            'nonce="aaaaaaaaaaaaaaab"',
          ),
        },
      ],
      [
        "key id (the app's other key)",
        {
          method: 'POST',
          body,
          authorization: sign(m, { method: 'POST', body }).replace(`key_id="${m.keyId}"`, `key_id="${other.keyId}"`),
        },
      ],
    ];
    for (const [part, call] of cases) {
      const res = await send(call);
      expect({ part, status: res.status, code: res.body?.error?.code }).toEqual({
        part,
        status: 401,
        code: 'signature_invalid',
      });
      expectErrorShape(res, 401);
    }
    const unknownKey = sign(m).replace(`key_id="${m.keyId}"`, 'key_id="key_01m8avfgp2sdpcrv01t7hbzzzz"');
    expectErrorShape(await send({ authorization: unknownKey }), 401, 'key_unknown');
    expect(await executions(m)).toBe(before + 1);
    await revokeKey(t, m.appId, other.keyId);
  });

  it('refuses a replayed nonce, on the same request and on another one', async () => {
    const auth = sign(m, { nonce: 'replay-nonce-0001' });
    expect((await send({ authorization: auth })).status).toBe(200);
    expectErrorShape(await send({ authorization: auth }), 401, 'nonce_reused');
    const body = '{"message":"x"}';
    expectErrorShape(
      await send({
        method: 'POST',
        body,
        authorization: sign(m, { method: 'POST', body, nonce: 'replay-nonce-0001' }),
      }),
      401,
      'nonce_reused',
    );
    // Nonces are per app: another app may use the same one.
    const other = await onboardMerchant(t, { name: 'Other' });
    expect((await send({ authorization: sign(other, { nonce: 'replay-nonce-0001' }) })).status).toBe(200);
  });

  it('refuses timestamps 301 s away on either side and accepts ones inside the window', async () => {
    expectErrorShape(
      await send({ authorization: sign(m, { timestamp: nowSeconds() - 301 }) }),
      401,
      'timestamp_out_of_window',
    );
    expectErrorShape(
      await send({ authorization: sign(m, { timestamp: nowSeconds() + 301 }) }),
      401,
      'timestamp_out_of_window',
    );
    // 295 rather than 300: a second may tick between signing and checking.
    expect((await send({ authorization: sign(m, { timestamp: nowSeconds() - 295 }) })).status).toBe(200);
    expect((await send({ authorization: sign(m, { timestamp: nowSeconds() + 295 }) })).status).toBe(200);
  });

  it('answers a missing or malformed Authorization header with 401, never a 500', async () => {
    const good = sign(m);
    const malformed = [
      'Bearer abc',
      'PAYGRID-HMAC-SHA256',
      'PAYGRID-HMAC-SHA256 ',
      'PAYGRID-HMAC-SHA512 ' + good.slice(20),
      good.replace(/,signature="[^"]*"/, ''),
      `${good},nonce="bbbbbbbbbbbbbbbb"`,
      good.replace(/signature="[^"]*"/, 'signature="%%%not-base64%%%"'),
      good.replace(/signature="[^"]*"/, 'signature="AAAA"'),
      good.replace(/signature="[^"]*"/, `signature="${'ab'.repeat(32)}"`),
      good.replace(/signature="[^"]*"/, `signature="${'A'.repeat(3000)}"`),
      good.replace(/nonce="[^"]*"/, 'nonce="short"'),
      good.replace(/timestamp="[^"]*"/, 'timestamp="99999999999999999999"'),
      good.replace(/timestamp="[^"]*"/, 'timestamp="-5"'),
      good.replace(/app_id="[^"]*"/, 'app_id="x"'),
      good.replaceAll('"', ''),
      'ÿÿÿÿ',
      '',
    ];
    expectErrorShape(await send({}), 401, 'authorization_missing');
    for (const value of malformed) {
      const res = await send({ authorization: value });
      expect({ value, status: res.status }).toEqual({ value, status: 401 });
      expectErrorShape(res, 401);
    }
  });

  it('answers two Authorization headers with 401, even when both are valid', async () => {
    const a = sign(m);
    const b = sign(m);
    const url = new URL(t.baseUrl);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `GET /v1/ping HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${a}\r\nAuthorization: ${b}\r\nConnection: close\r\n\r\n`,
        );
      });
      let data = '';
      socket.on('data', (d) => (data += d.toString('utf8')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 401 /);
    expect(raw).toContain('"code":"authorization_duplicated"');
  });

  it('refuses a body that was not sent as JSON (it could not be verified)', async () => {
    const body = 'message=hi';
    const res = await send({
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
      authorization: sign(m, { method: 'POST', body }),
    });
    expectErrorShape(res, 415, 'unsupported_media_type');
  });

  it('refuses a revoked key at once, while the second active key keeps working (rotation)', async () => {
    const r = await onboardMerchant(t, { name: 'Rotating' });
    const second = await addKey(t, r.appId);
    const newClient = { appId: r.appId, ...second };
    expect((await send({ authorization: sign(r) })).status).toBe(200);
    expect((await send({ authorization: sign(newClient) })).status).toBe(200);
    await revokeKey(t, r.appId, r.keyId);
    expectErrorShape(await send({ authorization: sign(r) }), 401, 'key_revoked');
    await expect(r.client.ping()).rejects.toMatchObject({ status: 401, code: 'key_revoked' });
    expect((await send({ authorization: sign(newClient) })).status).toBe(200);
    // A key of another app, presented with this app's id, is unknown here.
    expectErrorShape(await send({ authorization: sign({ ...m, appId: r.appId }) }), 401, 'key_unknown');
  });

  it('answers 403 for a suspended merchant or app, after checking the signature', async () => {
    const s = await onboardMerchant(t, { name: 'Suspended' });
    const admin = (path: string) => http('POST', `${t.baseUrl}${path}`, { token: TEST_ADMIN_TOKEN });
    await admin(`/admin/v1/merchants/${s.merchantId}/suspend`);
    expectErrorShape(await send({ authorization: sign(s) }), 403, 'merchant_suspended');
    // Without a valid signature nobody learns that the merchant is suspended.
    expectErrorShape(await send({ authorization: sign({ ...s, secret: 'sk_wrong' }) }), 401, 'signature_invalid');
    await admin(`/admin/v1/merchants/${s.merchantId}/activate`);
    expect((await send({ authorization: sign(s) })).status).toBe(200);
    await admin(`/admin/v1/apps/${s.appId}/suspend`);
    expectErrorShape(await send({ authorization: sign(s) }), 403, 'app_suspended');
  });

  it('purges expired nonces, and an expired nonce no longer blocks a request', async () => {
    const auth = sign(m, { nonce: 'expiring-nonce-01' });
    expect((await send({ authorization: auth })).status).toBe(200);
    await t.dataSource.query(
      `UPDATE request_nonces SET expires_at = now() - interval '1 second' WHERE nonce = 'expiring-nonce-01'`,
    );
    expect((await send({ authorization: sign(m, { nonce: 'expiring-nonce-01' }) })).status).toBe(200);
    await t.dataSource.query(
      `UPDATE request_nonces SET expires_at = now() - interval '1 second' WHERE nonce = 'expiring-nonce-01'`,
    );
    const live = (await t.dataSource.query(`SELECT count(*)::int AS n FROM request_nonces WHERE expires_at > now()`))[0]
      .n;
    const purged = await t.app.get(AuthMaintenanceJob).purgeExpired();
    expect(purged.nonces).toBeGreaterThanOrEqual(1);
    expect(
      (await t.dataSource.query(`SELECT count(*)::int AS n FROM request_nonces WHERE nonce = 'expiring-nonce-01'`))[0]
        .n,
    ).toBe(0);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM request_nonces`))[0].n).toBe(live);
  });
});
