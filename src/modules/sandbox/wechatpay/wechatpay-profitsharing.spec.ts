import { Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { CreatePaymentInput, SplitInput, SplitOutcome } from '../../providers/provider.port';

/** WeChat Pay profit sharing (分账): the adapter against the simulator, and the official plugin against both. */
let h: Harness;
let n = 0;
const SUB = '1900000109';
const RECEIVER = { type: 'merchant' as const, account: '1900000201', name: '示例商户全称', relation: 'PARTNER' };

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** A paid profit-sharing order, direct (partner) mode unless `sub` is null. */
async function paidOrder(sub: string | null = SUB, amount = 10000n) {
  const input: CreatePaymentInput = {
    channel: 'wechat_native',
    providerOrderId: `pay_ps_${Date.now()}_${n++}`,
    amount,
    currency: 'CNY',
    subject: '分账订单',
    expiresAt: new Date(Date.now() + 15 * 60_000),
    notifyUrl: `${h.callbackUrl}/wechatpay`,
    ...(sub ? { subMerchant: { subMchid: sub } } : {}),
    profitSharing: true,
  };
  const created = await h.wechat.createPayment(input);
  await payerActs((created.nextAction as { qr_code: string }).qr_code, 'success');
  const o = h.wechatSim.orders.get(input.providerOrderId)!;
  return { id: input.providerOrderId, transactionId: o.transactionId, sub: sub ?? undefined };
}

const splitOf = (
  o: { id: string; transactionId: string; sub?: string },
  over: Partial<SplitInput> = {},
): SplitInput => ({
  channel: 'wechat_native',
  providerOrderId: o.id,
  providerTransactionId: o.transactionId,
  providerSplitId: `spl_${Date.now()}_${n++}`,
  receivers: [{ receiver: RECEIVER, amount: 2000n, description: '分给商户A' }],
  currency: 'CNY',
  finish: false,
  subMchid: o.sub,
  ...over,
});

/** PROCESSING answers finish shortly after: ask again until they do (what the resolver does). */
const settled = (ask: () => Promise<SplitOutcome>) =>
  waitFor(async () => {
    const r = await ask();
    return r.status === 'pending' ? undefined : r;
  }, 'a finished profit-sharing result');

describe('WeChat Pay profit sharing (adapter <-> simulator)', () => {
  it('creates the partner order with settle_info.profit_sharing, adds the receiver with its name sealed, splits, queries', async () => {
    const o = await paidOrder();
    expect(h.wechatSim.orders.get(o.id)).toMatchObject({ subMchid: SUB, profitSharing: true });

    // Not added yet: the gateway refuses the split, and nothing is split.
    const early = await h.wechat.split(splitOf(o));
    expect(early).toMatchObject({ status: 'failed', providerCode: 'INVALID_REQUEST' });

    const bound = await h.wechat.bindSplitReceiver({
      channel: 'wechat_native',
      receiver: RECEIVER,
      providerRequestId: 'b1',
      subMchid: SUB,
    });
    expect(bound.status).toBe('succeeded');
    // The simulator opened the sealed name with the platform private key: it is the name sent, never in clear on the wire.
    expect(h.wechatSim.profitSharing.receivers.get(`${SUB}|MERCHANT_ID|${RECEIVER.account}`)).toMatchObject({
      name: RECEIVER.name,
      relation: 'PARTNER',
    });

    const input = splitOf(o);
    const first = await h.wechat.split(input);
    expect(first).toMatchObject({ status: 'pending', providerCode: 'PROCESSING' });
    expect(first.raw).toMatchObject({ sub_mchid: SUB, out_order_no: input.providerSplitId, state: 'PROCESSING' });
    const done = await settled(() => h.wechat.querySplit(input));
    expect(done).toMatchObject({
      status: 'succeeded',
      providerSplitTransactionId: first.providerSplitTransactionId,
      receivers: [{ account: RECEIVER.account, amount: 2000n, result: 'succeeded' }],
    });
    // The same out_order_no is the same split: nothing more is taken.
    expect((await h.wechat.split(input)).status).toBe('succeeded');
    expect(
      [...h.wechatSim.profitSharing.splitOrders.values()].filter((s) => s.transactionId === o.transactionId),
    ).toHaveLength(1);

    // More than the frozen money left (10000 − 2000) is refused.
    const over = await h.wechat.split(
      splitOf(o, { receivers: [{ receiver: RECEIVER, amount: 8001n, description: 'x' }] }),
    );
    expect(over).toMatchObject({ status: 'failed', providerCode: 'NOT_ENOUGH' });
  });

  it('returns part of a split from a merchant receiver, never from a person; releases the rest, then splits no more', async () => {
    const o = await paidOrder();
    await h.wechat.bindSplitReceiver({
      channel: 'wechat_native',
      receiver: RECEIVER,
      providerRequestId: 'b2',
      subMchid: SUB,
    });
    const input = splitOf(o);
    await h.wechat.split(input);
    await settled(() => h.wechat.querySplit(input));

    const ret = {
      channel: 'wechat_native' as const,
      providerOrderId: o.id,
      providerTransactionId: o.transactionId,
      providerSplitId: input.providerSplitId,
      providerReturnId: `spr_${n++}`,
      receiver: RECEIVER,
      amount: 500n,
      currency: 'CNY',
      description: '用户退款',
      subMchid: SUB,
    };
    expect((await h.wechat.returnSplit(ret)).status).toBe('pending');
    // Re-sent with the same out_return_no: the return's current state, never a second return.
    expect(await settled(() => h.wechat.returnSplit(ret))).toMatchObject({
      status: 'succeeded',
      providerCode: 'SUCCESS',
    });
    expect(h.wechatSim.profitSharing.returnOrders.size).toBeGreaterThan(0);
    expect(
      [...h.wechatSim.profitSharing.returnOrders.values()].filter((r) => r.outOrderNo === input.providerSplitId),
    ).toHaveLength(1);
    // More than the receiver got back is refused.
    expect(await h.wechat.returnSplit({ ...ret, providerReturnId: `spr_${n++}`, amount: 1501n })).toMatchObject({
      status: 'failed',
      providerCode: 'NOT_ENOUGH',
    });
    const calls = h.wechatSim.profitSharing.calls.length;
    expect(
      await h.wechat.returnSplit({
        ...ret,
        providerReturnId: `spr_${n++}`,
        receiver: { type: 'personal', account: 'o_x' },
      }),
    ).toMatchObject({ status: 'failed', providerCode: 'RETURN_NOT_SUPPORTED' });
    expect(h.wechatSim.profitSharing.calls.length).toBe(calls);

    const release = {
      channel: 'wechat_native' as const,
      providerOrderId: o.id,
      providerTransactionId: o.transactionId,
      providerReleaseId: `spl_rel_${n++}`,
      description: '解冻全部剩余资金',
      subMchid: SUB,
    };
    expect((await h.wechat.releaseSplitRemainder(release)).status).toBe('pending');
    const released = await settled(() => h.wechat.releaseSplitRemainder(release));
    expect(released).toMatchObject({ status: 'succeeded', providerCode: 'FINISHED' });
    // The remainder (10000 − 2000) went to the sub-merchant itself.
    expect((released.raw as { receivers: unknown[] }).receivers).toEqual([
      expect.objectContaining({ account: SUB, amount: 8000, result: 'SUCCESS' }),
    ]);
    const after = await h.wechat.split(
      splitOf(o, { receivers: [{ receiver: RECEIVER, amount: 1n, description: 'x' }] }),
    );
    expect(after).toMatchObject({ status: 'failed', providerCode: 'NOT_ENOUGH' });
  });

  it('an order paid without profit sharing cannot be split', async () => {
    const input: CreatePaymentInput = {
      channel: 'wechat_native',
      providerOrderId: `pay_nops_${Date.now()}`,
      amount: 100n,
      currency: 'CNY',
      subject: 'x',
      expiresAt: new Date(Date.now() + 60_000),
      notifyUrl: `${h.callbackUrl}/wechatpay`,
    };
    const created = await h.wechat.createPayment(input);
    await payerActs((created.nextAction as { qr_code: string }).qr_code, 'success');
    const o = {
      id: input.providerOrderId,
      transactionId: h.wechatSim.orders.get(input.providerOrderId)!.transactionId,
    };
    await h.wechat.bindSplitReceiver({ channel: 'wechat_native', receiver: RECEIVER, providerRequestId: 'b3' });
    expect(
      await h.wechat.split(splitOf(o, { receivers: [{ receiver: RECEIVER, amount: 10n, description: 'x' }] })),
    ).toMatchObject({
      status: 'failed',
      providerCode: 'INVALID_REQUEST',
    });
  });

  it('the official wechatpay-axios-plugin adds a receiver and splits against the simulator (signatures and the sealed name verify)', async () => {
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
    const o = await paidOrder();
    const account = '1900000202';
    // The plugin seals the name as WeChat asks (RSA-OAEP with the platform public key), and verifies every answer.
    const added = await client.v3.profitsharing.receivers.add.post({
      sub_mchid: SUB,
      appid: k.appid,
      type: 'MERCHANT_ID',
      account,
      name: Rsa.encrypt('插件商户', k.platformPublicKeyPem),
      relation_type: 'STORE',
    });
    expect(added.data).toMatchObject({ sub_mchid: SUB, type: 'MERCHANT_ID', account, relation_type: 'STORE' });
    expect(h.wechatSim.profitSharing.receivers.get(`${SUB}|MERCHANT_ID|${account}`)?.name).toBe('插件商户');
    const order = await client.v3.profitsharing.orders.post({
      sub_mchid: SUB,
      appid: k.appid,
      transaction_id: o.transactionId,
      out_order_no: `plugin_split_${n++}`,
      receivers: [{ type: 'MERCHANT_ID', account, amount: 300, description: '插件分账' }],
      unfreeze_unsplit: false,
    });
    expect(order.data).toMatchObject({ state: 'PROCESSING', receivers: [{ account, amount: 300, result: 'PENDING' }] });
    const q = await waitFor(async () => {
      const r = await client.v3.profitsharing.orders._out_order_no_.get({
        out_order_no: order.data.out_order_no,
        params: { sub_mchid: SUB, transaction_id: o.transactionId },
      });
      return r.data.state === 'FINISHED' ? r.data : undefined;
    }, 'plugin split finished');
    expect(q.receivers[0]).toMatchObject({ result: 'SUCCESS', amount: 300 });
    // And our adapter's seal is the plugin's: the same RSA-OAEP the simulator opens with the platform private key.
    const sealed = await h.wechat.bindSplitReceiver({
      channel: 'wechat_native',
      receiver: { type: 'merchant', account: '1900000203', name: '另一商户' },
      providerRequestId: 'b4',
      subMchid: SUB,
    });
    expect(sealed.status).toBe('succeeded');
    expect(h.wechatSim.profitSharing.receivers.get(`${SUB}|MERCHANT_ID|1900000203`)?.name).toBe('另一商户');
  });
});
