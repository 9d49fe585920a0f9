import { DomainError } from '../../common/errors/domain-error';
import { assertProviderAccepted, providerError } from './provider-errors';
import { ProviderRegistry } from './provider-registry';
import { PaymentProvider } from './provider.port';

describe('provider errors', () => {
  it('maps a timeout to 504 and other unknown outcomes to 502, both provider_error', () => {
    const t = providerError('alipay', { status: 'unknown', providerCode: 'timeout', retryable: true });
    expect(t).toMatchObject({ type: 'provider_error', status: 504, code: 'provider_timeout' });
    expect(providerError('wechatpay', { status: 'unknown', providerCode: 'http_503' })).toMatchObject({
      status: 502,
      code: 'provider_unavailable',
    });
    expect(providerError('card', { status: 'failed', providerCode: 'card_declined' })).toMatchObject({
      status: 502,
      code: 'provider_declined',
      details: { provider_code: 'card_declined' },
    });
  });

  it('assertProviderAccepted passes definite non-failures through', () => {
    expect(assertProviderAccepted('card', { status: 'pending' })).toEqual({ status: 'pending' });
    expect(() => assertProviderAccepted('card', { status: 'failed' })).toThrow(DomainError);
  });
});

describe('ProviderRegistry', () => {
  const fake = (name: 'alipay' | 'card', channels: PaymentProvider['channels']) =>
    ({ name, channels }) as unknown as PaymentProvider;

  it('finds adapters by channel and refuses unconfigured channels with a DomainError', () => {
    const r = new ProviderRegistry([fake('alipay', ['alipay_qr', 'alipay_page']), fake('card', ['card'])]);
    expect(r.forChannel('alipay_page').name).toBe('alipay');
    expect(r.forProvider('card')?.name).toBe('card');
    expect(() => r.forChannel('wechat_native')).toThrow(DomainError);
    expect(r.channels().sort()).toEqual(['alipay_page', 'alipay_qr', 'card']);
  });

  it('refuses two adapters for one channel', () => {
    expect(() => new ProviderRegistry([fake('alipay', ['card']), fake('card', ['card'])])).toThrow();
  });
});
