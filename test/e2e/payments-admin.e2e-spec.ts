import { TestApp, TEST_ADMIN_TOKEN, startTestApp } from '../utils/test-app';
import { expectErrorShape, http } from '../utils/http';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, card, effectsOf } from '../utils/payments-kit';

describe('admin: payments and refunds across merchants (e2e)', () => {
  let t: TestApp;
  let a: OnboardedMerchant;
  let b: OnboardedMerchant;
  let viewer: string;
  const admin = (method: string, path: string, body?: unknown, token = TEST_ADMIN_TOKEN) =>
    http(method, `${t.baseUrl}/admin/v1${path}`, { token, body });

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    a = await onboardMerchant(t, { name: 'A' });
    b = await onboardMerchant(t, { name: 'B' });
    viewer = (await admin('POST', '/tokens', { name: 'support', role: 'viewer' })).body.token;
  });
  afterAll(() => t.close());

  it('finds payments across merchants by merchant, status, channel and out_trade_no, and shows the timeline', async () => {
    const pa = await a.client.post<any>('/v1/payments', {
      out_trade_no: 'adm-a',
      amount: 900,
      currency: 'CNY',
      channel: 'card',
      subject: 'A',
      card: { encrypted: await a.client.encryptCard(card('4242424242424242')) },
    });
    const pb = await b.client.post<any>('/v1/payments', {
      out_trade_no: 'adm-b',
      amount: 500,
      currency: 'CNY',
      channel: 'alipay_qr',
      subject: 'B',
    });
    const all = await admin('GET', '/payments', undefined, viewer);
    expect(all.body.data.map((p: any) => p.id)).toEqual(expect.arrayContaining([pa.id, pb.id]));
    expect(
      (await admin('GET', `/payments?merchant_id=${b.merchantId}`, undefined, viewer)).body.data.map((p: any) => p.id),
    ).toEqual([pb.id]);
    expect(
      (await admin('GET', '/payments?status=succeeded', undefined, viewer)).body.data.map((p: any) => p.id),
    ).toEqual([pa.id]);
    expect(
      (await admin('GET', '/payments?out_trade_no=adm-b', undefined, viewer)).body.data.map((p: any) => p.id),
    ).toEqual([pb.id]);
    const detail = await admin('GET', `/payments/${pa.id}`, undefined, viewer);
    expect(detail.body).toMatchObject({
      id: pa.id,
      merchant_id: a.merchantId,
      timeline: [expect.objectContaining({ from: 'pending', to: 'succeeded', cause: 'provider_response' })],
      refunds: [],
    });
    expectErrorShape(
      await admin('GET', '/payments/pay_01m8aaaaaaaaaaaaaaaaaaaaaa', undefined, viewer),
      404,
      'resource_missing',
    );
  });

  it('refunds on a merchant’s behalf, audited with the operator, while a viewer may not', async () => {
    const p = await a.client.post<any>('/v1/payments', {
      out_trade_no: 'adm-r',
      amount: 1000,
      currency: 'CNY',
      channel: 'card',
      subject: 'A',
      card: { encrypted: await a.client.encryptCard(card('4242424242424242')) },
    });
    expectErrorShape(
      await admin('POST', `/payments/${p.id}/refunds`, { out_refund_no: 'ops-1', amount: 100 }, viewer),
      403,
      'admin_role_required',
    );
    const r = await admin('POST', `/payments/${p.id}/refunds`, {
      out_refund_no: 'ops-1',
      amount: 300,
      reason: 'goodwill',
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'succeeded', amount: 300, payment_id: p.id });
    expect(await effectsOf(t.dataSource, r.body.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
    const audit = await admin('GET', `/audit-log?target_id=${p.id}`, undefined, viewer);
    expect(audit.body.data).toEqual([
      expect.objectContaining({
        action: 'refund.create',
        actor: expect.stringMatching(/^atk_/),
        after: expect.objectContaining({ id: r.body.id, amount: 300 }),
      }),
    ]);
    const timeline = (await admin('GET', `/payments/${p.id}`, undefined, viewer)).body.timeline;
    expect(timeline).toEqual(
      expect.arrayContaining([expect.objectContaining({ cause: 'admin', refund_id: r.body.id })]),
    );
    const refunds = await admin('GET', `/refunds?merchant_id=${a.merchantId}`, undefined, viewer);
    expect(refunds.body.data.map((x: any) => x.id)).toContain(r.body.id);
    // The merchant sees it as one of its refunds too.
    expect((await a.client.get<any>(`/v1/refunds/${r.body.id}`)).amount).toBe(300);
  });
});
