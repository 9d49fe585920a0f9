import { CHANNELS } from '../providers/provider.port';
import { providerOf } from './payment-ledger.util';

describe('providerOf', () => {
  it('names the provider of every channel by its family, as the clearing accounts and callback routes expect', () => {
    const expected = (c: string) =>
      c.startsWith('alipay')
        ? 'alipay'
        : c.startsWith('wechat')
          ? 'wechatpay'
          : c.startsWith('stripe')
            ? 'stripe'
            : 'card';
    for (const c of CHANNELS) expect(providerOf(c)).toBe(expected(c));
    expect(providerOf('card')).toBe('card');
    expect(providerOf('stripe_card')).toBe('stripe');
  });

  it('refuses a value outside the channel list instead of guessing a provider', () => {
    expect(() => providerOf('paypal' as never)).toThrow(/no provider for channel paypal/);
  });
});
