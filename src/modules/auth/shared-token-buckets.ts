/**
 * Per-app token buckets shared by every API process and replica. The bucket
 * itself lives in PostgreSQL (`rate_limit_buckets`, refilled continuously at
 * `capacity` per `periodMs`); a process leases a few tokens at a time (1 % of
 * the quota, at most 100) and spends them from memory, so the database sees
 * one statement per lease rather than per request. The quota holds across
 * processes: a token is granted once, by the database. What a lease changes
 * is timing only: tokens leased but not yet spent by one process (at most a
 * lease per process) may be spent a little later than the bucket granted them.
 */
export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left: the shared bucket as last seen, plus this process's unspent lease. */
  remaining: number;
  /** Seconds until one token is available again (0 when allowed). */
  retryAfterSeconds: number;
}

export type LeaseTokens = (
  key: string,
  capacity: number,
  refillPerMs: number,
  want: number,
) => Promise<{ granted: number; tokensLeft: number }>;

interface Lease {
  tokens: number;
  /** The shared bucket's level right after this process's last lease. */
  shared: number;
  leasedAt: number;
}

const MAX_LEASES = 100_000;

export class SharedTokenBuckets {
  private readonly leases = new Map<string, Lease>();
  private readonly refillPerMs: number;
  readonly leaseSize: number;

  constructor(
    readonly capacity: number,
    private readonly lease: LeaseTokens,
    readonly periodMs = 60_000,
  ) {
    if (capacity < 1) throw new Error('capacity must be at least 1');
    this.refillPerMs = capacity / periodMs;
    this.leaseSize = Math.max(1, Math.min(100, Math.floor(capacity / 100)));
  }

  async take(key: string, nowMs: number = Date.now()): Promise<TakeResult> {
    const held = this.leases.get(key);
    // A lease older than a period is dropped: its tokens were granted too long ago to be spent now.
    if (held && held.tokens >= 1 && nowMs - held.leasedAt < this.periodMs) {
      held.tokens -= 1;
      return { allowed: true, remaining: Math.floor(held.shared) + held.tokens, retryAfterSeconds: 0 };
    }
    const { granted, tokensLeft } = await this.lease(key, this.capacity, this.refillPerMs, this.leaseSize);
    if (granted < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokensLeft) / this.refillPerMs / 1000));
      return { allowed: false, remaining: 0, retryAfterSeconds };
    }
    const current = this.leases.get(key);
    // Concurrent leases of one app add up rather than overwrite each other.
    const tokens = (current && nowMs - current.leasedAt < this.periodMs ? current.tokens : 0) + granted - 1;
    if (!current && this.leases.size >= MAX_LEASES) this.leases.delete(this.leases.keys().next().value!);
    this.leases.set(key, { tokens, shared: tokensLeft, leasedAt: nowMs });
    return { allowed: true, remaining: Math.floor(tokensLeft) + tokens, retryAfterSeconds: 0 };
  }
}
