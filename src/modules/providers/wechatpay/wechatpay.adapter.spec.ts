import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import { Harness, startHarness } from '../../sandbox/testing/sandbox-harness.util';
import { callbackMismatches } from '../provider-outcome.util';

const AesGcm = (Aes as unknown as { AesGcm: { encrypt(p: string, k: string, n: string, a: string): string } }).AesGcm;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** A callback built entirely with the plugin's primitives, as WeChat Pay would send it. */
function callback(
  resource: Record<string, unknown>,
  opts: { ts?: number; key?: string; serial?: string; eventType?: string } = {},
) {
  const k = h.keys.wechatpay;
  const nonce = 'a1b2c3d4e5f6';
  const body = JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '2015-05-20T13:29:35+08:00',
    resource_type: 'encrypt-resource',
    event_type: opts.eventType ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: AesGcm.encrypt(JSON.stringify(resource), k.apiV3Key, nonce, 'transaction'),
      associated_data: 'transaction',
      nonce,
    },
  });
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  const headers = {
    'wechatpay-timestamp': String(ts),
    'wechatpay-nonce': 'cbnonce',
    'wechatpay-signature': Rsa.sign(Formatter.response(ts, 'cbnonce', body), opts.key ?? k.platformPrivateKeyPem),
    'wechatpay-serial': opts.serial ?? k.platformPublicKeyId,
  };
  return { headers, rawBody: Buffer.from(body) };
}

const transaction = (over: Record<string, unknown> = {}) => ({
  appid: h.keys.wechatpay.appid,
  mchid: h.keys.wechatpay.mchid,
  out_trade_no: 'pay_w1',
  transaction_id: '4200000001',
  trade_type: 'NATIVE',
  trade_state: 'SUCCESS',
  success_time: '2026-01-01T10:00:00+08:00',
  payer: { openid: 'o1' },
  amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
  ...over,
});

describe('WechatPayAdapter interop', () => {
  it('the plugin client, as a merchant, is served by our simulator (its Authorization verifies, our Wechatpay-* signatures verify)', async () => {
    const k = h.keys.wechatpay;
    const wx = new Wechatpay({
      mchid: k.mchid,
      serial: k.merchantSerialNo,
      privateKey: k.merchantPrivateKeyPem,
      certs: { [k.platformPublicKeyId]: k.platformPublicKeyPem },
      baseURL: `${h.baseUrl}/sandbox/wechatpay/`,
      headers: { 'Wechatpay-Serial': k.platformPublicKeyId },
    } as never);
    const client = wx as unknown as { v3: any };
    const res = await client.v3.pay.transactions.native.post({
      appid: k.appid,
      mchid: k.mchid,
      description: 'plugin',
      out_trade_no: 'plugin_order_1',
      notify_url: 'http://127.0.0.1/n',
      amount: { total: 1, currency: 'CNY' },
    });
    expect(res.data.code_url).toContain('/sandbox/wechatpay/pay/');
    const q = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({
      out_trade_no: 'plugin_order_1',
      params: { mchid: k.mchid },
    });
    expect(q.data.trade_state).toBe('NOTPAY');
  });

  it('verifies then decrypts a plugin-built callback; exposes exact amount and mchid', async () => {
    const r = await h.wechat.parseCallback(callback(transaction()));
    expect(r).toMatchObject({
      ok: true,
      callback: {
        kind: 'payment',
        providerOrderId: 'pay_w1',
        status: 'succeeded',
        amount: 100n,
        currency: 'CNY',
        providerMerchantId: h.keys.wechatpay.mchid,
        notificationId: 'EV-2018022511223320873',
      },
    });
  });

  it('refuses tampering (body, signature, key, serial) before decrypting, and stale timestamps', async () => {
    const good = callback(transaction());
    const body = good.rawBody.toString().replace('支付成功', '支付失败');
    expect(await h.wechat.parseCallback({ headers: good.headers, rawBody: Buffer.from(body) })).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(
      await h.wechat.parseCallback({
        headers: { ...good.headers, 'wechatpay-signature': 'A' + good.headers['wechatpay-signature'].slice(1) },
        rawBody: good.rawBody,
      }),
    ).toMatchObject({ ok: false });
    expect(
      await h.wechat.parseCallback(callback(transaction(), { key: h.keys.wechatpay.merchantPrivateKeyPem })),
    ).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(await h.wechat.parseCallback(callback(transaction(), { serial: 'PUB_KEY_ID_unknown' }))).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(await h.wechat.parseCallback(callback(transaction(), { ts: Math.floor(Date.now() / 1000) - 301 }))).toEqual({
      ok: false,
      reason: 'timestamp_out_of_window',
    });
    const { 'wechatpay-signature': _drop, ...unsigned } = good.headers;
    expect(await h.wechat.parseCallback({ headers: unsigned, rawBody: good.rawBody })).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
  });

  it("refuses another merchant's mchid or appid, and flags a wrong amount", async () => {
    expect(await h.wechat.parseCallback(callback(transaction({ mchid: '1900000999' })))).toEqual({
      ok: false,
      reason: 'merchant_mismatch',
    });
    expect(await h.wechat.parseCallback(callback(transaction({ appid: 'wx_other' })))).toEqual({
      ok: false,
      reason: 'merchant_mismatch',
    });
    const r = await h.wechat.parseCallback(callback(transaction({ amount: { total: 1, currency: 'CNY' } })));
    if (!r.ok) throw new Error('expected ok');
    expect(callbackMismatches(r.callback, { providerOrderId: 'pay_w1', amount: 100n, currency: 'CNY' })).toEqual([
      'amount',
    ]);
  });

  it('parses refund callbacks', async () => {
    const r = await h.wechat.parseCallback(
      callback(
        {
          mchid: h.keys.wechatpay.mchid,
          out_trade_no: 'pay_w1',
          transaction_id: '42',
          out_refund_no: 're_1',
          refund_id: '50',
          refund_status: 'SUCCESS',
          amount: { total: 100, refund: 40, payer_total: 100, payer_refund: 40 },
        },
        { eventType: 'REFUND.SUCCESS' },
      ),
    );
    expect(r).toMatchObject({
      ok: true,
      callback: { kind: 'refund', providerRefundId: 're_1', status: 'succeeded', amount: 40n, currency: 'CNY' },
    });
  });

  it('answers 204 on success and 5xx FAIL otherwise', () => {
    expect(h.wechat.callbackAnswer(true).status).toBe(204);
    expect(h.wechat.callbackAnswer(false)).toMatchObject({ status: 500, body: '{"code":"FAIL","message":"失败"}' });
  });
});
