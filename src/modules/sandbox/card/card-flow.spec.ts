import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { CreatePaymentInput, ParsedCallback } from '../../providers/provider.port';
import { alipayTimestamp } from '../../providers/alipay/alipay-signature.util';
import { SANDBOX_CARDS } from './card.simulator';

let h: Harness;
let n = 0;
const order = (number: string, over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'card',
  providerOrderId: `pay_card_${Date.now()}_${n++}`,
  amount: 5000n,
  currency: 'USD',
  subject: 'Card order',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  notifyUrl: `${h.callbackUrl}/card`,
  card: { number, exp_month: 12, exp_year: 2030, cvc: '123' },
  ...over,
});
const callbacksFor = (id: string) =>
  h.received
    .filter((r) => r.provider === 'card' && r.result.ok && r.result.callback.providerOrderId === id)
    .map((r) => (r.result as { callback: ParsedCallback }).callback);

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.cardSim.controls.reset());

describe('Card adapter <-> acquirer simulator over HTTP', () => {
  it('4242… is captured at once; 4000…0002 is declined; a bad Luhn never leaves the platform', async () => {
    const ok = await h.card.createPayment(order(SANDBOX_CARDS.approved));
    expect(ok).toMatchObject({ status: 'succeeded', amount: 5000n, capturedAmount: 5000n });
    expect(ok.raw as { brand: string; last4: string }).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(await h.card.createPayment(order(SANDBOX_CARDS.declined))).toMatchObject({
      status: 'failed',
      providerCode: 'card_declined',
    });
    expect(await h.card.createPayment(order('4242424242424241'))).toMatchObject({
      status: 'failed',
      providerCode: 'invalid_number',
    });
  });

  it('3-D Secure (4000…3220): requires_action, challenge page, payer succeeds, signed callback', async () => {
    const input = order(SANDBOX_CARDS.threeDSecure);
    const r = await h.card.createPayment(input);
    expect(r.status).toBe('requires_action');
    const url = (r.nextAction as { type: string; url: string }).url;
    expect(r.nextAction?.type).toBe('three_d_secure');
    expect((await fetch(url)).status).toBe(200);
    expect((await payerActs(url, 'success')).body.status).toBe('captured');
    const cb = await waitFor(() => callbacksFor(input.providerOrderId)[0], '3ds callback');
    expect(cb).toMatchObject({ kind: 'payment', status: 'succeeded', amount: 5000n, currency: 'USD' });
    expect((await h.card.query('card', input.providerOrderId)).status).toBe('succeeded');
  });

  it('3-D Secure failed by the payer is declined', async () => {
    const input = order(SANDBOX_CARDS.threeDSecure);
    const url = ((await h.card.createPayment(input)).nextAction as { url: string }).url;
    await payerActs(url, 'fail');
    const cb = await waitFor(() => callbacksFor(input.providerOrderId)[0], 'declined callback');
    expect(cb.status).toBe('failed');
  });

  it('manual capture: authorize, partial capture, then void is refused; void of an uncaptured auth closes it', async () => {
    const a = order(SANDBOX_CARDS.approved, { captureMethod: 'manual' });
    expect((await h.card.createPayment(a)).status).toBe('authorized');
    expect(await h.card.capture(a.providerOrderId, 3000n, 'USD')).toMatchObject({
      status: 'succeeded',
      capturedAmount: 3000n,
    });
    expect((await h.card.capture(a.providerOrderId, 6000n, 'USD')).status).toBe('failed');
    const b = order(SANDBOX_CARDS.approved, { captureMethod: 'manual' });
    await h.card.createPayment(b);
    expect((await h.card.close('card', b.providerOrderId)).status).toBe('closed');
  });

  it('refunds: sync, idempotent, over-captured refused, async with callback, fail switch', async () => {
    const p = order(SANDBOX_CARDS.approved);
    await h.card.createPayment(p);
    const base = {
      channel: 'card' as const,
      providerOrderId: p.providerOrderId,
      paymentAmount: 5000n,
      currency: 'USD',
      notifyUrl: `${h.callbackUrl}/card`,
    };
    expect(await h.card.refund({ ...base, providerRefundId: 're_c1', amount: 1000n })).toMatchObject({
      status: 'succeeded',
      amount: 1000n,
    });
    expect((await h.card.refund({ ...base, providerRefundId: 're_c1', amount: 1000n })).status).toBe('succeeded');
    expect((await h.card.refund({ ...base, providerRefundId: 're_c2', amount: 4001n })).status).toBe('failed');
    h.cardSim.setSwitches({ asyncRefund: true });
    expect((await h.card.refund({ ...base, providerRefundId: 're_c3', amount: 2000n })).status).toBe('pending');
    const cb = await waitFor(() => callbacksFor(p.providerOrderId).find((c) => c.kind === 'refund'), 'refund callback');
    expect(cb).toMatchObject({ providerRefundId: 're_c3', status: 'succeeded', amount: 2000n });
    h.cardSim.setSwitches({ asyncRefund: false, failNextRefund: 1 });
    expect(await h.card.refund({ ...base, providerRefundId: 're_c4', amount: 1n })).toMatchObject({
      status: 'failed',
      providerCode: 'refund_declined',
    });
    expect((await h.card.queryRefund('card', p.providerOrderId, 're_c3')).status).toBe('succeeded');
  });

  it('switches: fail create declines, timeout is unknown (and query converges), duplicate and never callbacks', async () => {
    h.cardSim.setSwitches({ failNextCreate: 1 });
    expect(await h.card.createPayment(order(SANDBOX_CARDS.approved))).toMatchObject({
      status: 'failed',
      providerCode: 'do_not_honor',
    });
    h.cardSim.setSwitches({ timeoutNext: 1 });
    const t = order(SANDBOX_CARDS.approved);
    expect(await h.card.createPayment(t)).toMatchObject({ status: 'unknown', retryable: true });
    expect((await h.card.query('card', t.providerOrderId)).status).toBe('succeeded');

    h.cardSim.setSwitches({ duplicateCallback: true });
    const d = order(SANDBOX_CARDS.threeDSecure);
    await payerActs(((await h.card.createPayment(d)).nextAction as { url: string }).url, 'success');
    await waitFor(() => callbacksFor(d.providerOrderId).length === 2, 'duplicate');
    h.cardSim.setSwitches({ duplicateCallback: false, neverCallback: true });
    const nv = order(SANDBOX_CARDS.threeDSecure);
    await payerActs(((await h.card.createPayment(nv)).nextAction as { url: string }).url, 'success');
    await waitFor(() => h.cardSim.deliveries().find((x) => x.state === 'dropped'), 'dropped');
    expect(callbacksFor(nv.providerOrderId)).toHaveLength(0);
  });

  it('statement lists captures and refunds of the UTC+8 day', async () => {
    const p = order(SANDBOX_CARDS.approved, { amount: 777n });
    await h.card.createPayment(p);
    const lines = await h.card.fetchStatement(alipayTimestamp().slice(0, 10));
    expect(lines.find((l) => l.providerOrderId === p.providerOrderId)).toMatchObject({
      kind: 'payment',
      amount: 777n,
      currency: 'USD',
    });
  });
});
