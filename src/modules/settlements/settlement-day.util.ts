/**
 * Calendar arithmetic for settlement and bill days, on `YYYY-MM-DD` strings.
 * A merchant's business day is its local calendar day (IANA timezone, DST
 * included, via Intl); a provider's bill day is a fixed UTC+8 calendar day,
 * as Alipay and WeChat Pay cut their bills.
 */
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
const UTC8_OFFSET_MS = 8 * 3_600_000;

/** A real calendar day written YYYY-MM-DD (2024-02-30 is not). */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DAY.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** The calendar day of an instant as seen in `timeZone`. */
export function localDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function addDays(day: string, n: number): string {
  const m = DAY.exec(day);
  if (!m) throw new RangeError(`not a day: ${day}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** A day's cut-off has passed once the local calendar shows a later day. */
export function dayClosed(day: string, now: Date, timeZone: string): boolean {
  return day < localDay(now, timeZone);
}

/**
 * The latest business day whose settlement is due at `now` (T+N): day D is
 * settled from local midnight starting day D+N. T+0 still waits for D's
 * cut-off, so it behaves like T+1 for the scheduler.
 */
export function latestDueDay(now: Date, timeZone: string, delayDays: number): string {
  return addDays(localDay(now, timeZone), -Math.max(1, delayDays));
}

/** The UTC+8 bill day of an instant. */
export function billDay(at: Date): string {
  return new Date(at.getTime() + UTC8_OFFSET_MS).toISOString().slice(0, 10);
}

/** [start, end) of a UTC+8 bill day as instants. */
export function billDayBounds(day: string): { start: Date; end: Date } {
  const m = DAY.exec(day);
  if (!m) throw new RangeError(`not a day: ${day}`);
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - UTC8_OFFSET_MS;
  return { start: new Date(start), end: new Date(start + MS_PER_DAY) };
}
