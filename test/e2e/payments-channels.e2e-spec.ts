import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { WechatPaySimulator } from '../../src/modules/sandbox/wechatpay/wechatpay.simulator';
import { TestApp, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import {
  FAST_SANDBOX_ENV,
  count,
  effectsOf,
  pay,
  payerActs,
  trialBalanceIsZero,
  waitForStatus,
} from '../utils/payments-kit';
import { waitFor } from '../utils/http';

/**
 * The channels beyond QR codes and JSAPI, each end to end in the sandbox:
 * create -> the payer pays the way that channel's payer does -> the
 * provider's signed notification -> succeeded -> refund.
 */
describe('more Alipay and WeChat Pay channels (e2e, sandbox providers over HTTP)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let n = 0;
  const order = () => `ch-${++n}-${Date.now()}`;

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t, {
      merchant: { fee_bps: 60 },
      channels: [
        'alipay_wap',
        'alipay_app',
        'alipay_barcode',
        'wechat_h5',
        'wechat_app',
        'wechat_miniprogram',
        'wechat_jsapi',
      ],
    });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
  });

  const create = (body: Record<string, unknown>) =>
    m.client.post<any>('/v1/payments', {
      out_trade_no: order(),
      amount: 10000,
      currency: 'CNY',
      subject: 'Coffee',
      ...body,
    });

  const deliveredTo = (sim: AlipaySimulator | WechatPaySimulator, provider: string) =>
    sim.deliveries().filter((d) => d.url === `${t.baseUrl}/callbacks/${provider}` && d.state === 'delivered').length;

  it.each([
    ['alipay_wap', 'redirect', { return_url: 'https://shop.example.com/done' }, 'alipay'],
    ['alipay_app', 'alipay_app', {}, 'alipay'],
    ['wechat_h5', 'redirect', { payer: { ip: '203.0.113.7' } }, 'wechatpay'],
    ['wechat_app', 'wechat_app', {}, 'wechatpay'],
    ['wechat_miniprogram', 'wechat_jsapi', { payer: { openid: 'o_mini_payer' } }, 'wechatpay'],
  ])(
    '%s: create -> %s -> payer pays -> signed notification -> succeeded -> refund',
    async (channel, type, extra, provider) => {
      const sim = provider === 'alipay' ? t.app.get(AlipaySimulator) : t.app.get(WechatPaySimulator);
      const before = deliveredTo(sim, provider);
      const p = await create({ channel, ...extra });
      expect(p).toMatchObject({ status: 'pending', channel, next_action: { type } });
      expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: [] });
      expect(await pay(t.baseUrl, p)).toBeLessThan(300);
      const done = await waitForStatus(m.client, p.id, 'succeeded');
      expect(done).toMatchObject({ amount_captured: 10000, fee: 60, next_action: null });
      // The provider's notification got there and was acknowledged (not only a resolver query).
      await waitFor(async () => deliveredTo(sim, provider) > before, { what: `${provider} notification` });
      expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });
      const r = await m.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-r`, amount: 4000 });
      const refunded = r.status === 'succeeded' ? r : await waitForStatus(m.client, r.id, 'succeeded', '/v1/refunds');
      expect(refunded).toMatchObject({ amount: 4000, fee_refunded: 24 });
      expect(await effectsOf(t.dataSource, r.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
    },
  );

  it('wechat_app: a PayReq with a forged sign is refused by the WeChat app and nothing is paid', async () => {
    const p = await create({ channel: 'wechat_app' });
    const forged = { ...p.next_action.params, sign: Buffer.from('forged').toString('base64') };
    expect(await payerActs(`${t.baseUrl}/sandbox/wechatpay/app/pay`, 'success', forged)).toBe(400);
    expect((await m.client.get<any>(`/v1/payments/${p.id}`)).status).toBe('pending');
  });

  it('wechat_miniprogram: invoke params are made under the mini-program appid, not the official account', async () => {
    const mini = await create({ channel: 'wechat_miniprogram', payer: { openid: 'o_mini' } });
    const oa = await create({ channel: 'wechat_jsapi', payer: { openid: 'o_oa' } });
    expect(mini.next_action.params.appId).toMatch(/^wx/);
    expect(mini.next_action.params.appId).not.toBe(oa.next_action.params.appId);
  });

  it('alipay_barcode: a scanned code is paid at once, notified, and refunded', async () => {
    const p = await create({ channel: 'alipay_barcode', payer: { auth_code: '281234567890123456' } });
    expect(p).toMatchObject({ status: 'succeeded', next_action: null, provider_transaction_id: expect.any(String) });
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });
    const r = await m.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-r`, amount: 10000 });
    expect(r.status).toBe('succeeded');
    expect(JSON.stringify(await m.client.get<any>(`/v1/payments/${p.id}`))).not.toContain('281234567890123456');
  });

  it('alipay_barcode: a code that needs the payer to confirm stays pending, then succeeds when the payer confirms', async () => {
    const code = '281234567890121111';
    const p = await create({ channel: 'alipay_barcode', payer: { auth_code: code } });
    expect(p).toMatchObject({ status: 'pending', next_action: null });
    expect(await payerActs(`${t.baseUrl}/sandbox/alipay/barcode/${code}`, 'success')).toBe(200);
    await waitForStatus(m.client, p.id, 'succeeded');
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });
  });

  it("alipay_barcode: an invalid payment code fails with Alipay's code; no ledger entry", async () => {
    const p = await create({ channel: 'alipay_barcode', payer: { auth_code: '281234567890120000' } });
    expect(p).toMatchObject({ status: 'failed', failure_code: 'ACQ.PAYMENT_AUTH_CODE_INVALID' });
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: ['payment.failed'] });
  });

  it.each([
    ['wechat_h5 without payer.ip', { channel: 'wechat_h5' }, 'payer_required'],
    ['wechat_miniprogram without payer.openid', { channel: 'wechat_miniprogram' }, 'payer_required'],
    ['alipay_barcode without payer.auth_code', { channel: 'alipay_barcode' }, 'payer_required'],
    [
      'an auth_code on another channel',
      { channel: 'alipay_wap', payer: { auth_code: '281234567890123456' } },
      'auth_code_not_allowed',
    ],
  ])('refuses %s with a 400 and creates nothing', async (_what, body, code) => {
    const before = await count(t.dataSource, 'SELECT 1 FROM payments');
    await expect(create(body)).rejects.toMatchObject({ status: 400, code });
    expect(await count(t.dataSource, 'SELECT 1 FROM payments')).toBe(before);
  });
});
