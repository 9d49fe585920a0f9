import { WechatPaySimulator } from '../../src/modules/sandbox/wechatpay/wechatpay.simulator';
import { TestApp, TEST_ADMIN_TOKEN, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, effectsOf, pay, waitForStatus } from '../utils/payments-kit';
import { http, waitFor } from '../utils/http';

/** WeChat Pay service-provider mode through the API: a direct-mode merchant's orders go to its sub-merchant. */
describe('WeChat direct mode (e2e, sandbox over HTTP)', () => {
  let t: TestApp;
  let direct: OnboardedMerchant;
  let collected: OnboardedMerchant;
  let n = 0;
  const SUB = '1900000109';

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    direct = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    collected = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    const put = await http('PUT', `${t.baseUrl}/admin/v1/merchants/${direct.merchantId}/provider-accounts/wechat`, {
      token: TEST_ADMIN_TOKEN,
      body: { mode: 'direct', sub_mchid: SUB },
    });
    expect(put.status).toBe(200);
  });
  afterAll(() => t.close());

  const create = (m: OnboardedMerchant, body: Record<string, unknown> = {}) =>
    m.client.post<any>('/v1/payments', {
      out_trade_no: `wxd-${++n}-${Date.now()}`,
      amount: 10000,
      currency: 'CNY',
      subject: 'Coffee',
      channel: 'wechat_native',
      ...body,
    });
  const sim = () => t.app.get(WechatPaySimulator);

  it('a direct-mode merchant pays through the partner endpoint for its sub_mchid, and refunds with it', async () => {
    const p = await create(direct);
    expect(sim().orders.get(p.id)).toMatchObject({ subMchid: SUB });
    expect(await pay(t.baseUrl, p)).toBeLessThan(300);
    await waitForStatus(direct.client, p.id, 'succeeded');
    const r = await direct.client.post<any>('/v1/refunds', {
      payment_id: p.id,
      out_refund_no: `${p.id}-r1`,
      amount: 4000,
    });
    expect(['pending', 'succeeded']).toContain(r.status);
    await waitFor(async () => (await direct.client.get<any>(`/v1/refunds/${r.id}`)).status === 'succeeded', {
      what: 'refund',
    });
    expect(
      sim()
        .orders.get(p.id)!
        .refunds.map((x) => x.amount),
    ).toEqual([4000n]);
  });

  it('a collected-mode merchant is unchanged: its orders are the platform mchid', async () => {
    const p = await create(collected);
    expect(sim().orders.get(p.id)!.subMchid).toBeUndefined();
    await pay(t.baseUrl, p);
    await waitForStatus(collected.client, p.id, 'succeeded');
  });

  it("a callback naming another sub_mchid than the payment's merchant is refused and changes nothing", async () => {
    const p = await create(direct);
    // The provider's side now says another sub-merchant: its signed callback must not pay this merchant's order.
    sim().orders.get(p.id)!.subMchid = '1900000999';
    await pay(t.baseUrl, p);
    const row = await waitFor(
      async () => {
        const rows = await t.dataSource.query(
          `SELECT outcome, detail FROM provider_callbacks WHERE provider_order_id = $1`,
          [p.id],
        );
        // The row is stored as 'received' first and given its outcome once handled: wait for the outcome.
        return rows[0]?.outcome === 'received' ? undefined : rows[0];
      },
      { what: 'the callback row with its outcome' },
    );
    expect(row).toMatchObject({ outcome: 'rejected_mismatch', detail: expect.stringContaining('sub_mchid') });
    expect((await direct.client.get<any>(`/v1/payments/${p.id}`)).status).toBe('pending');
    expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 0, events: [] });
  });
});
