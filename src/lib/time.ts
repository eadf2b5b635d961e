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
