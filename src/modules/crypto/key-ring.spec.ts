import { randomBytes } from 'node:crypto';
import { KeyRing } from './key-ring';

const k = (id: string) => ({ id, key: randomBytes(32) });

describe('KeyRing', () => {
  it('round-trips and never leaves the plaintext in the ciphertext', () => {
    const ring = new KeyRing([k('v1')]);
    const ct = ring.encrypt('whsec_supersecret');
    expect(ct).not.toContain('supersecret');
    expect(ring.decrypt(ct)).toBe('whsec_supersecret');
  });

  it('encrypts with the newest key and still decrypts values of older keys', () => {
    const v1 = k('v1');
    const old = new KeyRing([v1]).encrypt('secret');
    const rotated = new KeyRing([v1, k('v2')]);
    expect(rotated.keyIdOf(rotated.encrypt('x'))).toBe('v2');
    expect(rotated.decrypt(old)).toBe('secret');
    expect(rotated.isStale(old)).toBe(true);
    const moved = rotated.reencrypt(old);
    expect(rotated.keyIdOf(moved)).toBe('v2');
    expect(rotated.decrypt(moved)).toBe('secret');
  });

  it('refuses a tampered ciphertext, a wrong context and an unknown key', () => {
    const ring = new KeyRing([k('v1')]);
    const ct = ring.encrypt('secret', 'row-1');
    expect(() => ring.decrypt(ct, 'row-2')).toThrow();
    const parts = ct.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => ring.decrypt(parts.join('.'), 'row-1')).toThrow();
    expect(() => new KeyRing([k('other')]).decrypt(ct, 'row-1')).toThrow(/not in the key ring/);
  });
});
