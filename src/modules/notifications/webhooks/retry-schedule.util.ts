/**
 * docs/api.md's retry schedule (about a day, then the delivery is failed):
 * 15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min ×3, 1 h, 3 h ×3, 6 h ×2.
 * WEBHOOK_RETRY_SCALE compresses it for tests; ±10 % jitter spreads retries
 * of many deliveries that failed together (Standard Webhooks recommends it).
 */
export const RETRY_SCHEDULE_SECONDS = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
] as const;

/** Attempts a delivery gets from the schedule: the first plus one per retry. */
export const MAX_SCHEDULED_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;

/** Delay before retry number `step` (0-based), or undefined when the schedule is exhausted. */
export function retryDelayMs(step: number, scale: number, random: () => number = Math.random): number | undefined {
  const seconds = RETRY_SCHEDULE_SECONDS[step];
  if (seconds === undefined) return undefined;
  const jitter = 0.9 + random() * 0.2;
  return Math.max(1, Math.round(seconds * 1000 * scale * jitter));
}
