import { TestApp, startTestApp } from '../utils/test-app';
import { waitFor } from '../utils/http';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';

describe('payments smoke (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  beforeAll(async () => {
    t = await startTestApp({ SANDBOX_TIME_COMPRESSION: '10000', RESOLVER_BASE_MS: '200', RESOLVER_POLL_MS: '100', PROVIDER_TIMEOUT_MS: '1500' });
    m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
  });
  afterAll(() => t.close());

  it('takes an alipay_qr payment through the sandbox payer', async () => {
    const p = await m.client.post<any>('/v1/payments', { out_trade_no: 'smoke-1', amount: 10000, currency: 'CNY', channel: 'alipay_qr', subject: 'Coffee' });
    expect(p).toMatchObject({ status: 'pending', next_action: { type: 'qr_code' } });
    const pay = await fetch(p.next_action.qr_code, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'success' }) });
    expect(pay.status).toBeLessThan(300);
    const done = await waitFor(async () => {
      const r = await m.client.get<any>(`/v1/payments/${p.id}`);
      return r.status === 'succeeded' ? r : undefined;
    }, { what: 'payment succeeded' });
    expect(done).toMatchObject({ amount_captured: 10000, fee: 60 });
  });
});
