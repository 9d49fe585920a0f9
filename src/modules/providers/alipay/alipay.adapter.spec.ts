import { AlipaySdk } from 'alipay-sdk';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createSign } from 'node:crypto';
import { AlipayAdapter } from './alipay.adapter';
import { alipaySignContent } from './alipay-signature.util';
import { callbackMismatches } from '../provider-outcome.util';
import { Harness, startHarness } from '../../sandbox/testing/sandbox-harness.util';

const rsa2 = (content: string, key: string) => createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');

let h: Harness;
let fake: Server;
let fakeBody = '';
let fakeUrl = '';

beforeAll(async () => {
  h = await startHarness();
  fake = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(fakeBody));
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/gateway.do`;
});
afterAll(async () => {
  await h.close();
  fake.closeAllConnections();
  await new Promise((r) => fake.close(r));
});

/** A notification as Alipay signs it: V1 content (no sign, no sign_type), Alipay private key. */
function notification(over: Record<string, string> = {}, key = h.keys.alipay.alipayPrivateKeyPem): Buffer {
  const params: Record<string, string> = {
    notify_time: '2026-01-01 10:00:01',
    notify_type: 'trade_status_sync',
    notify_id: 'nid-1',
    app_id: h.keys.alipay.appId,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: '2026010122001',
    out_trade_no: 'pay_1',
    seller_id: h.keys.alipay.sellerId,
    trade_status: 'TRADE_SUCCESS',
    total_amount: '88.08',
    subject: '测试 & co',
    ...over,
  };
  params.sign = rsa2(alipaySignContent(params, ['sign', 'sign_type']), key);
  return Buffer.from(new URLSearchParams(params).toString());
}

describe('AlipayAdapter interop', () => {
  it('the official SDK, as a merchant client, is served by our simulator (its requests verify, our responses verify)', async () => {
    const sdk = new AlipaySdk({
      appId: h.keys.alipay.appId,
      privateKey: h.keys.alipay.appPrivateKeyPem,
      keyType: 'PKCS8',
      alipayPublicKey: h.keys.alipay.alipayPublicKeyPem,
      gateway: `${h.baseUrl}/sandbox/alipay/gateway.do`,
    });
    const res = await sdk.exec(
      'alipay.trade.precreate',
      {
        notifyUrl: 'http://127.0.0.1/n',
        bizContent: { outTradeNo: 'sdk_order_1', totalAmount: '0.01', subject: '测试' },
      },
      { validateSign: true },
    );
    expect(res.code).toBe('10000');
    expect(res.qrCode).toContain('/sandbox/alipay/qr/');
    // A tampered request (wrong key) is refused by the simulator with a signed 40002.
    const rogue = new AlipaySdk({
      appId: h.keys.alipay.appId,
      privateKey: h.keys.wechatpay.merchantPrivateKeyPem,
      keyType: 'PKCS8',
      alipayPublicKey: h.keys.alipay.alipayPublicKeyPem,
      gateway: `${h.baseUrl}/sandbox/alipay/gateway.do`,
    });
    const refused = await rogue.exec(
      'alipay.trade.query',
      { bizContent: { outTradeNo: 'sdk_order_1' } },
      { validateSign: true },
    );
    expect(refused).toMatchObject({ code: '40002', subCode: 'isv.invalid-signature' });
  });

  it('accepts a correctly signed notification and exposes exact amount and merchant', async () => {
    const r = await h.alipay.parseCallback({ headers: {}, rawBody: notification() });
    expect(r).toMatchObject({
      ok: true,
      callback: {
        kind: 'payment',
        providerOrderId: 'pay_1',
        status: 'succeeded',
        amount: 8808n,
        providerMerchantId: h.keys.alipay.appId,
        notificationId: 'nid-1',
      },
    });
  });

  it('refuses a tampered signature, a tampered field, an unknown field, and a signature by another key', async () => {
    const good = notification().toString();
    const tamperedSign = good.replace(/sign=([A-Za-z0-9%])/, (_m, c) => `sign=${c === 'A' ? 'B' : 'A'}`);
    expect(await h.alipay.parseCallback({ headers: {}, rawBody: Buffer.from(tamperedSign) })).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(
      await h.alipay.parseCallback({
        headers: {},
        rawBody: Buffer.from(good.replace('total_amount=88.08', 'total_amount=0.01')),
      }),
    ).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(await h.alipay.parseCallback({ headers: {}, rawBody: Buffer.from(`${good}&refund_fee=88.08`) })).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(
      await h.alipay.parseCallback({ headers: {}, rawBody: notification({}, h.keys.alipay.appPrivateKeyPem) }),
    ).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  it("refuses a validly signed notification for another merchant's app_id or seller_id", async () => {
    expect(
      await h.alipay.parseCallback({ headers: {}, rawBody: notification({ app_id: '2021999999999999' }) }),
    ).toEqual({ ok: false, reason: 'merchant_mismatch' });
    expect(
      await h.alipay.parseCallback({ headers: {}, rawBody: notification({ seller_id: '2088000000009999' }) }),
    ).toEqual({ ok: false, reason: 'merchant_mismatch' });
  });

  it('a validly signed notification with a wrong amount is flagged by callbackMismatches', async () => {
    const r = await h.alipay.parseCallback({ headers: {}, rawBody: notification({ total_amount: '0.01' }) });
    if (!r.ok) throw new Error('expected ok');
    expect(callbackMismatches(r.callback, { providerOrderId: 'pay_1', amount: 8808n, currency: 'CNY' })).toEqual([
      'amount',
    ]);
    expect(callbackMismatches(r.callback, { providerOrderId: 'pay_1', amount: 1n, currency: 'CNY' })).toEqual([]);
  });

  it('treats an unsigned or wrongly signed 2xx gateway answer as unknown, never success', async () => {
    const adapter = new AlipayAdapter({
      gatewayUrl: fakeUrl,
      appId: h.keys.alipay.appId,
      appPrivateKeyPem: h.keys.alipay.appPrivateKeyPem,
      alipayPublicKeyPem: h.keys.alipay.alipayPublicKeyPem,
      http: { maxRetries: 0, timeoutMs: 500 },
    });
    const node =
      '{"code":"10000","msg":"Success","trade_status":"TRADE_SUCCESS","out_trade_no":"pay_1","total_amount":"88.08"}';
    fakeBody = `{"alipay_trade_query_response":${node}}`;
    expect(await adapter.query('alipay_qr', 'pay_1')).toMatchObject({
      status: 'unknown',
      providerCode: 'response_signature_invalid',
    });
    fakeBody = `{"alipay_trade_query_response":${node},"sign":"${rsa2(node, h.keys.alipay.appPrivateKeyPem)}"}`;
    expect((await adapter.query('alipay_qr', 'pay_1')).status).toBe('unknown');
    fakeBody = `{"alipay_trade_query_response":${node},"sign":"${rsa2(node, h.keys.alipay.alipayPrivateKeyPem)}"}`;
    expect(await adapter.query('alipay_qr', 'pay_1')).toMatchObject({ status: 'succeeded', amount: 8808n });
    adapter.shutdown();
  });

  it('answers notifications with the exact 7-byte "success"', () => {
    expect(h.alipay.callbackAnswer(true)).toEqual({ status: 200, contentType: 'text/plain', body: 'success' });
    expect(h.alipay.callbackAnswer(false).body).not.toBe('success');
  });
});
