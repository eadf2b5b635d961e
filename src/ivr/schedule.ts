import type { Hours } from './flow.js';

/**
 * Which branch of a schedule node a call takes at `now`.
 *
 * Everything is read on the wall clock of the node's time zone, so DST changes need no special case: a
 * 09:00 opening is 09:00 local on either side of the change.
 * - A holiday (the local date is listed) wins over the hours.
 * - A period is open from `from` (inclusive) to `to` (exclusive).
 * - A period whose `to` is not after its `from` runs past midnight and belongs to the day it starts:
 *   `fri 22:00-02:00` covers Friday 22:00 to Saturday 01:59. A period that starts on a holiday does not
 *   run, so its hours after midnight are closed too.
 * - `to` equal to `from` is a full 24 hours from `from`.
 */
export function scheduleBranch(node: Hours, now: Date): 'open' | 'closed' | 'holiday' {
  const today = localTime(now, node.timezone);
  const holidays = new Set(node.holidays);
  if (holidays.has(today.date)) return 'holiday';

  const yesterday = { day: WEEKDAYS[(today.weekday + 6) % 7]!, date: previousDate(today.date) };
  const open = node.hours.some((period) => {
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

/** Formatters are costly to build and a schedule is read on every call: one per time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

function localTime(now: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(now)) parts[part.type] = part.value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  // The weekday follows from the local date; reading it as UTC midnight keeps it exact.
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return { date, weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
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
