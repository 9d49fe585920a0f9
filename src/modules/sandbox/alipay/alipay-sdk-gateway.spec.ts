import { AlipayAdapter } from '../../providers/alipay/alipay.adapter';
import type { CreatePaymentInput } from '../../providers/provider.port';
import { AlipaySdkGateway, startAlipaySdkGateway } from '../testing/alipay-sdk-gateway.util';
import { Harness, payerActs, startHarness } from '../testing/sandbox-harness.util';

/**
 * Every Alipay flow of our adapter held to the official alipay-sdk in the gateway's role (issue 18, "tests that
 * are not circular"): each request it sends to the gateway is checked with the SDK's checkNotifySignV2, and
 * what it signs for the payer's browser or app (page/wap URLs, the APP order string) too; each answer of the
 * simulator is checked with the SDK's checkResponseSign before the adapter reads it.
 */
let h: Harness;
let gateway: AlipaySdkGateway;
let adapter: AlipayAdapter;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
  gateway = await startAlipaySdkGateway(h);
  adapter = new AlipayAdapter({
    gatewayUrl: gateway.url,
    appId: h.keys.alipay.appId,
    appPrivateKeyPem: h.keys.alipay.appPrivateKeyPem,
    alipayPublicKeyPem: h.keys.alipay.alipayPublicKeyPem,
    http: { maxRetries: 0, timeoutMs: 2_000 },
  });
});
afterAll(async () => {
  adapter.shutdown();
  await gateway.close();
  await h.close();
});

const order = (over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'alipay_qr',
  providerOrderId: `pay_sdkgw_${Date.now()}_${n++}`,
  amount: 1_288n,
  currency: 'CNY',
  subject: 'SDK 网关',
  expiresAt: new Date(Date.now() + 600_000),
  notifyUrl: `${h.callbackUrl}/alipay`,
  ...over,
});

describe('Alipay adapter against the official SDK in the gateway role', () => {
  it('QR create, query, refund, refund query and the cancel of an unpaid code: every request and answer verifies', async () => {
    const paid = order();
    const created = await adapter.createPayment(paid);
    if (created.nextAction?.type !== 'qr_code') throw new Error('no qr');
    await payerActs(created.nextAction.qr_code, 'success');
    expect(await adapter.query('alipay_qr', paid.providerOrderId)).toMatchObject({ status: 'succeeded' });
    const refund = {
      channel: 'alipay_qr' as const,
      providerOrderId: paid.providerOrderId,
      providerRefundId: `re_sdkgw_${n++}`,
      amount: 288n,
      paymentAmount: 1_288n,
      currency: 'CNY',
      notifyUrl: paid.notifyUrl,
    };
    expect(await adapter.refund(refund)).toMatchObject({ status: 'succeeded' });
    expect(await adapter.queryRefund('alipay_qr', paid.providerOrderId, refund.providerRefundId)).toMatchObject({
      status: 'succeeded',
    });
    const unpaid = order();
    await adapter.createPayment(unpaid);
    expect(await adapter.close('alipay_qr', unpaid.providerOrderId)).toMatchObject({ status: 'closed' });

    const methods = gateway.seen.map((s) => s.method);
    for (const m of [
      'alipay.trade.precreate',
      'alipay.trade.query',
      'alipay.trade.refund',
      'alipay.trade.fastpay.refund.query',
      'alipay.trade.cancel',
    ])
      expect(methods).toContain(m);
    expect(gateway.seen.filter((s) => !s.requestOk || !s.answerOk)).toEqual([]);
    const precreate = gateway.seen.find((s) => s.method === 'alipay.trade.precreate')!.biz;
    expect(precreate).toMatchObject({ out_trade_no: paid.providerOrderId, total_amount: '12.88', subject: 'SDK 网关' });
  });

  it('face-to-face barcode pay, the daily bill URL and the app authorisation code exchange', async () => {
    const from = gateway.seen.length;
    const barcode = order({ channel: 'alipay_barcode', payer: { authCode: '284712349876543210' } });
    expect(await adapter.createPayment(barcode)).toMatchObject({ status: 'succeeded' });
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(
      new Date(Date.now() - 86_400_000),
    );
    await adapter.fetchStatement(day);
    expect(
      await adapter.exchangeAppAuthToken({ grantType: 'authorization_code', code: h.alipaySim.issueAuthCode() }),
    ).toMatchObject({ ok: true });
    const calls = gateway.seen.slice(from);
    expect(calls.map((s) => s.method)).toEqual([
      'alipay.trade.pay',
      'alipay.data.dataservice.bill.downloadurl.query',
      'alipay.open.auth.token.app',
    ]);
    expect(calls.filter((s) => !s.requestOk || !s.answerOk)).toEqual([]);
    expect(calls[0].biz).toMatchObject({ scene: 'bar_code', auth_code: '284712349876543210' });
  });

  it('what it signs for the payer (page and WAP redirects, the APP order string) verifies with the SDK too', async () => {
    for (const channel of ['alipay_page', 'alipay_wap'] as const) {
      const out = await adapter.createPayment(order({ channel, returnUrl: 'https://shop.example.com/back' }));
      if (out.nextAction?.type !== 'redirect') throw new Error(`${channel}: no redirect`);
      const params = Object.fromEntries(new URL(out.nextAction.url).searchParams);
      expect(params.method).toBe(channel === 'alipay_page' ? 'alipay.trade.page.pay' : 'alipay.trade.wap.pay');
      expect(gateway.gatewaySdk.checkNotifySignV2(params)).toBe(true);
      expect(gateway.gatewaySdk.checkNotifySignV2({ ...params, total_amount: '0.01' })).toBe(false);
    }
    const app = await adapter.createPayment(order({ channel: 'alipay_app' }));
    if (app.nextAction?.type !== 'alipay_app') throw new Error('no order string');
    const params = Object.fromEntries(new URLSearchParams(app.nextAction.order_string));
    expect(params.method).toBe('alipay.trade.app.pay');
    expect(gateway.gatewaySdk.checkNotifySignV2(params)).toBe(true);
    // A changed amount no longer verifies: the signature covers biz_content.
    const tampered = { ...params, biz_content: params.biz_content.replace('"12.88"', '"0.01"') };
    expect(tampered.biz_content).not.toBe(params.biz_content);
    expect(gateway.gatewaySdk.checkNotifySignV2(tampered)).toBe(false);
  });
});
