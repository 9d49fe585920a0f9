import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { WechatPaySimulator } from '../../src/modules/sandbox/wechatpay/wechatpay.simulator';
import { TestApp, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, card, count } from '../utils/payments-kit';

describe('payments: bad input changes nothing (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  const valid = { out_trade_no: 'in-1', amount: 100, currency: 'CNY', channel: 'alipay_qr', subject: 'x' };

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t, { channels: ['alipay_qr', 'wechat_native', 'wechat_jsapi', 'card'] });
  });
  afterAll(() => t.close());

  async function expectRefused(raw: string, status: number, code: string | RegExp, param?: string): Promise<void> {
    const res = await m.client.request<any>('POST', '/v1/payments', { rawBody: raw, idempotencyKey: false });
    expect({ raw, status: res.status }).toEqual({ raw, status });
    const err = (res.body as any).error;
    expect(err).toEqual(
      expect.objectContaining({
        type: expect.any(String),
        message: expect.any(String),
        request_id: expect.stringMatching(/^req_/),
      }),
    );
    expect(err.code).toMatch(code);
    if (param) expect(err.param).toBe(param);
    expect(await count(t.dataSource, 'SELECT 1 FROM payments')).toBe(0);
    expect(await count(t.dataSource, 'SELECT 1 FROM events')).toBe(0);
  }

  const body = (overrides: Record<string, unknown>) => JSON.stringify({ ...valid, ...overrides });
  const withAmountLiteral = (literal: string) =>
    `{"out_trade_no":"in-1","amount":${literal},"currency":"CNY","channel":"alipay_qr","subject":"x"}`;

  it.each([
    ['0', 'amount'],
    ['-1', 'amount'],
    ['10.5', 'amount'],
    ['1e3', 'amount'],
    ['1.0', 'amount'],
    ['9007199254740993', 'amount'],
    ['"100"', 'amount'],
  ])('refuses amount %s', async (literal, param) => {
    await expectRefused(withAmountLiteral(literal), 400, /amount_invalid|parameter_invalid/, param);
  });

  it('refuses an unknown currency, a lower-case one and a currency the channel does not take', async () => {
    await expectRefused(body({ currency: 'XYZ' }), 400, 'parameter_invalid', 'currency');
    await expectRefused(body({ currency: 'cny' }), 400, 'parameter_invalid', 'currency');
    await expectRefused(body({ channel: 'wechat_native', currency: 'USD' }), 400, 'currency_not_supported', 'currency');
  });

  it('refuses extra fields (mass assignment), including nested ones', async () => {
    await expectRefused(body({ status: 'succeeded' }), 400, 'parameter_unknown', 'status');
    await expectRefused(body({ merchant_id: 'mch_x' }), 400, 'parameter_unknown', 'merchant_id');
    await expectRefused(
      body({ channel: 'wechat_jsapi', payer: { openid: 'o', admin: true } }),
      400,
      'parameter_unknown',
    );
  });

  it('refuses a huge subject, a 1 MB body, a channel the app lacks and missing channel data', async () => {
    await expectRefused(body({ subject: 's'.repeat(129) }), 400, 'parameter_invalid', 'subject');
    await expectRefused(body({ subject: 's'.repeat(1024 * 1024) }), 413, 'body_too_large');
    await expectRefused(body({ channel: 'alipay_page' }), 403, 'channel_not_enabled', 'channel');
    await expectRefused(body({ channel: 'wechat_jsapi' }), 400, 'payer_required');
    await expectRefused(body({ channel: 'card' }), 400, 'card_required');
    await expectRefused(body({ card: { token: 'tok_01m8aaaaaaaaaaaaaaaaaaaaaa' } }), 400, 'card_not_allowed');
    await expectRefused(body({ capture_method: 'manual' }), 400, 'capture_method_not_allowed');
    await expectRefused(body({ out_trade_no: 'has space' }), 400, 'parameter_invalid', 'out_trade_no');
    await expectRefused(body({ expires_in: 5 }), 400, 'parameter_invalid', 'expires_in');
    await expectRefused('{"amount": 1', 400, 'body_malformed');
  });

  it('refuses card data it cannot decrypt or that is not a valid card, storing no card', async () => {
    await expectRefused(
      body({ channel: 'card', card: { encrypted: 'not.a.jwe.at.all' } }),
      400,
      'card_encryption_invalid',
    );
    const badLuhn = await m.client.encryptCard(card('4242424242424241'));
    await expectRefused(body({ channel: 'card', card: { encrypted: badLuhn } }), 400, 'card_invalid');
    const expired = await m.client.encryptCard({ ...card('4242424242424242'), exp_year: 2020 });
    await expectRefused(body({ channel: 'card', card: { encrypted: expired } }), 400, 'card_expired');
    await expectRefused(
      body({ channel: 'card', card: { token: 'tok_01m8aaaaaaaaaaaaaaaaaaaaaa' } }),
      404,
      'resource_missing',
    );
    expect(await count(t.dataSource, 'SELECT 1 FROM card_tokens')).toBe(0);
  });

  it("refuses what the provider's own field limits would refuse, before any row or provider call", async () => {
    const alipay = t.app.get(AlipaySimulator);
    const wechat = t.app.get(WechatPaySimulator);
    const [tradesBefore, ordersBefore] = [alipay.trades.values().length, wechat.orders.values().length];
    for (const subject of ['a/b', 'x=1', 'tea & cake'])
      await expectRefused(body({ subject }), 400, 'parameter_invalid', 'subject');
    await expectRefused(body({ amount: 10_000_000_001 }), 400, 'parameter_invalid', 'amount');
    await expectRefused(body({ description: 'd'.repeat(129) }), 400, 'parameter_invalid', 'description');
    // 128 characters pass Paygrid's own limit but not WeChat's description string(127).
    await expectRefused(
      body({ channel: 'wechat_native', subject: '茶'.repeat(128) }),
      400,
      'parameter_invalid',
      'subject',
    );
    expect([alipay.trades.values().length, wechat.orders.values().length]).toEqual([tradesBefore, ordersBefore]);
    // The same characters are fine where the provider takes them, and the limits are the providers' own.
    const wx = await m.client.post<any>('/v1/payments', {
      ...valid,
      out_trade_no: 'in-wx',
      channel: 'wechat_native',
      subject: 'a/b=c&d',
    });
    expect(wx.status).toBe('pending');
    const zh = await m.client.post<any>('/v1/payments', { ...valid, out_trade_no: 'in-zh', subject: '茶'.repeat(128) });
    expect(zh.status).toBe('pending');
    expect([alipay.trades.values().length, wechat.orders.values().length]).toEqual([
      tradesBefore + 1,
      ordersBefore + 1,
    ]);
  });

  it('refuses bad refund amounts and refunds of unpaid payments', async () => {
    const p = await m.client.post<any>('/v1/payments', valid);
    for (const literal of ['0', '-5', '2.5', '1e2']) {
      const res = await m.client.request<any>('POST', '/v1/refunds', {
        rawBody: `{"payment_id":"${p.id}","out_refund_no":"r1","amount":${literal}}`,
      });
      expect(res.status).toBe(400);
    }
    await expect(
      m.client.post('/v1/refunds', { payment_id: p.id, out_refund_no: 'r1', amount: 10 }),
    ).rejects.toMatchObject({ status: 409, code: 'payment_not_refundable' });
    expect(await count(t.dataSource, 'SELECT 1 FROM refunds')).toBe(0);
  });
});
