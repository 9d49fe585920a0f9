import { addDays, billDay, billDayBounds, dayClosed, isDay, latestDueDay, localDay } from './settlement-day.util';

describe('settlement days', () => {
  it('puts 23:59:59.999 and 00:00:00.000 Shanghai time on consecutive days', () => {
    expect(localDay(new Date('2025-03-10T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2025-03-10');
    expect(localDay(new Date('2025-03-10T16:00:00.000Z'), 'Asia/Shanghai')).toBe('2025-03-11');
  });

  it('gives another timezone its own cut-off, DST included', () => {
    expect(localDay(new Date('2025-03-10T16:00:00.000Z'), 'America/New_York')).toBe('2025-03-10');
    expect(localDay(new Date('2025-03-11T03:59:59.999Z'), 'America/New_York')).toBe('2025-03-10');
    expect(localDay(new Date('2025-03-11T04:00:00.000Z'), 'America/New_York')).toBe('2025-03-11');
    // Before the 2025-03-09 switch New York is UTC−5.
    expect(localDay(new Date('2025-03-09T04:59:59.999Z'), 'America/New_York')).toBe('2025-03-08');
    expect(localDay(new Date('2025-03-09T05:00:00.000Z'), 'America/New_York')).toBe('2025-03-09');
  });

  it('settles T+N from local midnight, and never before the cut-off', () => {
    const now = new Date('2025-05-06T22:00:01Z'); // 00:00:01 on 2025-05-07 in Berlin (UTC+2)
    expect(latestDueDay(now, 'Europe/Berlin', 1)).toBe('2025-05-06');
    expect(latestDueDay(now, 'Europe/Berlin', 2)).toBe('2025-05-05');
    expect(latestDueDay(now, 'Europe/Berlin', 0)).toBe('2025-05-06');
    expect(dayClosed('2025-05-06', now, 'Europe/Berlin')).toBe(true);
    expect(dayClosed('2025-05-07', now, 'Europe/Berlin')).toBe(false);
  });

  it('does calendar arithmetic on real days only', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2025-02-29')).toBe(false);
    expect(isDay('2025-1-01')).toBe(false);
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
  });

  it('cuts provider bills at midnight UTC+8', () => {
    expect(billDay(new Date('2025-03-10T15:59:59.999Z'))).toBe('2025-03-10');
    expect(billDay(new Date('2025-03-10T16:00:00.000Z'))).toBe('2025-03-11');
    expect(billDayBounds('2025-03-11')).toEqual({
      start: new Date('2025-03-10T16:00:00.000Z'),
      end: new Date('2025-03-11T16:00:00.000Z'),
    });
  });
});
