import { verifyWebhook } from '@paygrid/sdk';
import { AlipaySimulator } from '../../src/modules/sandbox/alipay/alipay.simulator';
import { WechatPaySimulator } from '../../src/modules/sandbox/wechatpay/wechatpay.simulator';
import { merchantServer } from '../utils/checkout-kit';
import { FAST_EVENTS_ENV } from '../utils/events-kit';
import { http, waitFor } from '../utils/http';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, count, merchantLedger, pay, trialBalanceIsZero, waitForStatus } from '../utils/payments-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

const PLATFORM = '1900000100';
const RECEIVER = { type: 'merchant', account: '1900000301', name: 'Partner Receiver Co', description: 'Partner share' };

/** Profit sharing (分账) through the API, WeChat Pay sandbox: splits, returns, release, races, ledger, events, webhooks. */
describe('profit sharing (e2e, WeChat Pay sandbox)', () => {
  let t: TestApp;
  let shop: Awaited<ReturnType<typeof merchantServer>>;
  let n = 0;
  let sub = 1900000500;
  const sim = () => t.app.get(WechatPaySimulator);

  beforeAll(async () => {
    shop = await merchantServer();
    t = await startTestApp({
      ...FAST_SANDBOX_ENV,
      ...FAST_EVENTS_ENV,
      SPLIT_PLATFORM_RECEIVER_WECHATPAY: PLATFORM,
      SPLIT_PLATFORM_RECEIVER_WECHATPAY_NAME: 'Paygrid Platform Ltd',
    });
  });
  afterAll(async () => {
    await t?.close();
    await shop?.close();
  });

  /** A merchant of its own (its balances are exactly its payments'), direct mode for its own sub_mchid unless collected. */
  async function merchant(mode: 'direct' | 'collected'): Promise<OnboardedMerchant> {
    const m = await onboardMerchant(t, { merchant: { fee_bps: 60 }, webhookUrl: `${shop.url}/hooks` });
    if (mode === 'direct') {
      const put = await http('PUT', `${t.baseUrl}/admin/v1/merchants/${m.merchantId}/provider-accounts/wechat`, {
        token: TEST_ADMIN_TOKEN,
        body: { mode: 'direct', sub_mchid: String(++sub) },
      });
      expect(put.status).toBe(200);
    }
    return m;
  }

  async function paid(m: OnboardedMerchant, body: Record<string, unknown> = { profit_sharing: true }) {
    const p = await m.client.post<any>('/v1/payments', {
      out_trade_no: `ps-${++n}-${Date.now()}`,
      amount: 10000,
      currency: 'CNY',
      subject: 'Dinner',
      channel: 'wechat_native',
      ...body,
    });
    await pay(t.baseUrl, p);
    return waitForStatus(m.client, p.id, 'succeeded');
  }

  const split = (m: OnboardedMerchant, paymentId: string, body: unknown) =>
    m.client.request<any>('POST', `/v1/payments/${paymentId}/splits`, { body });
  const settledSplit = (m: OnboardedMerchant, id: string) =>
    waitFor(
      async () => {
        const s = await m.client.get<any>(`/v1/splits/${id}`);
        return s.status !== 'pending' ? s : undefined;
      },
      { what: `split ${id} to finish`, timeoutMs: 15_000 },
    );
  const splitEvents = (merchantId: string) =>
    t.dataSource
      .query(`SELECT type, aggregate_id FROM events WHERE merchant_id = $1 AND type LIKE 'split.%' ORDER BY id`, [
        merchantId,
      ])
      .then((rows: Array<{ type: string; aggregate_id: string }>) => rows);
  const splitEntries = (merchantId: string) =>
    count(
      t.dataSource,
      `SELECT 1 FROM ledger_entries WHERE merchant_id = $1 AND reference_type IN ('split', 'split_return')`,
      [merchantId],
    );

  describe('a direct-mode merchant splits, returns and releases', () => {
    let m: OnboardedMerchant;
    let payment: any;
    let first: any;

    beforeAll(async () => {
      m = await merchant('direct');
      payment = await paid(m);
    });

    it('makes the WeChat order with profit sharing, for the sub-merchant', () => {
      expect(payment).toMatchObject({ profit_sharing: true, split_state: 'open', money_mode: 'direct', fee: 60 });
      expect(sim().orders.get(payment.id)).toMatchObject({ profitSharing: true, subMchid: String(sub) });
    });

    it("splits to a receiver and the platform's commission to the platform: memo pair shrinks, the fee receivable is settled, no payable", async () => {
      const res = await split(m, payment.id, {
        receivers: [
          { ...RECEIVER, amount: 2000 },
          { type: 'platform', amount: 60, description: 'Platform commission' },
        ],
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ object: 'split', kind: 'split', amount: 2060, payment_id: payment.id });
      first = await settledSplit(m, res.body.id);
      expect(first).toMatchObject({
        status: 'succeeded',
        receivers: [
          { account: RECEIVER.account, amount: 2000, platform: false, result: 'succeeded' },
          { account: PLATFORM, amount: 60, platform: true, result: 'succeeded' },
        ],
      });
      // Both receivers were added at WeChat for this sub-merchant before the split, the platform's as its service provider.
      const ps = sim().profitSharing;
      expect(ps.receivers.get(`${sub}|MERCHANT_ID|${RECEIVER.account}`)).toMatchObject({ name: RECEIVER.name });
      expect(ps.receivers.get(`${sub}|MERCHANT_ID|${PLATFORM}`)).toMatchObject({
        name: 'Paygrid Platform Ltd',
        relation: 'SERVICE_PROVIDER',
      });
      expect(await merchantLedger(t.dataSource, m.merchantId)).toEqual({
        'merchant_direct_receipts:wechatpay': 7940,
        'merchant_direct_sales:wechatpay': 7940,
        merchant_fee_receivable: 0,
      });
      const [platform] = await t.dataSource.query(
        `SELECT sum(CASE WHEN p.direction = 'debit' THEN p.amount ELSE -p.amount END)::int AS clearing
           FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id
          WHERE e.reference_id = $1 AND a.code = 'provider_clearing'`,
        [first.id],
      );
      // The commission is the platform's money now, at WeChat.
      expect(platform.clearing).toBe(60);
      expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    });

    it('binds a receiver once: a second split to it adds nobody', async () => {
      const adds = sim().profitSharing.calls.filter((c) => c === 'receivers/add').length;
      const res = await split(m, payment.id, { receivers: [{ ...RECEIVER, amount: 1000 }] });
      expect(res.status).toBe(201);
      expect((await settledSplit(m, res.body.id)).status).toBe('succeeded');
      expect(sim().profitSharing.calls.filter((c) => c === 'receivers/add').length).toBe(adds);
      expect((await m.client.get<any>(`/v1/payments/${payment.id}`)).amount_split).toBe(3060);
    });

    it('returns part of a split: the postings reverse by the returned amount', async () => {
      const res = await m.client.request<any>('POST', `/v1/splits/${first.id}/returns`, {
        body: { amount: 500, receiver_account: RECEIVER.account, description: 'Order partly refunded' },
      });
      expect(res.status).toBe(201);
      await waitFor(
        async () => (await m.client.get<any>(`/v1/splits/${first.id}`)).returns?.[0]?.status === 'succeeded',
        { what: 'the split return', timeoutMs: 15_000 },
      );
      const s = await m.client.get<any>(`/v1/splits/${first.id}`);
      expect(s).toMatchObject({ amount_returned: 500, receivers: [{ amount_returned: 500 }, { amount_returned: 0 }] });
      expect(await merchantLedger(t.dataSource, m.merchantId)).toEqual({
        'merchant_direct_receipts:wechatpay': 7440,
        'merchant_direct_sales:wechatpay': 7440,
        merchant_fee_receivable: 0,
      });
      // More than the receiver has left (2000 − 500) is refused and written nowhere.
      const over = await m.client.request<any>('POST', `/v1/splits/${first.id}/returns`, {
        body: { amount: 1501, receiver_account: RECEIVER.account, description: 'x' },
      });
      expect(over.status).toBe(409);
      expect(over.body.error.code).toBe('split_return_exceeds_available');
      expect(await count(t.dataSource, 'SELECT 1 FROM split_returns WHERE split_id = $1', [first.id])).toBe(1);
    });

    it('releases the rest; afterwards a split is refused with nothing written or sent', async () => {
      const res = await m.client.request<any>('POST', `/v1/payments/${payment.id}/splits/release`, { body: {} });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'release', amount: 6940 });
      expect((await settledSplit(m, res.body.id)).status).toBe('succeeded');
      expect((await m.client.get<any>(`/v1/payments/${payment.id}`)).split_state).toBe('released');

      const before = { splits: await count(t.dataSource, 'SELECT 1 FROM splits WHERE payment_id = $1', [payment.id]) };
      const events = (await splitEvents(m.merchantId)).length;
      const entries = await splitEntries(m.merchantId);
      const calls = sim().profitSharing.calls.length;
      const refused = await split(m, payment.id, { receivers: [{ ...RECEIVER, amount: 1 }] });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('splits_released');
      expect(await count(t.dataSource, 'SELECT 1 FROM splits WHERE payment_id = $1', [payment.id])).toBe(before.splits);
      expect((await splitEvents(m.merchantId)).length).toBe(events);
      expect(await splitEntries(m.merchantId)).toBe(entries);
      expect(sim().profitSharing.calls.length).toBe(calls);
      expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    });

    it('announced every step as events and signed webhooks', async () => {
      const types = (await splitEvents(m.merchantId)).map((e) => e.type);
      expect(types).toEqual(['split.succeeded', 'split.succeeded', 'split.returned', 'split.released']);
      const hooks = await waitFor(
        async () => {
          // Only this payment's webhooks (the shop serves every merchant here), each verified with this merchant's secret.
          const mine = shop.webhooks
            .filter((w) => w.body.includes(payment.id) && w.body.includes('"split.'))
            .map((w) => verifyWebhook(m.webhookSecret!, w.body, w.headers) as any);
          return new Set(mine.map((e) => e.id)).size >= 4 ? mine : undefined;
        },
        { what: 'the split webhooks', timeoutMs: 15_000 },
      );
      expect([...new Set(hooks.map((e: any) => e.type))].sort()).toEqual([
        'split.released',
        'split.returned',
        'split.succeeded',
      ]);
      const returned = hooks.find((e: any) => e.type === 'split.returned');
      expect(returned.data.object).toMatchObject({ id: first.id, object: 'split', amount_returned: 500 });
    });
  });

  it('refuses bad splits with stable codes, and posts, writes and sends nothing for them', async () => {
    const m = await merchant('direct');
    const plain = await paid(m, {});
    const ps = await paid(m);
    const open = await m.client.post<any>('/v1/payments', {
      out_trade_no: `ps-open-${++n}`,
      amount: 10000,
      currency: 'CNY',
      subject: 'Unpaid',
      channel: 'wechat_native',
      profit_sharing: true,
    });
    const calls = sim().profitSharing.calls.length;
    const cases: Array<[string, unknown, number, string]> = [
      [plain.id, { receivers: [{ ...RECEIVER, amount: 100 }] }, 409, 'payment_not_splittable'],
      [open.id, { receivers: [{ ...RECEIVER, amount: 100 }] }, 409, 'payment_not_splittable'],
      [ps.id, { receivers: [{ ...RECEIVER, amount: 10001 }] }, 409, 'split_amount_exceeds_available'],
      [ps.id, { receivers: [{ type: 'merchant', amount: 100, description: 'x' }] }, 400, 'parameter_invalid'],
      [ps.id, { receivers: [{ ...RECEIVER, type: 'bank', amount: 100 }] }, 400, 'parameter_invalid'],
      [ps.id, { receivers: [] }, 400, 'parameter_invalid'],
      [
        ps.id,
        {
          receivers: [
            { ...RECEIVER, amount: 100 },
            { ...RECEIVER, amount: 100 },
          ],
        },
        400,
        'parameter_invalid',
      ],
    ];
    for (const [id, body, status, code] of cases) {
      const res = await split(m, id, body);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
    }
    expect(await count(t.dataSource, 'SELECT 1 FROM splits WHERE merchant_id = $1', [m.merchantId])).toBe(0);
    expect(await splitEvents(m.merchantId)).toEqual([]);
    expect(await splitEntries(m.merchantId)).toBe(0);
    expect(sim().profitSharing.calls.length).toBe(calls);
    expect((await m.client.get<any>(`/v1/payments/${ps.id}`)).amount_split).toBe(0);
  });

  it('a split retried with its Idempotency-Key is the same split: one row, one provider order, one event', async () => {
    const m = await merchant('direct');
    const p = await paid(m);
    const body = { receivers: [{ ...RECEIVER, amount: 700 }] };
    const first = await m.client.request<any>('POST', `/v1/payments/${p.id}/splits`, {
      body,
      idempotencyKey: 'split-1',
    });
    const again = await m.client.request<any>('POST', `/v1/payments/${p.id}/splits`, {
      body,
      idempotencyKey: 'split-1',
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.replayed).toBe(true);
    await settledSplit(m, first.body.id);
    expect(await count(t.dataSource, 'SELECT 1 FROM splits WHERE payment_id = $1', [p.id])).toBe(1);
    expect((await m.client.get<any>(`/v1/payments/${p.id}`)).amount_split).toBe(700);
    const tx = sim().orders.get(p.id)!.transactionId;
    expect([...sim().profitSharing.splitOrders.values()].filter((o) => o.transactionId === tx)).toHaveLength(1);
    expect((await splitEvents(m.merchantId)).map((e) => e.type)).toEqual(['split.succeeded']);
  });

  it('money split away is not refundable until it is returned: refunds and splits share one limit', async () => {
    const m = await merchant('direct');
    const p = await paid(m);
    const res = await split(m, p.id, { receivers: [{ ...RECEIVER, amount: 6000 }] });
    const s = await settledSplit(m, res.body.id);
    expect(s.status).toBe('succeeded');
    const refund = (amount: number, no: string) =>
      m.client.request<any>('POST', '/v1/refunds', { body: { payment_id: p.id, out_refund_no: no, amount } });
    const over = await refund(4001, `${p.id}-r0`);
    expect({ status: over.status, code: over.body.error?.code }).toEqual({
      status: 400,
      code: 'refund_amount_exceeds_available',
    });
    expect(await count(t.dataSource, 'SELECT 1 FROM refunds WHERE payment_id = $1', [p.id])).toBe(0);
    // A return of 1000 makes 1000 refundable again (and nothing splittable: it is no longer frozen).
    await m.client.request<any>('POST', `/v1/splits/${s.id}/returns`, { body: { amount: 1000, description: 'back' } });
    await waitFor(async () => (await m.client.get<any>(`/v1/payments/${p.id}`)).amount_split_returned === 1000, {
      what: 'the return',
      timeoutMs: 15_000,
    });
    expect((await refund(5000, `${p.id}-r1`)).status).toBe(201);
    const more = await split(m, p.id, { receivers: [{ ...RECEIVER, amount: 1 }] });
    expect(more.body.error?.code).toBe('split_amount_exceeds_available');
  });

  it('10 concurrent splits whose sum exceeds the payment: the accepted ones fit, the rest are 409, ledger and events only for the accepted', async () => {
    const m = await merchant('direct');
    const p = await paid(m);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => split(m, p.id, { receivers: [{ ...RECEIVER, amount: 1500 }] })),
    );
    const accepted = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    // 6 × 1500 = 9000 fits in 10000; a seventh would not.
    expect(accepted).toHaveLength(6);
    expect(refused.map((r) => [r.status, r.body.error.code])).toEqual(
      Array(4).fill([409, 'split_amount_exceeds_available']),
    );
    for (const r of accepted) expect((await settledSplit(m, r.body.id)).status).toBe('succeeded');
    expect((await m.client.get<any>(`/v1/payments/${p.id}`)).amount_split).toBe(9000);
    expect(await count(t.dataSource, 'SELECT 1 FROM splits WHERE payment_id = $1', [p.id])).toBe(6);
    expect(await splitEntries(m.merchantId)).toBe(6);
    expect((await splitEvents(m.merchantId)).map((e) => e.type)).toEqual(Array(6).fill('split.succeeded'));
    expect((await merchantLedger(t.dataSource, m.merchantId))['merchant_direct_receipts:wechatpay']).toBe(1000);
    // At WeChat too: exactly the accepted splits.
    const atWechat = [...sim().profitSharing.splitOrders.values()].filter(
      (s) => s.transactionId === sim().orders.get(p.id)!.transactionId,
    );
    expect(atWechat).toHaveLength(6);
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
  });

  it("Alipay (direct mode, the merchant's authorisation): the platform's commission settles the fee receivable, no payable", async () => {
    const m = await merchant('collected');
    const code = t.app.get(AlipaySimulator).issueAuthCode({ authAppId: '2021000000000301' });
    const auth = await http(
      'POST',
      `${t.baseUrl}/admin/v1/merchants/${m.merchantId}/provider-accounts/alipay/authorise`,
      {
        token: TEST_ADMIN_TOKEN,
        body: { app_auth_code: code },
      },
    );
    expect(auth.status).toBeLessThan(300);
    const p = await paid(m, { profit_sharing: true, channel: 'alipay_qr' });
    expect(p.money_mode).toBe('direct');
    const res = await split(m, p.id, {
      receivers: [
        { type: 'merchant', account: '2088000000000301', name: 'Alipay Receiver', amount: 2000, description: 'share' },
        { type: 'platform', amount: 60, description: 'Platform commission' },
      ],
    });
    expect(res.status).toBe(201);
    expect((await settledSplit(m, res.body.id)).status).toBe('succeeded');
    expect(await merchantLedger(t.dataSource, m.merchantId)).toEqual({
      'merchant_direct_receipts:alipay': 7940,
      'merchant_direct_sales:alipay': 7940,
      merchant_fee_receivable: 0,
    });
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
  });

  it('Alipay (collected mode): royalty freeze on create, a split to a 2088 account, a return and the release, through the same API', async () => {
    const m = await merchant('collected');
    const p = await paid(m, { profit_sharing: true, channel: 'alipay_qr' });
    const res = await split(m, p.id, {
      receivers: [
        { type: 'merchant', account: '2088000000000301', name: 'Alipay Receiver', amount: 2000, description: 'share' },
      ],
    });
    expect(res.status).toBe(201);
    const s = await settledSplit(m, res.body.id);
    expect(s).toMatchObject({ status: 'succeeded', amount: 2000 });
    const ret = await m.client.request<any>('POST', `/v1/splits/${s.id}/returns`, {
      body: { amount: 500, description: 'refunded order' },
    });
    expect(ret.status).toBe(201);
    await waitFor(async () => (await m.client.get<any>(`/v1/splits/${s.id}`)).returns?.[0]?.status === 'succeeded', {
      what: 'the Alipay split return',
      timeoutMs: 15_000,
    });
    const rel = await m.client.request<any>('POST', `/v1/payments/${p.id}/splits/release`, { body: {} });
    expect(rel.status).toBe(201);
    expect((await settledSplit(m, rel.body.id)).status).toBe('succeeded');
    // 9940 owed, 2000 split away, 500 back.
    expect(await merchantLedger(t.dataSource, m.merchantId)).toEqual({ merchant_pending: 8440 });
    expect((await splitEvents(m.merchantId)).map((e) => e.type)).toEqual([
      'split.succeeded',
      'split.returned',
      'split.released',
    ]);
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
  });

  it('a collected-mode merchant splits out of what the platform owes it; its fee stays withheld and is not splittable to the platform', async () => {
    const m = await merchant('collected');
    const p = await paid(m);
    expect(sim().orders.get(p.id)!.subMchid).toBeUndefined();
    expect(await merchantLedger(t.dataSource, m.merchantId)).toEqual({ merchant_pending: 9940 });
    const platform = await split(m, p.id, { receivers: [{ type: 'platform', amount: 60, description: 'fee' }] });
    expect(platform.status).toBe(409);
    expect(platform.body.error.code).toBe('split_receiver_unavailable');
    // The merchant's own share is 9940: one more fen is the platform's fee.
    const over = await split(m, p.id, { receivers: [{ ...RECEIVER, amount: 9941 }] });
    expect(over.body.error?.code).toBe('split_amount_exceeds_available');
    const res = await split(m, p.id, { receivers: [{ ...RECEIVER, amount: 3000 }], finish: true });
    expect(res.status).toBe(201);
    expect((await settledSplit(m, res.body.id)).status).toBe('succeeded');
    expect(await merchantLedger(t.dataSource, m.merchantId)).toEqual({ merchant_pending: 6940 });
    // finish released the rest with the split.
    expect((await m.client.get<any>(`/v1/payments/${p.id}`)).split_state).toBe('released');
    expect((await splitEvents(m.merchantId)).map((e) => e.type)).toEqual(['split.succeeded']);
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
  });

  it('collected mode: a profit-sharing payment is settled only once released, together with its splits', async () => {
    const m = await merchant('collected');
    const held = await paid(m);
    const plain = await paid(m, {});
    const row = await http<any>('GET', `${t.baseUrl}/admin/v1/merchants/${m.merchantId}`, { token: TEST_ADMIN_TOKEN });
    const day = (offset: number) =>
      new Intl.DateTimeFormat('en-CA', { timeZone: row.body.timezone }).format(
        new Date(Date.now() + offset * 86_400_000),
      );
    const settle = async (d: string) => {
      const r = await http<any>('POST', `${t.baseUrl}/admin/v1/settlements/run`, {
        token: TEST_ADMIN_TOKEN,
        body: { day: d, merchant_id: m.merchantId, force: true },
      });
      expect(r.status).toBe(200);
      return r.body.data as Array<{ net_amount: number; transferred_amount: number }>;
    };
    const lines = () =>
      t.dataSource.query(
        `SELECT l.reference_type, l.reference_id, l.kind, l.net_amount::int AS net
           FROM settlement_lines l JOIN settlements s ON s.id = l.settlement_id
          WHERE s.merchant_id = $1 ORDER BY l.id`,
        [m.merchantId],
      );
    // Today: only the plain payment; the profit-sharing one waits for its release.
    const [today] = await settle(day(0));
    expect(today).toMatchObject({ net_amount: 9940, transferred_amount: 9940 });
    expect(await lines()).toEqual([{ reference_type: 'payment', reference_id: plain.id, kind: 'payment', net: 9940 }]);
    expect((await merchantLedger(t.dataSource, m.merchantId)).merchant_pending).toBe(9940);
    // The merchant splits 30.00 of it away and releases the rest.
    const res = await split(m, held.id, { receivers: [{ ...RECEIVER, amount: 3000 }], finish: true });
    const done = await settledSplit(m, res.body.id);
    expect(done.status).toBe('succeeded');
    expect((await m.client.get<any>(`/v1/payments/${held.id}`)).split_state).toBe('released');
    // The next day's settlement takes the payment and its split together: 9940 - 3000 reaches the merchant.
    const [next] = await settle(day(1));
    expect(next).toMatchObject({ net_amount: 6940, transferred_amount: 6940 });
    expect((await lines()).slice(1)).toEqual([
      { reference_type: 'payment', reference_id: held.id, kind: 'payment', net: 9940 },
      { reference_type: 'split', reference_id: done.id, kind: 'adjustment', net: -3000 },
    ]);
    expect((await merchantLedger(t.dataSource, m.merchantId)).merchant_pending ?? 0).toBe(0);
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
  });
});
