/** Wall-clock readings in a time zone: the center's "today" for statistics, and the calendar's hours. */

/** A moment as the clock on the wall of a time zone shows it. */
export interface WallClock {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  /** 0..23 */
  hour: number;
  minute: number;
  second: number;
}

/** Formatters are costly to build and read on every call: one per time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let format = formatters.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, format);
  }
  return format;
}

/** The wall clock in time zone `tz` at `date`. */
export function wallClock(tz: string, date: Date): WallClock {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(date)) p[part.type] = Number(part.value);
  return {
    year: p.year ?? 0,
    month: p.month ?? 1,
    day: p.day ?? 1,
    hour: p.hour ?? 0,
    minute: p.minute ?? 0,
    second: p.second ?? 0,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The date part of a wall clock reading, as YYYY-MM-DD. */
export const isoDate = ({ year, month, day }: WallClock) => `${year}-${pad(month)}-${pad(day)}`;

/** The calendar day (YYYY-MM-DD) of `date` in time zone `tz`: the center's "today" for statistics. */
export function localDay(tz: string, date: Date): string {
  return isoDate(wallClock(tz, date));
}

/** How far the wall clock in `tz` is ahead of UTC at `date`, in ms. */
function offsetMs(tz: string, date: Date): number {
  const w = wallClock(tz, date);
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wall - Math.floor(date.getTime() / 1000) * 1000;
}

/**
 * Start and end (epoch ms) of the calendar day of `date` in `tz`: from local midnight to the next one
 * (23 or 25 hours on the days the clocks change).
 */
export function dayBounds(tz: string, date: Date): { from: number; to: number } {
  const from = localMidnight(tz, localDay(tz, date));
  return { from, to: localMidnight(tz, localDay(tz, new Date(from + 36 * 3_600_000))) };
}

/** The instant local midnight begins `day` (YYYY-MM-DD) in `tz`. */
function localMidnight(tz: string, day: string): number {
  const wall = Date.parse(`${day}T00:00:00Z`);
  // The offset in force at that midnight, not at another time of the day: they differ when the clocks
  // change that day. A first guess, then the offset at the guess.
  const guess = wall - offsetMs(tz, new Date(wall));
  return wall - offsetMs(tz, new Date(guess));
}
