import { alipayFieldViolation } from './alipay-field-limits.util';

describe('alipayFieldViolation', () => {
  const ok = {
    channel: 'alipay_qr' as const,
    amount: 100n,
    subject: 'Coffee',
    notifyUrl: 'http://127.0.0.1/callbacks/alipay',
  };

  it('accepts a subject of 256 characters, counting each CJK character and emoji as one', () => {
    expect(alipayFieldViolation({ ...ok, subject: 's'.repeat(256) })).toBeUndefined();
    expect(alipayFieldViolation({ ...ok, subject: '咖'.repeat(256) })).toBeUndefined();
    expect(alipayFieldViolation({ ...ok, subject: '☕'.repeat(128) + '😀'.repeat(128) })).toBeUndefined();
  });

  it('refuses a subject over 256 characters, naming subject', () => {
    expect(alipayFieldViolation({ ...ok, subject: '咖'.repeat(257) })).toEqual({
      field: 'subject',
      message: expect.stringContaining('256'),
    });
  });

  it.each(['a/b', 'a=b', 'a&b'])('refuses the subject %s (a separator of the signed string)', (subject) => {
    expect(alipayFieldViolation({ ...ok, subject })?.field).toBe('subject');
  });

  it('refuses a description (Alipay body) over 128 characters', () => {
    expect(alipayFieldViolation({ ...ok, description: 'd'.repeat(128) })).toBeUndefined();
    expect(alipayFieldViolation({ ...ok, description: 'd'.repeat(129) })?.field).toBe('description');
  });

  it('takes 0.01 to 100000000.00 yuan and nothing outside', () => {
    expect(alipayFieldViolation({ ...ok, amount: 1n })).toBeUndefined();
    expect(alipayFieldViolation({ ...ok, amount: 10_000_000_000n })).toBeUndefined();
    expect(alipayFieldViolation({ ...ok, amount: 10_000_000_001n })?.field).toBe('amount');
    expect(alipayFieldViolation({ ...ok, amount: 0n })?.field).toBe('amount');
  });
});
