import { AlipaySdk } from 'alipay-sdk';
import { createSign } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { AlipaySdkGateway, SdkCheckedCall, startAlipaySdkGateway } from '../testing/alipay-sdk-gateway.util';
import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { AlipayAdapter } from '../../providers/alipay/alipay.adapter';
import type { SplitReceiver } from '../../providers/provider.port';
import type { AlipayTrade } from './alipay.simulator';

/**
 * Alipay 分账 interop, with the official alipay-sdk as the counterpart:
 * - the SDK as a merchant's client against the simulator (the SDK signs the
 *   royalty requests, our gateway checks them; our answers are verified by
 *   the SDK with validateSign), refusals included;
 * - the SDK as the gateway's checker of our adapter's royalty requests (each
 *   request's signature through checkNotifySignV2, each answer through
 *   checkResponseSign), through a proxy in front of the simulator.
 */
let h: Harness;
let sdk: AlipaySdk;
let rogue: AlipaySdk;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
  const gateway = `${h.baseUrl}/sandbox/alipay/gateway.do`;
  sdk = new AlipaySdk({
    appId: h.keys.alipay.appId,
    privateKey: h.keys.alipay.appPrivateKeyPem,
    keyType: 'PKCS8',
    alipayPublicKey: h.keys.alipay.alipayPublicKeyPem,
    gateway,
  });
  rogue = new AlipaySdk({
    appId: h.keys.alipay.appId,
    privateKey: h.keys.wechatpay.merchantPrivateKeyPem,
    keyType: 'PKCS8',
    alipayPublicKey: h.keys.alipay.alipayPublicKeyPem,
    gateway,
  });
});
afterAll(() => h.close());
afterEach(() => {
  h.alipaySim.royalty.maxRoyaltyPercent = 30;
});

const exec = (method: string, bizContent: Record<string, unknown>) =>
  sdk.exec(method, { bizContent }, { validateSign: true });

/** A trade the SDK made (royalty_freeze as given) and the payer paid on the QR page. */
async function sdkPaidTrade(freeze: boolean, total = '100.00'): Promise<AlipayTrade> {
  const outTradeNo = `sdk_roy_${Date.now()}_${n++}`;
  const pre = await exec('alipay.trade.precreate', {
    out_trade_no: outTradeNo,
    total_amount: total,
    subject: '分账订单',
    ...(freeze ? { extend_params: { royalty_freeze: 'true' } } : {}),
  });
  expect(pre.code).toBe('10000');
  expect((await payerActs(pre.qrCode, 'success')).status).toBe(200);
  return h.alipaySim.trades.get(outTradeNo)!;
}

const state = (t: AlipayTrade) =>
  JSON.stringify({ r: t.royalty ?? null, refunds: t.refunds, status: t.status }, (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v,
  );

describe('Alipay royalty: the official SDK as the merchant client of the simulator', () => {
  it('bind, sync settle, settle query, onsettle query, royalty return and its refund query, with the real field names', async () => {
    const bound = await exec('alipay.trade.royalty.relation.bind', {
      out_request_no: `b_${n++}`,
      receiver_list: [{ type: 'userId', account: '2088000000005555', name: '平台', memo: '佣金' }],
    });
    expect(bound).toMatchObject({ code: '10000', resultCode: 'SUCCESS' });

    const t = await sdkPaidTrade(true);
    const settled = await exec('alipay.trade.order.settle', {
      out_request_no: `s_${n++}`,
      trade_no: t.tradeNo,
      royalty_parameters: [
        { royalty_type: 'transfer', trans_in_type: 'userId', trans_in: '2088000000005555', amount: 12.5, desc: '佣金' },
      ],
    });
    expect(settled).toMatchObject({ code: '10000', tradeNo: t.tradeNo });
    expect(settled.settleNo).toMatch(/^\d{32}$/);

    const q = await exec('alipay.trade.order.settle.query', { settle_no: settled.settleNo });
    expect(q.code).toBe('10000');
    expect(q.royaltyDetailList).toEqual([
      expect.objectContaining({
        operationType: 'transfer',
        transIn: '2088000000005555',
        transInType: 'userId',
        amount: '12.50',
        state: 'SUCCESS',
      }),
    ]);
    expect(await exec('alipay.trade.order.onsettle.query', { trade_no: t.tradeNo })).toMatchObject({
      code: '10000',
      unsettledAmount: '87.50',
    });

    const reqNo = `r_${n++}`;
    const back = await exec('alipay.trade.refund', {
      trade_no: t.tradeNo,
      out_request_no: reqNo,
      refund_amount: '0',
      refund_royalty_parameters: [
        { royalty_type: 'transfer', trans_out_type: 'userId', trans_out: '2088000000005555', amount: '2.50' },
      ],
    });
    expect(back).toMatchObject({ code: '10000', refundFee: '0.00' });
    const rq = await exec('alipay.trade.fastpay.refund.query', { trade_no: t.tradeNo, out_request_no: reqNo });
    expect(rq).toMatchObject({ code: '10000', refundAmount: '0.00', refundStatus: 'REFUND_SUCCESS' });
    expect(rq.refundRoyaltys).toEqual([
      expect.objectContaining({ refundAmount: '2.50', resultCode: 'SUCCESS', transOut: '2088000000005555' }),
    ]);
    // The return shows in the settle's details as transfer_refund.
    const q2 = await exec('alipay.trade.order.settle.query', { settle_no: settled.settleNo });
    expect(q2.royaltyDetailList).toContainEqual(
      expect.objectContaining({ operationType: 'transfer_refund', transOut: '2088000000005555', amount: '2.50' }),
    );
  });

  it('royalty_mode=async answers first; the settle query shows PROCESSING, then SUCCESS', async () => {
    await exec('alipay.trade.royalty.relation.bind', {
      out_request_no: `b_${n++}`,
      receiver_list: [{ type: 'loginName', account: 'rider@example.com', name: '李四' }],
    });
    const t = await sdkPaidTrade(true);
    const reqNo = `s_${n++}`;
    const accepted = await exec('alipay.trade.order.settle', {
      out_request_no: reqNo,
      trade_no: t.tradeNo,
      royalty_mode: 'async',
      royalty_parameters: [{ trans_in_type: 'loginName', trans_in: 'rider@example.com', amount: '5.00' }],
      extend_params: { royalty_finish: 'true' },
    });
    expect(accepted.code).toBe('10000');
    const first = await exec('alipay.trade.order.settle.query', { out_request_no: reqNo, trade_no: t.tradeNo });
    expect(first.royaltyDetailList[0].state).toBe('PROCESSING');
    expect(t.royalty!.finished).toBe(false);
    await waitFor(async () => {
      const q = await exec('alipay.trade.order.settle.query', { out_request_no: reqNo, trade_no: t.tradeNo });
      return q.royaltyDetailList[0].state === 'SUCCESS';
    }, 'async settle');
    expect(t.royalty!.finished).toBe(true);
    expect(await exec('alipay.trade.order.onsettle.query', { trade_no: t.tradeNo })).toMatchObject({
      unsettledAmount: '0.00',
    });
  });

  it('refusals are signed answers the SDK verifies, and change nothing', async () => {
    await exec('alipay.trade.royalty.relation.bind', {
      out_request_no: `b_${n++}`,
      receiver_list: [{ type: 'userId', account: '2088000000006666', name: '平台' }],
    });
    const t = await sdkPaidTrade(true);
    const before = state(t);
    const settle = (amount: string, trans_in = '2088000000006666', tradeNo = t.tradeNo) =>
      exec('alipay.trade.order.settle', {
        out_request_no: `s_${n++}`,
        trade_no: tradeNo,
        royalty_parameters: [{ trans_in_type: 'userId', trans_in, amount }],
      });
    expect(await settle('1.00', '2088000000007777')).toMatchObject({
      code: '40004',
      subCode: 'ACQ.ROYALTY_RECEIVER_INVALID',
    });
    expect(await settle('30.01')).toMatchObject({ code: '40004', subCode: 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR' });
    h.alipaySim.royalty.maxRoyaltyPercent = 100;
    expect(await settle('100.01')).toMatchObject({ code: '40004', subCode: 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR' });
    expect(await settle('0')).toMatchObject({ code: '40004', subCode: 'ACQ.INVALID_PARAMETER' });
    expect(state(t)).toBe(before);

    const plain = await sdkPaidTrade(false);
    const plainBefore = state(plain);
    expect(await settle('1.00', '2088000000006666', plain.tradeNo)).toMatchObject({
      code: '40004',
      subCode: 'ACQ.ILLEGAL_SETTLE_STATE',
    });
    expect(state(plain)).toBe(plainBefore);

    // Returning royalty nobody received.
    expect(
      await exec('alipay.trade.refund', {
        trade_no: t.tradeNo,
        out_request_no: `r_${n++}`,
        refund_amount: '0',
        refund_royalty_parameters: [{ trans_out_type: 'userId', trans_out: '2088000000006666', amount: '0.01' }],
      }),
    ).toMatchObject({ code: '40004', subCode: 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR' });
    expect(state(t)).toBe(before);

    // A settle signed with another key: refused before anything is read.
    const forged = await rogue.exec(
      'alipay.trade.order.settle',
      {
        bizContent: {
          out_request_no: `s_${n++}`,
          trade_no: t.tradeNo,
          royalty_parameters: [{ trans_in_type: 'userId', trans_in: '2088000000006666', amount: '1.00' }],
        },
      },
      { validateSign: true },
    );
    expect(forged).toMatchObject({ code: '40002', subCode: 'isv.invalid-signature' });
    expect(state(t)).toBe(before);
  });
});

describe('Alipay royalty: our adapter’s requests and the simulator’s answers, checked by the SDK', () => {
  let gateway: AlipaySdkGateway;
  let adapter: AlipayAdapter;
  let seen: SdkCheckedCall[];

  beforeAll(async () => {
    gateway = await startAlipaySdkGateway(h);
    seen = gateway.seen;
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
  });

  it('create, bind, split, query, return and release: every request verifies at the gateway, every answer at the SDK', async () => {
    const receiver: SplitReceiver = {
      type: 'merchant',
      account: '2088000000008888',
      name: 'Platform',
      relation: 'fee',
    };
    const id = `pay_roy_io_${Date.now()}`;
    const created = await adapter.createPayment({
      channel: 'alipay_qr',
      providerOrderId: id,
      amount: 5_000n,
      currency: 'CNY',
      subject: 'Interop',
      expiresAt: new Date(Date.now() + 600_000),
      notifyUrl: `${h.callbackUrl}/alipay`,
      profitSharing: true,
    });
    if (created.nextAction?.type !== 'qr_code') throw new Error('no qr');
    await payerActs(created.nextAction.qr_code, 'success');
    const t = h.alipaySim.trades.get(id)!;
    const base = { channel: 'alipay_qr' as const, providerOrderId: id, providerTransactionId: t.tradeNo };

    expect(
      (await adapter.bindSplitReceiver({ channel: 'alipay_qr', receiver, providerRequestId: 'io_bind' })).status,
    ).toBe('succeeded');
    const split = { ...base, providerSplitId: 'io_split', currency: 'CNY', finish: false };
    const receivers = [{ receiver, amount: 1_234n, description: 'fee' }];
    expect((await adapter.split({ ...split, receivers })).status).toBe('succeeded');
    expect((await adapter.querySplit(split)).status).toBe('succeeded');
    expect(
      (
        await adapter.returnSplit({
          ...base,
          providerSplitId: 'io_split',
          providerReturnId: 'io_return',
          receiver,
          amount: 234n,
          currency: 'CNY',
          description: 'partial refund',
        })
      ).status,
    ).toBe('succeeded');
    expect(
      (await adapter.releaseSplitRemainder({ ...base, providerReleaseId: 'io_release', description: 'done' })).status,
    ).toBe('succeeded');

    expect(seen.every((s) => s.requestOk && s.answerOk)).toBe(true);
    const biz = (m: string) => seen.filter((s) => s.method === m).map((s) => s.biz);
    expect(biz('alipay.trade.precreate')[0]).toMatchObject({ extend_params: { royalty_freeze: 'true' } });
    expect(biz('alipay.trade.royalty.relation.bind')).toEqual([
      {
        out_request_no: 'io_bind',
        receiver_list: [{ type: 'userId', account: '2088000000008888', name: 'Platform', memo: 'fee' }],
      },
    ]);
    const [settle, release] = biz('alipay.trade.order.settle');
    expect(settle).toEqual({
      out_request_no: 'io_split',
      trade_no: t.tradeNo,
      royalty_parameters: [
        {
          royalty_type: 'transfer',
          trans_in_type: 'userId',
          trans_in: '2088000000008888',
          amount: '12.34',
          desc: 'fee',
        },
      ],
      royalty_mode: 'sync',
    });
    expect(release).toEqual({
      out_request_no: 'io_release',
      trade_no: t.tradeNo,
      extend_params: { royalty_finish: 'true' },
      royalty_mode: 'sync',
    });
    expect(biz('alipay.trade.order.settle.query')).toEqual([{ out_request_no: 'io_split', trade_no: t.tradeNo }]);
    expect(biz('alipay.trade.refund')).toEqual([
      {
        out_trade_no: id,
        trade_no: t.tradeNo,
        out_request_no: 'io_return',
        refund_amount: '0.00',
        refund_reason: 'partial refund',
        refund_royalty_parameters: [
          {
            royalty_type: 'transfer',
            trans_out_type: 'userId',
            trans_out: '2088000000008888',
            amount: '2.34',
            desc: 'partial refund',
          },
        ],
      },
    ]);
    expect(t.royalty!.finished).toBe(true);
    expect(h.alipaySim.royalty.splitTotal(t)).toBe(1_234n);
  });

  it('a tampered answer fails the SDK’s check and our adapter’s alike: the split is unknown, never succeeded', async () => {
    // The SDK's check and ours agree on what a valid answer is: one byte changed fails both.
    const node = '{"code":"10000","msg":"Success","trade_no":"1","settle_no":"2"}';
    const sign = createSign('RSA-SHA256').update(node, 'utf8').sign(h.keys.alipay.alipayPrivateKeyPem, 'base64');
    const good = `{"alipay_trade_order_settle_response":${node},"sign":"${sign}"}`;
    expect(() => sdk.checkResponseSign(good, 'alipay_trade_order_settle_response', sign, 't')).not.toThrow();
    const fake = good.replace('"settle_no":"2"', '"settle_no":"3"');
    expect(() => sdk.checkResponseSign(fake, 'alipay_trade_order_settle_response', sign, 't')).toThrow();
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(fake));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const bad = new AlipayAdapter({
      gatewayUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`,
      appId: h.keys.alipay.appId,
      appPrivateKeyPem: h.keys.alipay.appPrivateKeyPem,
      alipayPublicKeyPem: h.keys.alipay.alipayPublicKeyPem,
      http: { maxRetries: 0, timeoutMs: 1_000 },
    });
    const out = await bad.split({
      channel: 'alipay_qr',
      providerOrderId: 'x',
      providerTransactionId: '1',
      providerSplitId: 'x1',
      receivers: [{ receiver: { type: 'merchant', account: '2088000000008888' }, amount: 1n, description: 'd' }],
      currency: 'CNY',
      finish: false,
    });
    expect(out).toMatchObject({ status: 'unknown', providerCode: 'response_signature_invalid' });
    bad.shutdown();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});
