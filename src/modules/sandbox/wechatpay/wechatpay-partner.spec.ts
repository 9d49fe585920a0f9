import { Wechatpay } from 'wechatpay-axios-plugin';
import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { CreatePaymentInput, ParsedCallback } from '../../providers/provider.port';

/** WeChat Pay service-provider (服务商) mode: partner endpoints, sp_/sub_ field names, sub_mchid in callbacks. */
let h: Harness;
let n = 0;
const SUB = '1900000109';
const order = (over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'wechat_native',
  providerOrderId: `pay_sp_${Date.now()}_${n++}`,
  amount: 1500n,
  currency: 'CNY',
  subject: '服务商订单',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  notifyUrl: `${h.callbackUrl}/wechatpay`,
  subMerchant: { subMchid: SUB },
  ...over,
});
const callbacksFor = (id: string) =>
  h.received
    .filter((r) => r.provider === 'wechatpay' && r.result.ok && r.result.callback.providerOrderId === id)
    .map((r) => (r.result as { callback: ParsedCallback }).callback);

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.wechatSim.controls.reset());

describe('WeChat Pay service-provider mode (adapter <-> simulator)', () => {
  it('native: the partner order is made for the sub-merchant; callback and query carry sp_mchid and sub_mchid', async () => {
    const input = order();
    const created = await h.wechat.createPayment(input);
    expect(created).toMatchObject({ status: 'pending', nextAction: { type: 'qr_code' } });
    const o = h.wechatSim.orders.get(input.providerOrderId)!;
    expect(o.subMchid).toBe(SUB);
    // The partner query answers with the partner field names, not mchid/appid.
    const q = await h.wechat.query('wechat_native', input.providerOrderId, { subMchid: SUB });
    expect(q.status).toBe('pending');
    expect(q.raw).toMatchObject({ sp_mchid: h.keys.wechatpay.mchid, sub_mchid: SUB });
    expect((q.raw as Record<string, unknown>).mchid).toBeUndefined();
    // Another sub-merchant cannot read it.
    expect((await h.wechat.query('wechat_native', input.providerOrderId, { subMchid: '1900000999' })).status).toBe(
      'unknown',
    );

    await payerActs((created.nextAction as { qr_code: string }).qr_code, 'success');
    const cb = await waitFor(() => callbacksFor(input.providerOrderId)[0], 'partner transaction callback');
    expect(cb).toMatchObject({
      kind: 'payment',
      status: 'succeeded',
      amount: 1500n,
      providerMerchantId: h.keys.wechatpay.mchid,
      providerSubMerchantId: SUB,
    });
    expect((cb.raw as { resource: Record<string, unknown> }).resource).toMatchObject({
      sp_appid: h.keys.wechatpay.appid,
      sub_mchid: SUB,
    });
  });

  it('jsapi: payer.sp_openid is sent and the invoke params are under sp_appid', async () => {
    const input = order({ channel: 'wechat_jsapi', payer: { openid: 'o_sp_1' } });
    const created = await h.wechat.createPayment(input);
    expect(created.nextAction).toMatchObject({ type: 'wechat_jsapi', params: { appId: h.keys.wechatpay.appid } });
    expect(h.wechatSim.orders.get(input.providerOrderId)).toMatchObject({ subMchid: SUB, openid: 'o_sp_1' });
  });

  it('close goes through the partner close; refund carries sub_mchid and its callback names the sub-merchant', async () => {
    const open = order();
    await h.wechat.createPayment(open);
    expect(await h.wechat.close('wechat_native', open.providerOrderId, { subMchid: SUB })).toMatchObject({
      status: 'closed',
    });
    expect(h.wechatSim.orders.get(open.providerOrderId)!.state).toBe('CLOSED');

    const paid = order();
    const url = ((await h.wechat.createPayment(paid)).nextAction as { qr_code: string }).qr_code;
    await payerActs(url, 'success');
    const refundInput = {
      channel: 'wechat_native' as const,
      providerOrderId: paid.providerOrderId,
      providerRefundId: `re_sp_${n++}`,
      amount: 500n,
      paymentAmount: 1500n,
      currency: 'CNY',
      notifyUrl: `${h.callbackUrl}/wechatpay`,
    };
    // Without the sub_mchid the provider does not find the partner order: nothing is refunded.
    expect((await h.wechat.refund(refundInput)).status).not.toBe('succeeded');
    expect(h.wechatSim.orders.get(paid.providerOrderId)!.refunds).toHaveLength(0);
    const r = await h.wechat.refund({ ...refundInput, subMchid: SUB });
    expect(['pending', 'succeeded']).toContain(r.status);
    const cb = await waitFor(
      () => callbacksFor(paid.providerOrderId).find((c) => c.kind === 'refund' && c.status === 'succeeded'),
      'partner refund callback',
    );
    expect(cb).toMatchObject({ providerMerchantId: h.keys.wechatpay.mchid, providerSubMerchantId: SUB, amount: 500n });
    expect(
      (
        await h.wechat.queryRefund('wechat_native', paid.providerOrderId, refundInput.providerRefundId, {
          subMchid: SUB,
        })
      ).status,
    ).toBe('succeeded');
  });

  it('the official wechatpay-axios-plugin, as a service provider, is served by the simulator (signatures verify both ways)', async () => {
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
    const res = await client.v3.pay.partner.transactions.native.post({
      sp_appid: k.appid,
      sp_mchid: k.mchid,
      sub_mchid: SUB,
      description: 'plugin partner',
      out_trade_no: 'plugin_sp_order_1',
      notify_url: 'http://127.0.0.1/n',
      amount: { total: 1, currency: 'CNY' },
    });
    expect(res.data.code_url).toContain('/sandbox/wechatpay/pay/');
    const q = await client.v3.pay.partner.transactions.outTradeNo._out_trade_no_.get({
      out_trade_no: 'plugin_sp_order_1',
      params: { sp_mchid: k.mchid, sub_mchid: SUB },
    });
    expect(q.data).toMatchObject({ trade_state: 'NOTPAY', sp_mchid: k.mchid, sub_mchid: SUB });
    // A partner create naming another sp_mchid is refused (the plugin throws on the 4xx).
    await expect(
      client.v3.pay.partner.transactions.native.post({
        sp_appid: k.appid,
        sp_mchid: '1900000001',
        sub_mchid: SUB,
        description: 'x',
        out_trade_no: 'plugin_sp_order_2',
        notify_url: 'http://127.0.0.1/n',
        amount: { total: 1, currency: 'CNY' },
      }),
    ).rejects.toMatchObject({ response: { status: 400 } });
    expect(h.wechatSim.orders.get('plugin_sp_order_2')).toBeUndefined();
  });
});
