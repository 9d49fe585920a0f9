import { CompactEncrypt, importJWK } from 'jose';
import { JsonWebKey, createPublicKey, randomBytes, verify } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { PaygridClient, PaygridSignatureError, encryptCard, signRequest, signWebhook } from '@paygrid/sdk';
import { PlatformKeysService } from '../../src/modules/auth/platform-keys.service';
import { HttpResult, expectErrorShape, http } from '../utils/http';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';
import { createTestDatabase } from '../utils/test-db';

type Jwks = { keys: Array<Record<string, any>> };

/** An independent check of docs/api.md's response signature, with node:crypto only (not the SDK under test). */
function verifyWithJwks(res: HttpResult, jwks: Jwks): boolean {
  const kid = res.headers.get('paygrid-key-id');
  const jwk = jwks.keys.find((k) => k.kid === kid && k.use === 'sig');
  if (!jwk) return false;
  const { kid: _k, use: _u, alg: _a, ...material } = jwk;
  const key = createPublicKey({ key: material as JsonWebKey, format: 'jwk' });
  const data = Buffer.from(
    `${res.headers.get('paygrid-timestamp')}\n${res.headers.get('paygrid-nonce')}\n${res.text}\n`,
    'utf8',
  );
  return verify(null, data, key, Buffer.from(res.headers.get('paygrid-signature') ?? '', 'base64'));
}

describe('platform keys and response signatures (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  const jwks = async (base = t.baseUrl) => (await http<Jwks>('GET', `${base}/.well-known/jwks.json`)).body;
  const rotate = (grace: number) =>
    http('POST', `${t.baseUrl}/admin/v1/platform-keys/rotate`, {
      token: TEST_ADMIN_TOKEN,
      body: { grace_seconds: grace },
    });

  beforeAll(async () => {
    t = await startTestApp();
    m = await onboardMerchant(t, { name: 'Verifier', webhookUrl: 'http://127.0.0.1:9/hooks' });
  });
  afterAll(() => t.close());

  it('publishes an Ed25519 signing key and an RSA-OAEP-256 encryption key, never a private part', async () => {
    const { keys } = await jwks();
    expect(keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kid: expect.stringMatching(/^pk_/),
          kty: 'OKP',
          crv: 'Ed25519',
          use: 'sig',
          alg: 'EdDSA',
          x: expect.any(String),
        }),
        expect.objectContaining({
          kid: expect.stringMatching(/^pk_/),
          kty: 'RSA',
          use: 'enc',
          alg: 'RSA-OAEP-256',
          n: expect.any(String),
          e: 'AQAB',
        }),
      ]),
    );
    for (const k of keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k[member]).toBeUndefined();
    const rows = await t.dataSource.query(`SELECT private_key_enc FROM platform_keys`);
    for (const r of rows) {
      expect(r.private_key_enc).toMatch(/^pg1\./);
      expect(r.private_key_enc).not.toContain('PRIVATE KEY');
    }
  });

  it('signs every /v1 response, errors included, verifiably with the JWKS key', async () => {
    const published = await jwks();
    const body = '{"message":"signed"}';
    const responses = [
      await http('GET', `${t.baseUrl}/v1/ping`, {
        headers: { authorization: signRequest(m, { method: 'GET', pathWithQuery: '/v1/ping' }) },
      }),
      await http('POST', `${t.baseUrl}/v1/ping`, {
        raw: body,
        headers: { authorization: signRequest(m, { method: 'POST', pathWithQuery: '/v1/ping', body }) },
      }),
      await http('GET', `${t.baseUrl}/v1/ping`),
      await http('GET', `${t.baseUrl}/v1/no-such-route`),
      await http('POST', `${t.baseUrl}/v1/ping`, { raw: '{"broken"' }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 404, 400]);
    for (const res of responses) {
      expect(res.headers.get('paygrid-key-id')).toMatch(/^pk_/);
      expect(res.headers.get('paygrid-nonce')).toMatch(/^[0-9a-f]{32}$/);
      expect(Math.abs(Number(res.headers.get('paygrid-timestamp')) - Date.now() / 1000)).toBeLessThan(30);
      expect(verifyWithJwks(res, published)).toBe(true);
      expect(verifyWithJwks({ ...res, text: `${res.text} ` }, published)).toBe(false);
    }
    // Outside /v1 nothing is signed.
    expect((await http('GET', `${t.baseUrl}/health/live`)).headers.get('paygrid-signature')).toBeNull();
  });

  it('rotates the signing key with a grace period; the SDK follows the new kid', async () => {
    const client = new PaygridClient({
      baseUrl: t.baseUrl,
      appId: m.appId,
      keyId: m.keyId,
      secret: m.secret,
      maxRetries: 0,
    });
    const before = await client.request('GET', '/v1/ping');
    const oldKid = before.signedBy!;
    const rotated = await rotate(3600);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ retired: oldKid, active: expect.stringMatching(/^pk_/) });
    const after = await client.request('GET', '/v1/ping');
    expect(after.signedBy).toBe(rotated.body.active);
    const published = await jwks();
    expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, rotated.body.active]));
    expect(published.keys.filter((k) => k.use === 'sig')).toHaveLength(2);
    const raw = await http('GET', `${t.baseUrl}/v1/ping`, {
      headers: { authorization: signRequest(m, { method: 'GET', pathWithQuery: '/v1/ping' }) },
    });
    expect(verifyWithJwks(raw, published)).toBe(true);

    // Without grace the key retired now leaves the JWKS at once; the one in its 1 h grace stays.
    const again = await rotate(0);
    expect(again.body.retired).toBe(rotated.body.active);
    const now = await jwks();
    expect(
      now.keys
        .filter((k) => k.use === 'sig')
        .map((k) => k.kid)
        .sort(),
    ).toEqual([again.body.active, oldKid].sort());
    expect((await client.request('GET', '/v1/ping')).signedBy).toBe(again.body.active);
    const audit = await http('GET', `${t.baseUrl}/admin/v1/audit-log?target_id=${again.body.active}`, {
      token: TEST_ADMIN_TOKEN,
    });
    expect(audit.body.data[0]).toMatchObject({ action: 'platform_key.rotate', actor: expect.stringMatching(/^atk_/) });
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM platform_keys WHERE use = 'sig' AND status = 'active'`,
    );
    expect(n).toBe(1);
  });

  it('makes the SDK refuse a response altered in transit', async () => {
    const tampering = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(input, init);
      if (!String(input).includes('/v1/')) return res;
      // Change the app id's last character to one it is not, so the body really differs.
      const altered = m.appId.replace(/.$/, (c) => (c === 'x' ? 'y' : 'x'));
      const text = (await res.text()).replace(m.appId, altered);
      return new Response(text, { status: res.status, headers: res.headers });
    }) as typeof fetch;
    const client = new PaygridClient({
      baseUrl: t.baseUrl,
      appId: m.appId,
      keyId: m.keyId,
      secret: m.secret,
      fetch: tampering,
      maxRetries: 0,
    });
    await expect(client.ping()).rejects.toBeInstanceOf(PaygridSignatureError);
  });

  it('decrypts card data the SDK encrypted to the JWKS key, and refuses other algorithms', async () => {
    const keys = t.app.get(PlatformKeysService);
    const card = { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' };
    const jwe = await m.client.encryptCard(card);
    expect(jwe.split('.')).toHaveLength(5);
    expect(jwe).not.toContain('4242');
    expect(await keys.decryptCardJwe(jwe)).toEqual(card);

    const encJwk = (await jwks()).keys.find((k) => k.use === 'enc')!;
    const { kid, use: _u, alg: _a, ...material } = encJwk;
    const plaintext = new TextEncoder().encode(JSON.stringify(card));
    const oaep1 = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A256GCM', kid })
      .encrypt(await importJWK(material, 'RSA-OAEP'));
    const a128 = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A128GCM', kid })
      .encrypt(await importJWK(material, 'RSA-OAEP-256'));
    const noKid = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .encrypt(await importJWK(material, 'RSA-OAEP-256'));
    const otherKey = await encryptCard(card, {
      keys: [{ ...encJwk, kid, kty: 'RSA', n: randomBytes(384).toString('base64url') }],
    }).catch(() => undefined);
    for (const bad of [oaep1, a128, noKid, 'not-a-jwe', `${jwe.slice(0, -4)}AAAA`, otherKey].filter(
      (x): x is string => typeof x === 'string',
    )) {
      await expect(keys.decryptCardJwe(bad)).rejects.toMatchObject({
        name: 'DomainError',
        status: 400,
        code: 'card_encryption_invalid',
      });
    }
  });

  it('signs webhooks (SDK helper) so that the standardwebhooks package verifies them, and not tampered ones', async () => {
    expect(m.webhookSecret).toMatch(/^whsec_/);
    const payload = JSON.stringify({
      id: 'evt_1',
      type: 'payment.succeeded',
      data: { object: { id: 'pay_1', amount: 100 } },
    });
    const headers = signWebhook(m.webhookSecret!, { id: 'evt_1', timestamp: new Date(), payload });
    expect(new Webhook(m.webhookSecret!).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
    expect(() => new Webhook(m.webhookSecret!).verify(payload.replace('100', '1000'), { ...headers })).toThrow();
    expect(() =>
      new Webhook(m.webhookSecret!).verify(payload, {
        ...headers,
        'webhook-signature': headers['webhook-signature'].replace(/.{4}$/, 'AAA='),
      }),
    ).toThrow();
  });

  it('documents the scheme in OpenAPI and, in sandbox, signs requests from Swagger UI', async () => {
    const doc = (await http('GET', `${t.baseUrl}/docs-json`)).body;
    expect(doc.components.securitySchemes['paygrid-signature']).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
    });
    const ping = doc.paths['/v1/ping'];
    expect(ping.get.security).toEqual([{ 'paygrid-signature': [] }]);
    expect(Object.keys(ping.get.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '429']));
    expect(ping.post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    );
    expect(doc.info.description).toContain('Paygrid-Signature');

    const page = await (await fetch(`${t.baseUrl}/docs`)).text();
    expect(page).toContain('window.paygridSignRequest');
    expect(await (await fetch(`${t.baseUrl}/docs/swagger-ui-init.js`)).text()).toContain('paygridSignRequest');

    // Run the page's script as the browser would, then send what it produced.
    const script = /<script>([\s\S]*?window\.paygridSignRequest[\s\S]*?)<\/script>/.exec(page)![1];
    const window: { location: { href: string }; paygridSignRequest?: (req: any) => Promise<any> } = {
      location: { href: `${t.baseUrl}/docs` },
    };
    new Function('window', 'crypto', 'TextEncoder', 'URL', 'btoa', 'console', script)(
      window,
      globalThis.crypto,
      TextEncoder,
      URL,
      btoa,
      console,
    );
    const body = '{"message":"from swagger"}';
    const req = await window.paygridSignRequest!({
      url: `${t.baseUrl}/v1/ping?via=swagger`,
      method: 'post',
      headers: { Authorization: `${m.appId}:${m.keyId}:${m.secret}`, 'Content-Type': 'application/json' },
      body,
    });
    expect(req.headers.Authorization).toMatch(/^PAYGRID-HMAC-SHA256 app_id=/);
    const headers = Object.fromEntries(
      Object.entries(req.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const res = await http('POST', req.url, { raw: req.body, headers });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('from swagger');
    const untouched = await window.paygridSignRequest!({
      url: `${t.baseUrl}/admin/v1/merchants`,
      method: 'get',
      headers: { Authorization: 'Bearer x' },
    });
    expect(untouched.headers.Authorization).toBe('Bearer x');
  });
});

describe('several replicas on one database (e2e)', () => {
  it('boot concurrently with one active key per use, share nonces and publish the same JWKS', async () => {
    const dataKeys = `r1:${randomBytes(32).toString('base64')}`;
    const db = await createTestDatabase();
    const [a, b] = await Promise.all([
      startTestApp({ PAYGRID_DATA_KEYS: dataKeys }, { db }),
      startTestApp({ PAYGRID_DATA_KEYS: dataKeys }, { db }),
    ]);
    try {
      const counts = await a.dataSource.query(
        `SELECT use, count(*)::int AS n FROM platform_keys WHERE status = 'active' GROUP BY use ORDER BY use`,
      );
      expect(counts).toEqual([
        { use: 'enc', n: 1 },
        { use: 'sig', n: 1 },
      ]);
      const [ja, jb] = await Promise.all([
        http('GET', `${a.baseUrl}/.well-known/jwks.json`),
        http('GET', `${b.baseUrl}/.well-known/jwks.json`),
      ]);
      expect(ja.body).toEqual(jb.body);

      const m = await onboardMerchant(a, { name: 'Replicated' });
      const authorization = signRequest(m, { method: 'GET', pathWithQuery: '/v1/ping' });
      expect((await http('GET', `${a.baseUrl}/v1/ping`, { headers: { authorization } })).status).toBe(200);
      expectErrorShape(await http('GET', `${b.baseUrl}/v1/ping`, { headers: { authorization } }), 401, 'nonce_reused');
      const viaB = new PaygridClient({ baseUrl: b.baseUrl, appId: m.appId, keyId: m.keyId, secret: m.secret });
      expect((await viaB.ping()).app_id).toBe(m.appId);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});
