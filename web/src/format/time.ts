const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string, style: 'dateTime' | 'time'): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${style}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      timeZone,
      ...(style === 'dateTime' ? { dateStyle: 'medium' } : {}),
      timeStyle: 'medium',
      hourCycle: 'h23',
    });
    formatters.set(key, format);
  }
  return format;
}

/** Date and time of `at` (epoch ms) on the center's wall clock, in the screen's language. */
export function formatDateTime(at: number, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, 'dateTime').format(at);
}

/** Time of day (hh:mm:ss, 24 h) of `at` on the center's wall clock. */
export function formatTime(at: number, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, 'time').format(at);
}
