/**
 * Token buckets keyed by a string (the app id), in memory. A bucket holds up
 * to `capacity` tokens and refills continuously at `capacity` per `periodMs`,
 * so a client may burst up to the whole minute's quota and then proceeds at
 * the steady rate.
 */
export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until one token is available again (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    readonly capacity: number,
    readonly periodMs = 60_000,
    private readonly maxBuckets = 100_000,
  ) {
    if (capacity < 1) throw new Error('capacity must be at least 1');
    this.refillPerMs = capacity / periodMs;
  }

  take(key: string, nowMs: number = Date.now()): TakeResult {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxBuckets) this.evictFull(nowMs);
      bucket = { tokens: this.capacity, updatedAt: nowMs };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.capacity, bucket.tokens + Math.max(0, nowMs - bucket.updatedAt) * this.refillPerMs);
      bucket.updatedAt = nowMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000));
    return { allowed: false, remaining: 0, retryAfterSeconds };
  }

  get size(): number {
    return this.buckets.size;
  }

  /** A bucket that has refilled completely holds no state worth keeping. */
  evictFull(nowMs: number = Date.now()): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (nowMs - b.updatedAt) * this.refillPerMs >= this.capacity) this.buckets.delete(key);
    }
  }
}
