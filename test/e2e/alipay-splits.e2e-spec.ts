import { verifyWebhook } from '@paygrid/sdk';
import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { merchantServer } from '../utils/checkout-kit';
import { FAST_EVENTS_ENV } from '../utils/events-kit';
import { http, waitFor } from '../utils/http';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, count, merchantLedger, pay, trialBalanceIsZero, waitForStatus } from '../utils/payments-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

const PLATFORM = '2088000000000009';
const RECEIVER = {
  type: 'merchant',
  account: '2088000000000301',
  name: 'Partner Receiver Co',
  description: 'Partner share',
};
const AUTH_APP_ID = '2021000000000501';
const USER_ID = '2088000000000501';

/**
 * Profit sharing (分账) through the API for a direct-mode Alipay merchant (第三方应用授权): the payment is made
 * with royalty_freeze, splits are alipay.trade.order.settle calls carrying the merchant's app_auth_token, a
 * return is a refund of 0 with refund_royalty_parameters, the release a settle with royalty_finish; ledger,
 * events and webhooks as for WeChat (test/e2e/splits.e2e-spec.ts).
 */
describe('profit sharing (e2e, Alipay sandbox, direct mode)', () => {
  let t: TestApp;
  let shop: Awaited<ReturnType<typeof merchantServer>>;
  let m: OnboardedMerchant;
  let token: string;
  let n = 0;
  const sim = () => t.app.get(AlipaySimulator);

  beforeAll(async () => {
    shop = await merchantServer();
    t = await startTestApp({
      ...FAST_SANDBOX_ENV,
      ...FAST_EVENTS_ENV,
      SPLIT_PLATFORM_RECEIVER_ALIPAY: PLATFORM,
      SPLIT_PLATFORM_RECEIVER_ALIPAY_NAME: 'Paygrid Platform Ltd',
    });
    m = await onboardMerchant(t, { merchant: { fee_bps: 60 }, webhookUrl: `${shop.url}/hooks` });
    const code = sim().issueAuthCode({ authAppId: AUTH_APP_ID, userId: USER_ID });
    const res = await http<any>(
      'POST',
      `${t.baseUrl}/admin/v1/merchants/${m.merchantId}/provider-accounts/alipay/authorise`,
      {
        token: TEST_ADMIN_TOKEN,
        body: { app_auth_code: code },
      },
    );
    expect(res.status).toBe(200);
    token = [...sim().appAuthTokens].find(([, v]) => v.authAppId === AUTH_APP_ID)![0];
  });
  afterAll(async () => {
    await t?.close();
    await shop?.close();
  });

  async function paid(body: Record<string, unknown> = { profit_sharing: true }) {
    const p = await m.client.post<any>('/v1/payments', {
      out_trade_no: `aps-${++n}-${Date.now()}`,
      amount: 10000,
      currency: 'CNY',
      subject: 'Dinner',
      channel: 'alipay_qr',
      ...body,
    });
    await pay(t.baseUrl, p);
    return waitForStatus(m.client, p.id, 'succeeded');
  }
  const split = (paymentId: string, body: unknown) =>
    m.client.request<any>('POST', `/v1/payments/${paymentId}/splits`, { body });
  const settledSplit = (id: string) =>
    waitFor(
      async () => {
        const s = await m.client.get<any>(`/v1/splits/${id}`);
        return s.status !== 'pending' ? s : undefined;
      },
      { what: `split ${id} to finish`, timeoutMs: 15_000 },
    );
  const splitEvents = () =>
    t.dataSource
      .query(`SELECT type, aggregate_id FROM events WHERE merchant_id = $1 AND type LIKE 'split.%' ORDER BY id`, [
        m.merchantId,
      ])
      .then((rows: Array<{ type: string; aggregate_id: string }>) => rows);
  const splitEntries = () =>
    count(
      t.dataSource,
      `SELECT 1 FROM ledger_entries WHERE merchant_id = $1 AND reference_type IN ('split', 'split_return')`,
      [m.merchantId],
    );
  /** The royalty calls the simulator saw, and whether each carried the merchant's token. */
  const royaltyCalls = () =>
    sim().tokenLog.filter((c) => /royalty|order\.settle|trade\.refund|refund\.query/.test(c.method));

  describe('split, return, release', () => {
    let payment: any;
    let first: any;

    beforeAll(async () => {
      payment = await paid();
    });

    it('makes the Alipay trade frozen for splits (royalty_freeze), as the merchant’s own', () => {
      expect(payment).toMatchObject({ profit_sharing: true, split_state: 'open', money_mode: 'direct', fee: 60 });
      expect(sim().trades.get(payment.id)).toMatchObject({
        royaltyFreeze: true,
        authAppId: AUTH_APP_ID,
        sellerId: USER_ID,
      });
    });

    it("splits to a receiver and the platform's commission: both bound in the merchant's relation set first, the ledger moves, no payable", async () => {
      const res = await split(payment.id, {
        receivers: [
          { ...RECEIVER, amount: 2000 },
          { type: 'platform', amount: 60, description: 'Platform commission' },
        ],
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ object: 'split', kind: 'split', amount: 2060, payment_id: payment.id });
      first = await settledSplit(res.body.id);
      expect(first).toMatchObject({
        status: 'succeeded',
        receivers: [
          { account: RECEIVER.account, amount: 2000, platform: false },
          { account: PLATFORM, amount: 60, platform: true },
        ],
      });
      const receivers = sim().royalty.receivers(AUTH_APP_ID);
      expect(receivers).toContainEqual(
        expect.objectContaining({ type: 'userId', account: RECEIVER.account, name: RECEIVER.name }),
      );
      expect(receivers).toContainEqual(
        expect.objectContaining({ type: 'userId', account: PLATFORM, name: 'Paygrid Platform Ltd' }),
      );
      const trade = sim().trades.get(payment.id)!;
      expect(trade.royalty!.settles).toHaveLength(1);
      expect(trade.royalty!.settles[0].transfers.map((x) => [x.transIn, x.amount, x.state])).toEqual([
        [RECEIVER.account, 2000n, 'SUCCESS'],
        [PLATFORM, 60n, 'SUCCESS'],
      ]);
      expect(royaltyCalls().length).toBeGreaterThan(0);
      expect(royaltyCalls().every((c) => c.appAuthToken === token)).toBe(true);
      expect(await merchantLedger(t.dataSource, m.merchantId)).toEqual({
        'merchant_direct_receipts:alipay': 7940,
        'merchant_direct_sales:alipay': 7940,
        merchant_fee_receivable: 0,
      });
      expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    });

    it('binds a receiver once: a second split to it binds nobody', async () => {
      const binds = sim().tokenLog.filter((c) => c.method === 'alipay.trade.royalty.relation.bind').length;
      const res = await split(payment.id, { receivers: [{ ...RECEIVER, amount: 900 }] });
      expect(res.status).toBe(201);
      expect((await settledSplit(res.body.id)).status).toBe('succeeded');
      expect(sim().tokenLog.filter((c) => c.method === 'alipay.trade.royalty.relation.bind').length).toBe(binds);
      expect((await m.client.get<any>(`/v1/payments/${payment.id}`)).amount_split).toBe(2960);
    });

    it('a split Alipay refuses (above its 30% cap) is failed: split.failed, no ledger entry, nothing moved at Alipay', async () => {
      const entries = await splitEntries();
      const ledger = await merchantLedger(t.dataSource, m.merchantId);
      const res = await split(payment.id, { receivers: [{ ...RECEIVER, amount: 100 }] });
      expect(res.status).toBe(201);
      const s = await settledSplit(res.body.id);
      expect(s).toMatchObject({ status: 'failed', failure_code: 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR' });
      expect(await splitEntries()).toBe(entries);
      expect(await merchantLedger(t.dataSource, m.merchantId)).toEqual(ledger);
      expect(sim().trades.get(payment.id)!.royalty!.settles).toHaveLength(2);
      expect((await m.client.get<any>(`/v1/payments/${payment.id}`)).amount_split).toBe(2960);
    });

    it('returns part of a split through a refund of 0 with refund_royalty_parameters: the buyer gets nothing, the postings reverse', async () => {
      const res = await m.client.request<any>('POST', `/v1/splits/${first.id}/returns`, {
        body: { amount: 500, receiver_account: RECEIVER.account, description: 'Order partly refunded' },
      });
      expect(res.status).toBe(201);
      await waitFor(
        async () => (await m.client.get<any>(`/v1/splits/${first.id}`)).returns?.[0]?.status === 'succeeded',
        {
          what: 'the split return',
          timeoutMs: 15_000,
        },
      );
      const trade = sim().trades.get(payment.id)!;
      expect(trade.royalty!.returns).toEqual([expect.objectContaining({ transOut: RECEIVER.account, amount: 500n })]);
      expect(trade.refunds).toEqual([]);
      expect(trade.status).toBe('TRADE_SUCCESS');
      expect(await merchantLedger(t.dataSource, m.merchantId)).toEqual({
        'merchant_direct_receipts:alipay': 7540,
        'merchant_direct_sales:alipay': 7540,
        merchant_fee_receivable: 0,
      });
      const over = await m.client.request<any>('POST', `/v1/splits/${first.id}/returns`, {
        body: { amount: 1501, receiver_account: RECEIVER.account, description: 'x' },
      });
      expect(over.status).toBe(409);
      expect(over.body.error.code).toBe('split_return_exceeds_available');
      expect(trade.royalty!.returns).toHaveLength(1);
    });

    it('releases the rest with royalty_finish; afterwards a split is refused with nothing written or sent', async () => {
      const res = await m.client.request<any>('POST', `/v1/payments/${payment.id}/splits/release`, { body: {} });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'release', amount: 7040 });
      expect((await settledSplit(res.body.id)).status).toBe('succeeded');
      expect((await m.client.get<any>(`/v1/payments/${payment.id}`)).split_state).toBe('released');
      const trade = sim().trades.get(payment.id)!;
      expect(trade.royalty!.finished).toBe(true);
      expect(sim().royalty.unsplit(trade, 0n)).toBe(0n);
      expect(royaltyCalls().every((c) => c.appAuthToken === token)).toBe(true);

      const splits = await count(t.dataSource, 'SELECT 1 FROM splits WHERE payment_id = $1', [payment.id]);
      const events = (await splitEvents()).length;
      const entries = await splitEntries();
      const calls = sim().tokenLog.length;
      const refused = await split(payment.id, { receivers: [{ ...RECEIVER, amount: 1 }] });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('splits_released');
      expect(await count(t.dataSource, 'SELECT 1 FROM splits WHERE payment_id = $1', [payment.id])).toBe(splits);
      expect((await splitEvents()).length).toBe(events);
      expect(await splitEntries()).toBe(entries);
      expect(sim().tokenLog.length).toBe(calls);
      expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    });

    it('announced every step as events and signed webhooks', async () => {
      const ids = (await t.dataSource.query(`SELECT id FROM splits WHERE payment_id = $1`, [payment.id])).map(
        (r: { id: string }) => r.id,
      );
      const types = (await splitEvents()).filter((e) => ids.includes(e.aggregate_id)).map((e) => e.type);
      expect(types).toEqual(['split.succeeded', 'split.succeeded', 'split.failed', 'split.returned', 'split.released']);
      const hooks = await waitFor(
        async () => {
          const mine = shop.webhooks
            .filter((w) => w.body.includes(payment.id) && w.body.includes('"split.'))
            .map((w) => verifyWebhook(m.webhookSecret!, w.body, w.headers) as any);
          return new Set(mine.map((e) => e.id)).size >= 5 ? mine : undefined;
        },
        { what: 'the split webhooks', timeoutMs: 15_000 },
      );
      expect([...new Set(hooks.map((e: any) => e.type))].sort()).toEqual([
        'split.failed',
        'split.released',
        'split.returned',
        'split.succeeded',
      ]);
      const returned = hooks.find((e: any) => e.type === 'split.returned');
      expect(returned.data.object).toMatchObject({ id: first.id, object: 'split', amount_returned: 500 });
    });
  });

  it('a settle Alipay answers with ACQ.TRADE_SETTLE_ERROR stays pending; the resolver completes it by query, once', async () => {
    const p = await paid();
    const entries = await splitEntries();
    sim().royalty.holdNextSettles = 1;
    const res = await split(p.id, { receivers: [{ ...RECEIVER, amount: 1000 }] });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending');
    expect((await settledSplit(res.body.id)).status).toBe('succeeded');
    const trade = sim().trades.get(p.id)!;
    expect(trade.royalty!.settles).toHaveLength(1);
    expect(sim().royalty.splitTotal(trade)).toBe(1000n);
    expect(await splitEntries()).toBe(entries + 1);
    expect(sim().tokenLog.filter((c) => c.method === 'alipay.trade.order.settle.query').length).toBeGreaterThan(0);
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
  });

  it('a payment made without profit_sharing is not frozen at Alipay and not splittable: nothing sent', async () => {
    const plain = await paid({});
    expect(sim().trades.get(plain.id)!.royaltyFreeze).toBeUndefined();
    const calls = sim().tokenLog.length;
    const res = await split(plain.id, { receivers: [{ ...RECEIVER, amount: 100 }] });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 409, code: 'payment_not_splittable' });
    expect(sim().tokenLog.length).toBe(calls);
    expect(await count(t.dataSource, 'SELECT 1 FROM splits WHERE payment_id = $1', [plain.id])).toBe(0);
  });
});
