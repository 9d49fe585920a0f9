import { decodeProtectedHeader } from 'jose';
import { PaygridClient, encryptCard } from '@paygrid/sdk';
import { newId } from '../../src/common/ids/ids.util';
import { expectErrorShape, http } from '../utils/http';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, card, count } from '../utils/payments-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

type Jwks = { keys: Array<{ kid: string; kty: string; use: string; alg: string; [k: string]: unknown }> };

/**
 * Issue 16, card-encryption key rotation: during a rotation the JWKS holds
 * two RSA-OAEP-256 keys and JWEs under either kid are accepted; once the old
 * key is retired, a JWE under its kid is refused with 400
 * `card_encryption_key_retired` and nothing is created.
 */
describe('card encryption key rotation (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let n = 0;
  const jwks = async () => (await http<Jwks>('GET', `${t.baseUrl}/.well-known/jwks.json`)).body;
  const encKids = async () => (await jwks()).keys.filter((k) => k.use === 'enc').map((k) => k.kid);
  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${t.baseUrl}/admin/v1/platform-keys${path}`, { token: TEST_ADMIN_TOKEN, body });
  const kidOf = (jwe: string) => decodeProtectedHeader(jwe).kid;
  const pay = (encrypted: string) => {
    const outTradeNo = `rot-${++n}-${Date.now()}`;
    return m.client
      .request<any>('POST', '/v1/payments', {
        body: {
          out_trade_no: outTradeNo,
          amount: 500,
          currency: 'CNY',
          subject: 'Tea',
          channel: 'card',
          card: { encrypted },
        },
      })
      .then((res) => ({ ...res, outTradeNo }));
  };

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t);
  });
  afterAll(() => t?.close());

  it('accepts both kids during a rotation and refuses the old one, clearly, once it is retired', async () => {
    const before = await jwks();
    const [oldKid] = await encKids();
    const sigBefore = before.keys.filter((k) => k.use === 'sig').map((k) => k.kid);
    const jweOld = await encryptCard(card('4242424242424242'), before);
    expect(kidOf(jweOld)).toBe(oldKid);

    const rotated = await admin('POST', '/rotate', { use: 'enc', grace_seconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ use: 'enc', retired: oldKid, active: expect.stringMatching(/^pk_/) });
    const newKid = rotated.body.active as string;

    // Two RSA-OAEP keys, the new one first (the SDK encrypts to the first); the signing keys untouched.
    const during = await jwks();
    expect(await encKids()).toEqual([newKid, oldKid]);
    expect(during.keys.filter((k) => k.use === 'enc').every((k) => k.alg === 'RSA-OAEP-256' && k.kty === 'RSA')).toBe(
      true,
    );
    expect(during.keys.filter((k) => k.use === 'sig').map((k) => k.kid)).toEqual(sigBefore);
    const jweNew = await m.client.encryptCard(card('4242424242424242'));
    expect(kidOf(jweNew)).toBe(newKid);

    const underOld = await pay(jweOld);
    expect(underOld.status).toBe(201);
    expect(underOld.body.status).toBe('succeeded');
    const underNew = await pay(jweNew);
    expect(underNew.status).toBe(201);
    expect(underNew.body.status).toBe('succeeded');

    const retired = await admin('POST', `/${oldKid}/retire`);
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ id: oldKid, use: 'enc', status: 'retired' });
    expect(Date.parse(retired.body.retire_after)).toBeLessThanOrEqual(Date.now());
    expect(await encKids()).toEqual([newKid]);

    const tokensBefore = await count(t.dataSource, 'SELECT 1 FROM card_tokens');
    const late = await pay(await encryptCard(card('4242424242424242'), before));
    expectErrorShape(late, 400, 'card_encryption_key_retired');
    expect(late.body.error).toMatchObject({ param: 'card.encrypted', kid: oldKid });
    expect(late.body.error.message).toContain('/.well-known/jwks.json');
    expect(late.text).not.toContain('4242');
    expect(await count(t.dataSource, 'SELECT 1 FROM payments WHERE out_trade_no = $1', [late.outTradeNo])).toBe(0);
    expect(await count(t.dataSource, 'SELECT 1 FROM card_tokens')).toBe(tokensBefore);

    // The current key still works; a kid nobody issued is the generic refusal.
    expect((await pay(await m.client.encryptCard(card('4242424242424242')))).status).toBe(201);
    const stranger = await pay(
      await encryptCard(card('4242424242424242'), {
        keys: during.keys.filter((k) => k.kid === newKid).map((k) => ({ ...k, kid: newId('pk') })),
      }),
    );
    expectErrorShape(stranger, 400, 'card_encryption_invalid');
  });

  it('refuses to retire the active key (409), answers 404 for an unknown one, and audits a retirement once', async () => {
    const [active] = await encKids();
    const res = await admin('POST', `/${active}/retire`);
    expectErrorShape(res, 409, 'platform_key_active');
    expect(await encKids()).toEqual([active]);
    expectErrorShape(await admin('POST', `/${newId('pk')}/retire`), 404, 'resource_missing');
    expectErrorShape(await admin('POST', '/pay_123/retire'), 404, 'resource_missing');

    const rotated = await admin('POST', '/rotate', { use: 'enc', grace_seconds: 600 });
    const first = await admin('POST', `/${rotated.body.retired}/retire`);
    const again = await admin('POST', `/${rotated.body.retired}/retire`);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body.retire_after).toBe(first.body.retire_after);
    const audit = await http('GET', `${t.baseUrl}/admin/v1/audit-log?target_id=${rotated.body.retired}`, {
      token: TEST_ADMIN_TOKEN,
    });
    expect(audit.body.data.filter((e: { action: string }) => e.action === 'platform_key.retire')).toHaveLength(1);
    const [{ n: activeEnc }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM platform_keys WHERE use = 'enc' AND status = 'active'`,
    );
    expect(activeEnc).toBe(1);
  });

  it('the SDK reads the JWKS again after a retired-key answer, so its next encryption uses the new key', async () => {
    const client = new PaygridClient({
      baseUrl: t.baseUrl,
      appId: m.appId,
      keyId: m.keyId,
      secret: m.secret,
      maxRetries: 0,
    });
    const [oldKid] = await encKids();
    expect(kidOf(await client.encryptCard(card('4242424242424242')))).toBe(oldKid); // cached from now on
    const rotated = await admin('POST', '/rotate', { use: 'enc', grace_seconds: 0 });
    const stale = await client.encryptCard(card('4242424242424242'));
    expect(kidOf(stale)).toBe(oldKid);
    const refused = await client.request<any>('POST', '/v1/payments', {
      body: {
        out_trade_no: `rot-sdk-${Date.now()}`,
        amount: 500,
        currency: 'CNY',
        subject: 'Tea',
        channel: 'card',
        card: { encrypted: stale },
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('card_encryption_key_retired');
    const fresh = await client.encryptCard(card('4242424242424242'));
    expect(kidOf(fresh)).toBe(rotated.body.active);
    const ok = await client.request<any>('POST', '/v1/payments', {
      body: {
        out_trade_no: `rot-sdk2-${Date.now()}`,
        amount: 500,
        currency: 'CNY',
        subject: 'Tea',
        channel: 'card',
        card: { encrypted: fresh },
      },
    });
    expect(ok.status).toBe(201);
  });
});
