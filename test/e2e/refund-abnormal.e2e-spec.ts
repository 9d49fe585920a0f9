import { WechatPaySimulator } from '../../src/modules/sandbox/wechatpay/wechatpay.simulator';
import { RefundsService } from '../../src/modules/payments/refunds/refunds.service';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, count, effectsOf, pay, trialBalanceIsZero, waitForStatus } from '../utils/payments-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';
import { expectErrorShape, http, waitFor } from '../utils/http';

/**
 * Issue 18, "WeChat ABNORMAL refunds": the payer's account cannot take the
 * money. The refund stays pending (never failed), is flagged for an operator,
 * the ledger does not move; the operator retries it through
 * apply-abnormal-refund or settles it by hand, and the ledger follows.
 */
describe('WeChat Pay ABNORMAL refunds (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let n = 0;
  const BANK_ACCOUNT = '6222020200001234567';
  const REAL_NAME = '张三丰';

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${t.baseUrl}/admin/v1${path}`, { token: TEST_ADMIN_TOKEN, body });
  const control = (body: Record<string, unknown>) => http('POST', `${t.baseUrl}/sandbox/wechatpay/_control`, { body });
  const auditRows = (refundId: string) =>
    t.dataSource.query(`SELECT action, before, after FROM audit_log WHERE target_id = $1 ORDER BY created_at`, [
      refundId,
    ]);
  // Not next_check_at: the resolver keeps querying a flagged refund meanwhile, as it should.
  const refundRow = async (id: string) =>
    (
      await t.dataSource.query(
        `SELECT status, attention, attention_since, failure_code, fee_refunded::text, next_check_at IS NULL AS done
           FROM refunds WHERE id = $1`,
        [id],
      )
    )[0];

  async function paidWechat(merchant: OnboardedMerchant = m): Promise<any> {
    const p = await merchant.client.post<any>('/v1/payments', {
      out_trade_no: `abn-${++n}-${Date.now()}`,
      amount: 10000,
      currency: 'CNY',
      subject: 'Tea',
      channel: 'wechat_native',
    });
    expect(await pay(t.baseUrl, p)).toBeLessThan(300);
    return waitForStatus(merchant.client, p.id, 'succeeded');
  }

  /** A refund WeChat accepts (PROCESSING) and then notifies REFUND.ABNORMAL. */
  async function abnormalRefund(p: any, merchant: OnboardedMerchant = m): Promise<any> {
    expect((await control({ abnormal_next_refund: 1 })).status).toBe(200);
    const r = await merchant.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-abn` });
    expect(r.status).toBe('pending');
    return waitFor(
      async () => {
        const page = await admin('GET', '/refunds?attention=provider_abnormal&limit=100');
        return page.body.data.find((x: any) => x.id === r.id);
      },
      { what: `${r.id} flagged provider_abnormal` },
    );
  }

  it('ABNORMAL stays open and flagged with no ledger move; bad operator input changes nothing; apply-abnormal-refund then SUCCESS posts the ledger once', async () => {
    const p = await paidWechat();
    const flagged = await abnormalRefund(p);
    expect(flagged).toMatchObject({
      status: 'pending',
      attention: 'provider_abnormal',
      attention_since: expect.any(String),
      merchant_id: m.merchantId,
      provider_refund_id: expect.any(String),
      failure_code: null,
    });
    // The merchant sees an open refund, not a failure; nothing is reversed, nothing is announced.
    expect(await m.client.get<any>(`/v1/refunds/${flagged.id}`)).toMatchObject({ status: 'pending' });
    expect(await effectsOf(t.dataSource, flagged.id)).toEqual({ entries: 0, events: [] });
    expect((await m.client.get<any>(`/v1/payments/${p.id}`)).amount_refunded).toBe(0);
    // Unflagged refunds are not listed under the filter.
    const all = await admin('GET', `/refunds?attention=provider_abnormal&payment_id=${p.id}`);
    expect(all.body.data.map((x: any) => x.id)).toEqual([flagged.id]);

    // Bad input: 4xx in the error shape, and nothing changes.
    const before = await refundRow(flagged.id);
    for (const [body, status, code] of [
      [{ type: 'USER_BANK_CARD', bank_type: 'ICBC_DEBIT' }, 400, 'parameter_invalid'],
      [{ type: 'MERCHANT_BANK_CARD', bank_account: BANK_ACCOUNT }, 400, 'parameter_invalid'],
      [{ type: 'PAYER_WALLET' }, 400, 'parameter_invalid'],
      [
        { type: 'USER_BANK_CARD', bank_type: 'ICBC_DEBIT', bank_account: '12ab', real_name: REAL_NAME },
        400,
        'parameter_invalid',
      ],
      [{ type: 'MERCHANT_BANK_CARD', note: 'x' }, 400, 'parameter_unknown'],
    ] as const) {
      const res = await admin('POST', `/refunds/${flagged.id}/retry-abnormal`, body);
      expectErrorShape(res, status, code);
    }
    expectErrorShape(await admin('POST', `/refunds/${flagged.id}/resolve`, { outcome: 'maybe', reason: 'x y z' }), 400);
    expectErrorShape(await admin('POST', `/refunds/${flagged.id}/resolve`, { outcome: 'succeeded' }), 400);
    expectErrorShape(
      await admin('POST', '/refunds/re_00000000000000000000000000/retry-abnormal', { type: 'MERCHANT_BANK_CARD' }),
      404,
    );
    expect(await refundRow(flagged.id)).toEqual(before);
    expect(await auditRows(flagged.id)).toEqual([]);
    expect(await effectsOf(t.dataSource, flagged.id)).toEqual({ entries: 0, events: [] });

    // The retry: to the payer's bank card. WeChat answers PROCESSING, then notifies SUCCESS.
    const retried = await admin('POST', `/refunds/${flagged.id}/retry-abnormal`, {
      type: 'USER_BANK_CARD',
      bank_type: 'ICBC_DEBIT',
      bank_account: BANK_ACCOUNT,
      real_name: REAL_NAME,
    });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: flagged.id, status: 'pending', attention: null });
    expect(retried.text).not.toContain(BANK_ACCOUNT);
    const done = await waitForStatus(m.client, flagged.id, 'succeeded', '/v1/refunds');
    expect(done).toMatchObject({ amount: 10000, fee_refunded: 60 });
    expect(await effectsOf(t.dataSource, flagged.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
    // The same success heard again (a query, a repeated notification) posts nothing more.
    await t.app.get(RefundsService).applyOutcome(flagged.id, { status: 'succeeded' }, 'provider_query');
    expect(await effectsOf(t.dataSource, flagged.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
    expect((await m.client.get<any>(`/v1/payments/${p.id}`)).amount_refunded).toBe(10000);
    expect(await refundRow(flagged.id)).toMatchObject({ status: 'succeeded', attention: null, done: true });

    // Audited once, without the payer's bank details.
    const audit = await auditRows(flagged.id);
    expect(audit.map((a: any) => a.action)).toEqual(['refund.retry_abnormal']);
    expect(audit[0].before).toMatchObject({ attention: 'provider_abnormal' });
    expect(audit[0].after.operator_request).toEqual({ type: 'USER_BANK_CARD', bank_type: 'ICBC_DEBIT' });
    expect(
      await count(t.dataSource, `SELECT 1 FROM audit_log WHERE after::text LIKE $1 OR after::text LIKE $2`, [
        `%${BANK_ACCOUNT}%`,
        `%${REAL_NAME}%`,
      ]),
    ).toBe(0);

    // Once settled, the operator routes refuse it (409) and change nothing.
    expectErrorShape(
      await admin('POST', `/refunds/${flagged.id}/resolve`, { outcome: 'failed', reason: 'late click' }),
      409,
      'refund_not_awaiting_operator',
    );
    expect(await effectsOf(t.dataSource, flagged.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
  });

  it("a direct-mode (service-provider) merchant's ABNORMAL refund is retried under its sub_mchid, and completes", async () => {
    const direct = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    const SUB = '1900000301';
    const put = await admin('PUT', `/merchants/${direct.merchantId}/provider-accounts/wechat`, {
      mode: 'direct',
      sub_mchid: SUB,
    });
    expect(put.status).toBe(200);
    const p = await paidWechat(direct);
    const sim = t.app.get(WechatPaySimulator);
    expect(sim.orders.get(p.id)).toMatchObject({ subMchid: SUB });
    const flagged = await abnormalRefund(p, direct);
    // WeChat knows a partner order's refund only under its sub_mchid: a retry without it would be RESOURCE_NOT_EXISTS.
    const retried = await admin('POST', `/refunds/${flagged.id}/retry-abnormal`, { type: 'MERCHANT_BANK_CARD' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: flagged.id, status: 'pending', attention: null });
    const done = await waitForStatus(direct.client, flagged.id, 'succeeded', '/v1/refunds');
    expect(done).toMatchObject({ amount: 10000 });
    expect(sim.orders.get(p.id)!.refunds.map((r) => r.status)).toEqual(['SUCCESS']);
    expect(await effectsOf(t.dataSource, flagged.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
  });

  it('resolved by hand as failed: no ledger entry, the amount is refundable again, refund.failed with the reason', async () => {
    const p = await paidWechat();
    const flagged = await abnormalRefund(p);
    const res = await admin('POST', `/refunds/${flagged.id}/resolve`, {
      outcome: 'failed',
      reason: 'payer asked for store credit instead',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'failed',
      attention: null,
      failure_code: 'resolved_by_operator',
      failure_message: 'payer asked for store credit instead',
    });
    expect(await effectsOf(t.dataSource, flagged.id)).toEqual({ entries: 0, events: ['refund.failed'] });
    expect((await auditRows(flagged.id)).map((a: any) => a.action)).toEqual(['refund.resolve']);
    // The reserved amount came back: Paygrid accepts a refund of the whole payment again (whether WeChat,
    // still holding its ABNORMAL refund, takes it is WeChat's answer to that new refund).
    const again = await m.client.post<any>('/v1/refunds', { payment_id: p.id, out_refund_no: `${p.id}-again` });
    expect(again.amount).toBe(10000);
  });

  it('resolved by hand as succeeded (refunded on the merchant platform): the ledger posts it once', async () => {
    const p = await paidWechat();
    const flagged = await abnormalRefund(p);
    const res = await admin('POST', `/refunds/${flagged.id}/resolve`, {
      outcome: 'succeeded',
      reason: 'refunded by hand on the merchant platform',
    });
    expect(res.body).toMatchObject({ status: 'succeeded', attention: null, fee_refunded: 60 });
    expect(await effectsOf(t.dataSource, flagged.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
    // A later query still answering ABNORMAL changes nothing: the refund is no longer open.
    await t.app
      .get(RefundsService)
      .applyOutcome(flagged.id, { status: 'pending', needsOperator: true, providerCode: 'ABNORMAL' }, 'provider_query');
    expect(await refundRow(flagged.id)).toMatchObject({ status: 'succeeded', attention: null });
    expect(await effectsOf(t.dataSource, flagged.id)).toEqual({ entries: 1, events: ['refund.succeeded'] });
  });

  it('a refund that needs no operator cannot be retried or resolved by hand', async () => {
    const p = await paidWechat();
    const r = await m.client.post<any>('/v1/refunds', {
      payment_id: p.id,
      out_refund_no: `${p.id}-normal`,
      amount: 100,
    });
    expectErrorShape(
      await admin('POST', `/refunds/${r.id}/resolve`, { outcome: 'succeeded', reason: 'just because' }),
      409,
      'refund_not_awaiting_operator',
    );
    expectErrorShape(
      await admin('POST', `/refunds/${r.id}/retry-abnormal`, { type: 'MERCHANT_BANK_CARD' }),
      409,
      'refund_not_awaiting_operator',
    );
    expect(await auditRows(r.id)).toEqual([]);
  });
});
