import {
  cardBrand,
  cardExpired,
  luhnValid,
  signAcqMessage,
  signAcqRequest,
  verifyAcqMessage,
  verifyAcqRequest,
} from './card-protocol.util';

const getter = (h: Record<string, string>) => (n: string) => h[n];

describe('card acquirer protocol', () => {
  it('Luhn: sandbox cards pass, a changed digit fails', () => {
    for (const pan of [
      '4242424242424242',
      '4000000000000002',
      '4000000000003220',
      '5555555555554444',
      '378282246310005',
      '6200000000000005',
    ])
      expect(luhnValid(pan)).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('4242 4242 4242 4242')).toBe(false);
    expect(luhnValid('42')).toBe(false);
  });

  it.each([
    ['4242424242424242', 'visa'],
    ['5105105105105100', 'mastercard'],
    ['2221000000000009', 'mastercard'],
    ['2720990000000007', 'mastercard'],
    ['2721000000000000', 'unknown'],
    ['340000000000009', 'amex'],
    ['378282246310005', 'amex'],
    ['6200000000000005', 'unionpay'],
    ['6011000000000004', 'unknown'],
  ])('brand of %s is %s', (pan, brand) => expect(cardBrand(pan)).toBe(brand));

  it('expiry is inclusive of the expiry month', () => {
    const now = new Date('2030-12-15T00:00:00Z');
    expect(cardExpired(12, 2030, now)).toBe(false);
    expect(cardExpired(11, 2030, now)).toBe(true);
    expect(cardExpired(13, 2031, now)).toBe(true);
  });

  it('HMAC request signatures bind method, path, body and time', () => {
    const now = 1_800_000_000;
    const h = signAcqRequest('secret', 'm1', 'POST', '/sandbox/card/v1/refunds', '{"a":1}', now);
    expect(verifyAcqRequest('secret', 'POST', '/sandbox/card/v1/refunds', '{"a":1}', getter(h), now)).toBe('ok');
    expect(verifyAcqRequest('secret', 'POST', '/sandbox/card/v1/refunds', '{"a":2}', getter(h), now)).toBe(
      'signature_invalid',
    );
    expect(verifyAcqRequest('secret', 'POST', '/sandbox/card/v1/authorizations', '{"a":1}', getter(h), now)).toBe(
      'signature_invalid',
    );
    expect(verifyAcqRequest('other', 'POST', '/sandbox/card/v1/refunds', '{"a":1}', getter(h), now)).toBe(
      'signature_invalid',
    );
    expect(verifyAcqRequest('secret', 'POST', '/sandbox/card/v1/refunds', '{"a":1}', getter(h), now + 301)).toBe(
      'timestamp_out_of_window',
    );
    expect(
      verifyAcqRequest(
        'secret',
        'POST',
        '/sandbox/card/v1/refunds',
        '{"a":1}',
        getter({ ...h, 'x-acq-signature': 'zz' }),
        now,
      ),
    ).toBe('signature_invalid');
  });

  it('a signed response can never pass as a callback', () => {
    const h = signAcqMessage('secret', 'response', '{}');
    expect(verifyAcqMessage('secret', 'response', '{}', getter(h))).toBe('ok');
    expect(verifyAcqMessage('secret', 'notify', '{}', getter(h))).toBe('signature_invalid');
  });
});
