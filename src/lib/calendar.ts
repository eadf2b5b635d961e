import { z } from 'zod';
import { isoDate, wallClock } from './time.js';

/**
 * Business hours in a time zone, with holidays: an IVR schedule node's, and a dialer campaign's calling
 * window. Shared by both, so the two read opening hours the same way.
 */

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h)');
const dayName = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** Hours in a time zone with holidays. */
export const hoursSchema = z.object({
  /** IANA time zone the hours are in, e.g. Asia/Shanghai. */
  timezone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as Asia/Shanghai'),
  /** Open periods; `to` is exclusive and may be before `from` for a period past midnight. */
  hours: z.array(z.object({ days: z.array(dayName).min(1), from: hhmm, to: hhmm })).min(1),
  /** Dates (YYYY-MM-DD, in the time zone) when the center is closed all day. */
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')).default([]),
});
export type Hours = z.infer<typeof hoursSchema>;

/**
 * Whether `hours` are open at `now`, or it is a holiday.
 *
 * Everything is read on the wall clock of the hours' time zone, so DST changes need no special case: a
 * 09:00 opening is 09:00 local on either side of the change.
 * - A holiday (the local date is listed) wins over the hours.
 * - A period is open from `from` (inclusive) to `to` (exclusive).
 * - A period whose `to` is not after its `from` runs past midnight and belongs to the day it starts:
 *   `fri 22:00-02:00` covers Friday 22:00 to Saturday 01:59. A period that starts on a holiday does not
 *   run, so its hours after midnight are closed too.
 * - `to` equal to `from` is a full 24 hours from `from`.
 */
export function scheduleBranch(hours: Hours, now: Date): 'open' | 'closed' | 'holiday' {
  const today = localTime(now, hours.timezone);
  const holidays = new Set(hours.holidays);
  if (holidays.has(today.date)) return 'holiday';

  const yesterday = { day: WEEKDAYS[(today.weekday + 6) % 7]!, date: previousDate(today.date) };
  const open = hours.hours.some((period) => {
    const from = minutes(period.from);
    const to = minutes(period.to);
    const startsToday = period.days.includes(WEEKDAYS[today.weekday]!);
    if (from < to) return startsToday && today.minute >= from && today.minute < to;
    // Past midnight: the evening part today, or the morning tail of a period that started yesterday.
    if (startsToday && today.minute >= from) return true;
    return period.days.includes(yesterday.day) && !holidays.has(yesterday.date) && today.minute < to;
  });
  return open ? 'open' : 'closed';
}

/** Index = JavaScript's getDay() (0 = Sunday). */
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** 0 = Sunday */
  weekday: number;
  /** Minutes since local midnight. */
  minute: number;
}

function localTime(now: Date, timeZone: string): LocalTime {
  const clock = wallClock(timeZone, now);
  const date = isoDate(clock);
  // The weekday follows from the local date; reading it as UTC midnight keeps it exact.
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return { date, weekday, minute: clock.hour * 60 + clock.minute };
}

function previousDate(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

function minutes(hhmm: string): number {
  const [hours, mins] = hhmm.split(':').map(Number);
  return hours! * 60 + mins!;
}
