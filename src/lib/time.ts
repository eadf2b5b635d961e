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

/** Start and end (epoch ms) of the calendar day of `date` in `tz` (a DST-change day may be an hour off). */
export function dayBounds(tz: string, date: Date): { from: number; to: number } {
  const from = Date.parse(`${localDay(tz, date)}T00:00:00Z`) - offsetMs(tz, date);
  return { from, to: from + 86_400_000 };
}
