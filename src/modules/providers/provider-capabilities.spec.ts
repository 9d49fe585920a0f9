import {
  canAuthorizeApps,
  canCapture,
  canRetryAbnormalRefund,
  checksFields,
  type CapturingProvider,
  type PaymentProvider,
} from './provider.port';

const base = { name: 'alipay', channels: ['alipay_qr'] } as unknown as PaymentProvider;

describe('provider capabilities', () => {
  it('finds a capability only where the provider has the method', () => {
    const capturing = { ...base, capture: async () => ({ status: 'succeeded' }) } as unknown as PaymentProvider;
    expect(canCapture(capturing)).toBe(true);
    expect(canCapture(base)).toBe(false);
    expect(checksFields(base)).toBe(false);
    expect(checksFields({ ...base, checkFields: () => undefined } as unknown as PaymentProvider)).toBe(true);
    expect(canRetryAbnormalRefund(base)).toBe(false);
    expect(canAuthorizeApps(base)).toBe(false);
    expect(canAuthorizeApps({ ...base, exchangeAppAuthToken: async () => ({}) } as unknown as PaymentProvider)).toBe(
      true,
    );
    expect(canRetryAbnormalRefund({ ...base, retryAbnormalRefund: 1 } as unknown as PaymentProvider)).toBe(false);
  });

  it('narrows the provider so the capability is called without a check of its own', async () => {
    const p = { ...base, capture: async () => ({ status: 'succeeded' as const }) } as unknown as PaymentProvider;
    // @ts-expect-error: capture is not on the port, only on CapturingProvider
    void p.capture;
    if (!canCapture(p)) throw new Error('expected a capturing provider');
    const narrowed: CapturingProvider = p;
    await expect(narrowed.capture('pay_1', 100n, 'CNY')).resolves.toEqual({ status: 'succeeded' });
  });
});
