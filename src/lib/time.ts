const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) of `date` in time zone `tz`: the center's "today" for statistics. */
export function localDay(tz: string, date: Date): string {
  let format = dayFormatters.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormatters.set(tz, format);
  }
  return format.format(date); // en-CA formats as YYYY-MM-DD
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** How far the wall clock in `tz` is ahead of UTC at `date`, in ms. */
function offsetMs(tz: string, date: Date): number {
  let format = offsetFormatters.get(tz);
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
    offsetFormatters.set(tz, format);
  }
  const p = Object.fromEntries(format.formatToParts(date).map((x) => [x.type, Number(x.value)]));
  const wall = Date.UTC(
    p.year ?? 0,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
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
