import { TokenBuckets } from './token-bucket.util';

describe('TokenBuckets', () => {
  it('allows a burst of the capacity, then refuses with a Retry-After until a token refills', () => {
    const b = new TokenBuckets(5, 60_000);
    for (let i = 0; i < 5; i++) expect(b.take('app_a', 0).allowed).toBe(true);
    const refused = b.take('app_a', 0);
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 12 });
    expect(b.take('app_a', 11_999).allowed).toBe(false);
    expect(b.take('app_a', 12_001).allowed).toBe(true);
  });

  it('keeps apps apart', () => {
    const b = new TokenBuckets(1);
    expect(b.take('app_a', 0).allowed).toBe(true);
    expect(b.take('app_a', 0).allowed).toBe(false);
    expect(b.take('app_b', 0).allowed).toBe(true);
  });

  it('forgets buckets that refilled completely when it is full', () => {
    const b = new TokenBuckets(2, 1000, 2);
    b.take('app_a', 0);
    b.take('app_b', 0);
    b.take('app_c', 5_000);
    expect(b.size).toBe(1);
  });
});
