import { Harness, payerActs, startHarness, waitFor } from '../../sandbox/testing/sandbox-harness.util';
import type { AlipayTrade } from '../../sandbox/alipay/alipay.simulator';
import type { CreatePaymentInput, SplitInput, SplitReceiver } from '../provider.port';

/**
 * The adapter's profit sharing (分账) against the Alipay simulator over HTTP:
 * royalty_freeze on create, relation bind, settle, settle query, royalty
 * return through the refund, and royalty_finish; refusals leave the
 * simulator's state as it was.
 */
let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => {
  h.alipaySim.royalty.maxRoyaltyPercent = 30;
  h.alipaySim.royalty.holdNextSettles = 0;
  h.alipaySim.controls.reset();
});

const platformCut: SplitReceiver = {
  type: 'merchant',
  account: '2088000000001111',
  name: 'Paygrid Ltd',
  relation: 'platform',
};
const courier: SplitReceiver = { type: 'personal', account: 'courier@example.com', name: '张三' };

const order = (over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'alipay_qr',
  providerOrderId: `pay_roy_${Date.now()}_${n++}`,
  amount: 10_000n,
  currency: 'CNY',
  subject: 'Royalty order',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  notifyUrl: `${h.callbackUrl}/alipay`,
  ...over,
});

/** A paid trade: created through the adapter, paid by the payer on the QR page. */
async function paidTrade(over: Partial<CreatePaymentInput> = {}): Promise<AlipayTrade> {
  const input = order(over);
  const created = await h.alipay.createPayment(input);
  if (created.nextAction?.type !== 'qr_code') throw new Error(`no qr: ${JSON.stringify(created)}`);
  expect((await payerActs(created.nextAction.qr_code, 'success')).status).toBe(200);
  return h.alipaySim.trades.get(input.providerOrderId)!;
}

const bind = (receiver: SplitReceiver, appAuthToken?: string) =>
  h.alipay.bindSplitReceiver({ channel: 'alipay_qr', receiver, providerRequestId: `bind_${n++}`, appAuthToken });

const splitOf = (t: AlipayTrade, receivers: SplitInput['receivers'], over: Partial<SplitInput> = {}): SplitInput => ({
  channel: 'alipay_qr',
  providerOrderId: t.outTradeNo,
  providerTransactionId: t.tradeNo,
  providerSplitId: `spl_${n++}`,
  receivers,
  currency: 'CNY',
  finish: false,
  ...over,
});

/** Everything of a trade's royalty the simulator holds, to show a refusal changed nothing. */
const snapshot = (t: AlipayTrade) =>
  JSON.stringify(
    {
      royalty: t.royalty ?? null,
      refunds: t.refunds,
      status: t.status,
      unsplit: h.alipaySim.royalty.unsplit(t, 0n),
    },
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
  );

describe('AlipayAdapter profit sharing (simulator over HTTP)', () => {
  it('create with profitSharing sends extend_params.royalty_freeze; without it the trade is not frozen', async () => {
    const frozen = await paidTrade({ profitSharing: true });
    const plain = await paidTrade();
    expect(frozen.royaltyFreeze).toBe(true);
    expect(plain.royaltyFreeze).toBeUndefined();
    expect(h.alipaySim.royalty.unsplit(frozen, 0n)).toBe(10_000n);
    expect(h.alipaySim.royalty.unsplit(plain, 0n)).toBe(0n);
    // The browser channels carry it inside the signed redirect.
    const page = await h.alipay.createPayment(
      order({ channel: 'alipay_page', profitSharing: true, returnUrl: 'https://m.example/r' }),
    );
    if (page.nextAction?.type !== 'redirect') throw new Error('no redirect');
    const biz = JSON.parse(new URL(page.nextAction.url).searchParams.get('biz_content')!);
    expect(biz.extend_params).toEqual({ royalty_freeze: 'true' });
  });

  it('binds a receiver, splits to it in yuan, answers a repeat with the same settle and never splits twice', async () => {
    const t = await paidTrade({ profitSharing: true });
    expect(await bind(platformCut)).toMatchObject({ status: 'succeeded', providerCode: 'SUCCESS' });
    expect(h.alipaySim.royalty.receivers()).toContainEqual({
      type: 'userId',
      account: '2088000000001111',
      name: 'Paygrid Ltd',
      memo: 'platform',
    });
    const input = splitOf(t, [{ receiver: platformCut, amount: 1_234n, description: 'commission' }]);
    const first = await h.alipay.split(input);
    expect(first).toMatchObject({ status: 'succeeded' });
    expect(first.providerSplitTransactionId).toMatch(/^\d{32}$/);
    const transfer = t.royalty!.settles[0].transfers[0];
    expect(transfer).toMatchObject({
      transIn: '2088000000001111',
      transInType: 'userId',
      amount: 1_234n,
      desc: 'commission',
    });
    expect(h.alipaySim.royalty.unsplit(t, 0n)).toBe(10_000n - 1_234n);

    const again = await h.alipay.split(input);
    expect(again).toMatchObject({ status: 'succeeded', providerSplitTransactionId: first.providerSplitTransactionId });
    expect(t.royalty!.settles).toHaveLength(1);
    expect(h.alipaySim.royalty.splitTotal(t)).toBe(1_234n);
    expect(await h.alipay.querySplit(input)).toMatchObject({ status: 'succeeded' });
  });

  it('a personal receiver is named by its login (loginName)', async () => {
    const t = await paidTrade({ profitSharing: true });
    expect((await bind(courier)).status).toBe('succeeded');
    expect(h.alipaySim.royalty.receivers()).toContainEqual({
      type: 'loginName',
      account: 'courier@example.com',
      name: '张三',
    });
    expect(
      (await h.alipay.split(splitOf(t, [{ receiver: courier, amount: 500n, description: 'delivery' }]))).status,
    ).toBe('succeeded');
    expect(t.royalty!.settles[0].transfers[0]).toMatchObject({
      transInType: 'loginName',
      transIn: 'courier@example.com',
    });
  });

  it('refuses, as failed and with no state change: an unbound receiver, an over-split, a trade not frozen', async () => {
    const t = await paidTrade({ profitSharing: true });
    await bind(platformCut);
    const before = snapshot(t);
    const stranger: SplitReceiver = { type: 'merchant', account: '2088000000002222', name: 'Nobody' };
    expect(await h.alipay.split(splitOf(t, [{ receiver: stranger, amount: 100n, description: 'x' }]))).toMatchObject({
      status: 'failed',
      retryable: false,
      providerCode: 'ACQ.ROYALTY_RECEIVER_INVALID',
    });
    expect(snapshot(t)).toBe(before);

    // Alipay's default cap: 30% of the total.
    expect(
      await h.alipay.split(splitOf(t, [{ receiver: platformCut, amount: 3_001n, description: 'x' }])),
    ).toMatchObject({
      status: 'failed',
      providerCode: 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR',
    });
    expect(snapshot(t)).toBe(before);

    // With the cap raised, still never more than the unsplit frozen money.
    h.alipaySim.royalty.maxRoyaltyPercent = 100;
    expect(
      (await h.alipay.split(splitOf(t, [{ receiver: platformCut, amount: 9_000n, description: 'x' }]))).status,
    ).toBe('succeeded');
    const afterOne = snapshot(t);
    expect(
      await h.alipay.split(splitOf(t, [{ receiver: platformCut, amount: 1_001n, description: 'x' }])),
    ).toMatchObject({
      status: 'failed',
      providerCode: 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR',
    });
    expect(snapshot(t)).toBe(afterOne);
    expect(h.alipaySim.royalty.unsplit(t, 0n)).toBe(1_000n);

    const plain = await paidTrade();
    const plainBefore = snapshot(plain);
    expect(
      await h.alipay.split(splitOf(plain, [{ receiver: platformCut, amount: 100n, description: 'x' }])),
    ).toMatchObject({
      status: 'failed',
      providerCode: 'ACQ.ILLEGAL_SETTLE_STATE',
    });
    expect(snapshot(plain)).toBe(plainBefore);
    expect(plain.royalty?.settles ?? []).toHaveLength(0);
  });

  it('a receiver that does not exist is not bound; a split in another currency is refused without a call', async () => {
    const before = h.alipaySim.royalty.receivers().length;
    expect(await bind({ type: 'merchant', account: '2088000000090000', name: 'Ghost' })).toMatchObject({
      status: 'failed',
      providerCode: 'ACQ.USER_NOT_EXIST',
    });
    expect(h.alipaySim.royalty.receivers()).toHaveLength(before);
    const calls = h.alipaySim.tokenLog.length;
    const t = await paidTrade({ profitSharing: true });
    const afterCreate = h.alipaySim.tokenLog.length;
    expect(
      await h.alipay.split(splitOf(t, [{ receiver: platformCut, amount: 1n, description: 'x' }], { currency: 'USD' })),
    ).toMatchObject({
      status: 'failed',
      providerCode: 'currency_not_supported',
    });
    expect(afterCreate).toBeGreaterThan(calls);
    expect(h.alipaySim.tokenLog.length).toBe(afterCreate);
  });

  it('returns royalty from the receiver through a refund of 0 with refund_royalty_parameters: the buyer gets nothing back', async () => {
    const t = await paidTrade({ profitSharing: true });
    await bind(platformCut);
    const split = splitOf(t, [{ receiver: platformCut, amount: 2_000n, description: 'commission' }]);
    const done = await h.alipay.split(split);
    const ret = {
      channel: 'alipay_qr' as const,
      providerOrderId: t.outTradeNo,
      providerTransactionId: t.tradeNo,
      providerSplitId: split.providerSplitId,
      providerSplitTransactionId: done.providerSplitTransactionId,
      providerReturnId: `ret_${n++}`,
      receiver: platformCut,
      amount: 800n,
      currency: 'CNY',
      description: 'order partly refunded',
    };
    expect(await h.alipay.returnSplit(ret)).toMatchObject({ status: 'succeeded', providerCode: 'SUCCESS' });
    expect(t.royalty!.returns).toEqual([
      expect.objectContaining({ transOut: '2088000000001111', transOutType: 'userId', amount: 800n }),
    ]);
    expect(t.refunds).toEqual([]);
    expect(t.status).toBe('TRADE_SUCCESS');
    // The same return again is the same return.
    expect((await h.alipay.returnSplit(ret)).status).toBe('succeeded');
    expect(t.royalty!.returns).toHaveLength(1);
    // More than the receiver still holds from this trade: refused, nothing moves.
    const before = snapshot(t);
    expect(await h.alipay.returnSplit({ ...ret, providerReturnId: `ret_${n++}`, amount: 1_201n })).toMatchObject({
      status: 'failed',
      providerCode: 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR',
    });
    expect(snapshot(t)).toBe(before);
  });

  it('releases the remainder with royalty_finish and no royalty; afterwards nothing is frozen and no split is taken', async () => {
    const t = await paidTrade({ profitSharing: true });
    await bind(platformCut);
    expect(
      (await h.alipay.split(splitOf(t, [{ receiver: platformCut, amount: 1_000n, description: 'c' }]))).status,
    ).toBe('succeeded');
    const release = {
      channel: 'alipay_qr' as const,
      providerOrderId: t.outTradeNo,
      providerTransactionId: t.tradeNo,
      providerReleaseId: `rel_${n++}`,
      description: 'done',
    };
    expect(await h.alipay.releaseSplitRemainder(release)).toMatchObject({ status: 'succeeded' });
    expect(t.royalty!.finished).toBe(true);
    expect(t.royalty!.settles.at(-1)!.transfers).toEqual([]);
    expect(h.alipaySim.royalty.unsplit(t, 0n)).toBe(0n);
    expect((await h.alipay.releaseSplitRemainder(release)).status).toBe('succeeded');
    const before = snapshot(t);
    expect(
      await h.alipay.split(splitOf(t, [{ receiver: platformCut, amount: 100n, description: 'late' }])),
    ).toMatchObject({
      status: 'failed',
      providerCode: 'ACQ.ILLEGAL_SETTLE_STATE',
    });
    expect(snapshot(t)).toBe(before);
  });

  it('a split with finish releases the rest in the same settle', async () => {
    const t = await paidTrade({ profitSharing: true });
    await bind(platformCut);
    expect(
      (await h.alipay.split(splitOf(t, [{ receiver: platformCut, amount: 700n, description: 'c' }], { finish: true })))
        .status,
    ).toBe('succeeded');
    expect(t.royalty!.finished).toBe(true);
    expect(h.alipaySim.royalty.splitTotal(t)).toBe(700n);
  });

  it('ACQ.TRADE_SETTLE_ERROR is unknown and retryable; the query says pending, then succeeded; the repeat is the same settle', async () => {
    const t = await paidTrade({ profitSharing: true });
    await bind(platformCut);
    h.alipaySim.royalty.holdNextSettles = 1;
    const input = splitOf(t, [{ receiver: platformCut, amount: 300n, description: 'c' }]);
    expect(await h.alipay.split(input)).toMatchObject({
      status: 'unknown',
      retryable: true,
      providerCode: 'ACQ.TRADE_SETTLE_ERROR',
    });
    expect(await h.alipay.querySplit(input)).toMatchObject({ status: 'pending' });
    await waitFor(async () => (await h.alipay.querySplit(input)).status === 'succeeded', 'held settle to complete');
    expect((await h.alipay.split(input)).status).toBe('succeeded');
    expect(t.royalty!.settles).toHaveLength(1);
    expect(h.alipaySim.royalty.splitTotal(t)).toBe(300n);
    // A settle never made: not found, and safe to send.
    expect(await h.alipay.querySplit({ ...input, providerSplitId: 'spl_never' })).toMatchObject({
      status: 'unknown',
      retryable: true,
      providerCode: 'SPLIT_NOT_FOUND',
    });
  });

  it('a settle whose answer is lost is retried with the same out_request_no and happens once', async () => {
    const t = await paidTrade({ profitSharing: true });
    await bind(platformCut);
    h.alipaySim.setSwitches({ timeoutNext: 1 });
    expect((await h.alipay.split(splitOf(t, [{ receiver: platformCut, amount: 250n, description: 'c' }]))).status).toBe(
      'succeeded',
    );
    expect(t.royalty!.settles).toHaveLength(1);
    expect(h.alipaySim.royalty.splitTotal(t)).toBe(250n);
  });

  it('direct mode: every royalty call carries the merchant’s app_auth_token and acts on the merchant’s own relation set', async () => {
    const code = h.alipaySim.issueAuthCode({ authAppId: '2021000000000321', userId: '2088000000000321' });
    const auth = await h.alipay.exchangeAppAuthToken({ grantType: 'authorization_code', code });
    if (!auth.ok) throw new Error('no token');
    const token = auth.tokens.appAuthToken;
    const t = await paidTrade({ profitSharing: true, appAuthToken: token });
    expect(t.authAppId).toBe('2021000000000321');
    const from = h.alipaySim.tokenLog.length;
    expect((await bind(platformCut, token)).status).toBe('succeeded');
    expect(h.alipaySim.royalty.receivers('2021000000000321')).toContainEqual(
      expect.objectContaining({ account: '2088000000001111' }),
    );
    const input = splitOf(t, [{ receiver: platformCut, amount: 900n, description: 'platform fee' }], {
      appAuthToken: token,
    });
    expect((await h.alipay.split(input)).status).toBe('succeeded');
    expect((await h.alipay.querySplit(input)).status).toBe('succeeded');
    const base = {
      channel: 'alipay_qr' as const,
      providerOrderId: t.outTradeNo,
      providerTransactionId: t.tradeNo,
      appAuthToken: token,
    };
    expect(
      (
        await h.alipay.returnSplit({
          ...base,
          providerSplitId: input.providerSplitId,
          providerReturnId: `ret_${n++}`,
          receiver: platformCut,
          amount: 100n,
          currency: 'CNY',
          description: 'r',
        })
      ).status,
    ).toBe('succeeded');
    expect(
      (await h.alipay.releaseSplitRemainder({ ...base, providerReleaseId: `rel_${n++}`, description: 'd' })).status,
    ).toBe('succeeded');
    const calls = h.alipaySim.tokenLog.slice(from);
    expect(calls.map((c) => c.method)).toEqual([
      'alipay.trade.royalty.relation.bind',
      'alipay.trade.order.settle',
      'alipay.trade.order.settle.query',
      'alipay.trade.refund',
      'alipay.trade.fastpay.refund.query',
      'alipay.trade.order.settle',
    ]);
    expect(calls.every((c) => c.appAuthToken === token)).toBe(true);
    expect(t.royalty!.finished).toBe(true);

    // Without the token the platform acts as itself: the merchant's trade is not its own.
    const t2 = await paidTrade({ profitSharing: true, appAuthToken: token });
    const before = snapshot(t2);
    expect(
      await h.alipay.split(splitOf(t2, [{ receiver: platformCut, amount: 100n, description: 'x' }])),
    ).toMatchObject({
      status: 'failed',
      providerCode: 'ACQ.TRADE_NOT_EXIST',
    });
    expect(snapshot(t2)).toBe(before);
  });
});
