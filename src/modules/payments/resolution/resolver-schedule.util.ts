/**
 * When to ask the provider again about a payment or refund whose outcome we
 * do not know yet (no callback, or our call timed out): 5 s, 10 s, 20 s … up
 * to 5 min between queries (WeChat's "query when no callback came"), never
 * later than the payment's expiry, when the sweeper closes it.
 */
export const RESOLVER_MAX_MS = 300_000;

export function nextCheckAfter(attempt: number, baseMs: number, notAfter?: Date, now = Date.now()): Date {
  const delay = Math.min(RESOLVER_MAX_MS, baseMs * 2 ** Math.min(attempt, 10));
  const at = now + delay;
  return new Date(notAfter ? Math.min(at, Math.max(notAfter.getTime(), now)) : at);
}
