import { connect } from 'node:net';
import { http } from '../utils/http';
import { sendRaw } from '../utils/raw-http';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, count, pay, waitForStatus } from '../utils/payments-kit';

/**
 * Issue 16, defects 2-6: input that PostgreSQL or class-transformer cannot
 * take (NUL, control characters, lone surrogates, deep nesting, explicit
 * null, empty URL) is a clear 4xx that changes nothing, never a 500.
 */
describe('hardening: input no field can hold is refused, never a 500 (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let paidId: string;
  const admin = (method: string, path: string, body?: unknown, raw?: string) =>
    http(method, `${t.baseUrl}${path}`, { body, raw, token: TEST_ADMIN_TOKEN });
  const valid = { out_trade_no: 'h-1', amount: 100, currency: 'CNY', channel: 'alipay_qr' as const, subject: 'x' };

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t, { channels: ['alipay_qr'] });
    const p = await m.client.createPayment({ ...valid, out_trade_no: 'paid-1' });
    await pay(t.baseUrl, p);
    paidId = (await waitForStatus(m.client, p.id, 'succeeded')).id;
  });
  afterAll(() => t.close());

  const snapshot = async () => ({
    payments: await count(t.dataSource, 'SELECT 1 FROM payments'),
    refunds: await count(t.dataSource, 'SELECT 1 FROM refunds'),
    merchants: await count(t.dataSource, 'SELECT 1 FROM merchants'),
    apps: await count(t.dataSource, 'SELECT 1 FROM apps'),
    audit: await count(t.dataSource, 'SELECT 1 FROM audit_log'),
    events: await count(t.dataSource, 'SELECT 1 FROM events'),
  });

  describe('NUL and control characters', () => {
    it.each([
      '/v1/payments/pay_%00x',
      '/v1/payments/%00',
      '/v1/payments/pay_01jb8y3k2m9x7q4w5e6r7t8y9%01',
      '/v1/refunds/re_%00',
      '/v1/payments/not-an-id',
    ])('answers 404 for merchant id %s that cannot exist', async (path) => {
      const res = await m.client.request<any>('GET', path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('resource_missing');
    });

    it.each([
      '/admin/v1/ledger/accounts/%00/statement',
      '/admin/v1/merchants/%00',
      '/admin/v1/apps/app_%00',
      '/admin/v1/payments/pay_x%ED%A0%80',
      '/admin/v1/webhook-deliveries/whd_%E0%A4%A',
    ])('answers 404 for admin id %s that cannot exist', async (path) => {
      const res = await admin('GET', path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('resource_missing');
    });

    it('answers 400 parameter_invalid for a NUL in a query parameter', async () => {
      const res = await admin('GET', '/admin/v1/audit-log?actor=%00');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'actor' });
      const merchantSide = await m.client.request<any>('GET', '/v1/payments?out_trade_no=a%00b');
      expect(merchantSide.status).toBe(400);
      expect(merchantSide.body.error).toMatchObject({ code: 'parameter_invalid', param: 'out_trade_no' });
    });

    it.each([
      ['a\u0000b', 'NUL'],
      ['a\u0007b', 'BEL'],
      ['a\u001bb', 'ESC'],
      ['a\u007fb', 'DEL'],
    ])('refuses a payment subject with %j (%s), creating nothing', async (subject) => {
      const before = await snapshot();
      const res = await m.client.request<any>('POST', '/v1/payments', { body: { ...valid, subject } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'subject' });
      expect(await snapshot()).toEqual(before);
    });

    it('refuses control characters in nested fields and in object keys', async () => {
      const nested = await m.client.request<any>('POST', '/v1/payments', {
        body: { ...valid, metadata: { order: 'x\u0000' } },
      });
      expect(nested.status).toBe(400);
      expect(nested.body.error).toMatchObject({ code: 'parameter_invalid', param: 'metadata[order]' });
      const key = await m.client.request<any>('POST', '/v1/payments', {
        body: { ...valid, metadata: { 'or\u0000der': 'x' } },
      });
      expect(key.status).toBe(400);
      expect(key.body.error.code).toBe('parameter_invalid');
    });

    it('keeps tab and newline, which are ordinary text', async () => {
      const res = await m.client.request<any>('POST', '/v1/payments', {
        body: { ...valid, out_trade_no: 'h-tab', subject: 'line 1\n\tline 2' },
      });
      expect(res.status).toBe(201);
      expect(res.body.subject).toBe('line 1\n\tline 2');
    });

    it.each([
      ['POST', '/admin/v1/merchants', { name: 'a\u0000b' }, 'name'],
      ['POST', '/admin/v1/tokens', { name: 'a\u0000b', role: 'viewer' }, 'name'],
    ])('refuses %s %s with a NUL in a field', async (method, path, body, param) => {
      const before = await snapshot();
      const res = await admin(method, path, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param });
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('lone surrogates are refused the same way everywhere', () => {
    it.each([
      ['POST', '/admin/v1/merchants', '{"name":"\\ud800"}'],
      ['POST', '/admin/v1/tokens', '{"name":"\\udc00x","role":"viewer"}'],
      ['PATCH', '/admin/v1/merchants/{mch}', '{"name":"x\\ud800"}'],
      ['POST', '/admin/v1/merchants/{mch}/apps', '{"name":"\\ud800","channels":["alipay_qr"]}'],
    ])('%s %s answers 400, writes no audit row', async (method, path, raw) => {
      const before = await snapshot();
      const res = await admin(method, path.replace('{mch}', m.merchantId), undefined, raw);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('parameter_invalid');
      expect(await snapshot()).toEqual(before);
    });

    it('answers 400 for a lone surrogate in a payment subject too, and accepts a proper pair', async () => {
      const before = await snapshot();
      const lone = await m.client.request<any>('POST', '/v1/payments', {
        rawBody: JSON.stringify({ ...valid, out_trade_no: 'h-sur' }).replace('"x"', '"\\ud800"'),
      });
      expect(lone.status).toBe(400);
      expect(lone.body.error).toMatchObject({ code: 'parameter_invalid', param: 'subject' });
      expect(await snapshot()).toEqual(before);
      const pair = await m.client.request<any>('POST', '/v1/payments', {
        body: { ...valid, out_trade_no: 'h-pair', subject: 'coffee \ud83d\ude00' },
      });
      expect(pair.status).toBe(201);
      expect(pair.body.subject).toBe('coffee \ud83d\ude00');
    });

    it('an admin write with an emoji reaches the audit log intact', async () => {
      const res = await admin('PATCH', `/admin/v1/merchants/${m.merchantId}`, { name: 'Caf\u00e9 \ud83d\ude00' });
      expect(res.status).toBe(200);
      const [row] = await t.dataSource.query(
        `SELECT after->>'name' AS name FROM audit_log WHERE target_id = $1 ORDER BY created_at DESC LIMIT 1`,
        [m.merchantId],
      );
      expect(row.name).toBe('Caf\u00e9 \ud83d\ude00');
    });
  });

  describe('deep JSON', () => {
    const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

    it.each([
      [
        'a 5,000-deep array in metadata',
        `{"out_trade_no":"d","amount":1,"currency":"CNY","channel":"alipay_qr","subject":"x","metadata":${deepArray(5000)}}`,
      ],
      ['a 3,000-deep object', deepObject(3000)],
      ['a 33-deep array', deepArray(33)],
    ])('refuses %s with 400 body_too_deep on POST /v1/payments', async (_, raw) => {
      const before = await snapshot();
      const res = await m.client.request<any>('POST', '/v1/payments', { rawBody: raw });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('body_too_deep');
      expect(await snapshot()).toEqual(before);
    });

    it('refuses it on admin and refund routes too', async () => {
      for (const path of ['/admin/v1/merchants', `/admin/v1/payments/${paidId}/refunds`, '/admin/v1/tokens']) {
        const res = await admin('POST', path, undefined, deepObject(3000));
        expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({
          path,
          status: 400,
          code: 'body_too_deep',
        });
      }
      const refund = await m.client.request<any>('POST', '/v1/refunds', { rawBody: deepArray(5000) });
      expect(refund.status).toBe(400);
      expect(refund.body.error.code).toBe('body_too_deep');
    });

    it('lets 32 levels through to validation (which names the field)', async () => {
      const res = await m.client.request<any>('POST', '/v1/payments', {
        rawBody: JSON.stringify({ ...valid, metadata: JSON.parse(deepArray(31)) }),
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'metadata' });
    });
  });

  describe('explicit null', () => {
    it.each(['name', 'fee_bps', 'timezone', 'settlement_currency', 'settlement_delay_days'])(
      'PATCH merchant {"%s": null} answers 400 and changes nothing',
      async (field) => {
        const before = await admin('GET', `/admin/v1/merchants/${m.merchantId}`);
        const res = await admin('PATCH', `/admin/v1/merchants/${m.merchantId}`, { [field]: null });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: field });
        expect((await admin('GET', `/admin/v1/merchants/${m.merchantId}`)).body).toEqual(before.body);
      },
    );

    it('PATCH app {"channels": null} answers 400; {"webhook_url": null} is documented and allowed', async () => {
      const res = await admin('PATCH', `/admin/v1/apps/${m.appId}`, { channels: null });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'channels' });
      const cleared = await admin('PATCH', `/admin/v1/apps/${m.appId}`, { webhook_url: null });
      expect(cleared.status).toBe(200);
      expect(cleared.body.webhook_url).toBeNull();
    });

    it('refunds with "amount": null answer 400 on the merchant and admin routes, refunding nothing', async () => {
      const merchant = await m.client.request<any>('POST', '/v1/refunds', {
        body: { payment_id: paidId, out_refund_no: 'r-null', amount: null },
      });
      expect(merchant.status).toBe(400);
      expect(merchant.body.error).toMatchObject({ code: 'parameter_invalid', param: 'amount' });
      const adminSide = await admin('POST', `/admin/v1/payments/${paidId}/refunds`, {
        out_refund_no: 'r-null-2',
        amount: null,
      });
      expect(adminSide.status).toBe(400);
      expect(adminSide.body.error).toMatchObject({ code: 'parameter_invalid', param: 'amount' });
      expect(await count(t.dataSource, 'SELECT 1 FROM refunds')).toBe(0);
    });

    it('a null inside a nested object is refused too', async () => {
      const res = await m.client.request<any>('POST', '/v1/payments', { body: { ...valid, card: { token: null } } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('parameter_invalid');
    });

    it('the OpenAPI document states the rule and marks webhook_url nullable', async () => {
      const doc = (await http('GET', `${t.baseUrl}/docs-json`)).body;
      expect(doc.info.description).toMatch(/null/i);
      // OpenAPI 3.1: a nullable field lists "null" among its types.
      const nullable = (p: { type?: unknown; nullable?: boolean }) =>
        p.nullable === true || (Array.isArray(p.type) && p.type.includes('null'));
      expect(nullable(doc.components.schemas.UpdateAppDto.properties.webhook_url)).toBe(true);
      expect(nullable(doc.components.schemas.UpdateMerchantDto.properties.name)).toBe(false);
    });
  });

  it('PATCH app {"webhook_url": ""} answers 400 and keeps the stored URL', async () => {
    await admin('PATCH', `/admin/v1/apps/${m.appId}`, { webhook_url: 'http://127.0.0.1:9/hooks' });
    const res = await admin('PATCH', `/admin/v1/apps/${m.appId}`, { webhook_url: '' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'webhook_url' });
    expect((await admin('GET', `/admin/v1/apps/${m.appId}`)).body.webhook_url).toBe('http://127.0.0.1:9/hooks');
  });

  describe("what Node's HTTP parser refuses (found by the chaos fuzzer)", () => {
    it('answers a header over the 16 kB limit with 431 in the error shape, not a bare status line', async () => {
      const res = await sendRaw(t.baseUrl, {
        method: 'POST',
        pathWithQuery: '/admin/v1/merchants',
        headers: [
          ['authorization', `Bearer ${TEST_ADMIN_TOKEN}`],
          ['content-type', 'application/json'],
          ['x-pad', 'p'.repeat(20_000)],
        ],
        body: Buffer.from(JSON.stringify({ name: 'never stored' })),
      });
      expect(res.status).toBe(431);
      expect(res.json.error).toMatchObject({ type: 'invalid_request_error', code: 'headers_too_large' });
      expect(res.headers['request-id']).toBe(res.json.error.request_id);
      expect(await count(t.dataSource, `SELECT 1 FROM merchants WHERE name = 'never stored'`)).toBe(0);
    });

    it('answers a broken request line with 400 request_malformed', async () => {
      const { port } = new URL(t.baseUrl);
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write('GET /v1/ping HTTP/1.1\r\nHost x\r\n\r\n'),
        );
        let out = '';
        socket.on('data', (c) => (out += c.toString()));
        socket.on('end', () => resolve(out));
        socket.on('error', reject);
      });
      expect(text).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).toBe('request_malformed');
    });
  });
});
