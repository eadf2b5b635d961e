type Style = 'dateTime' | 'time' | 'short' | 'hourMinute';

const OPTIONS: Record<Style, Intl.DateTimeFormatOptions> = {
  dateTime: { dateStyle: 'medium', timeStyle: 'medium' },
  time: { timeStyle: 'medium' },
  short: { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' },
  hourMinute: { hour: '2-digit', minute: '2-digit' },
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string, style: Style): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${style}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone, ...OPTIONS[style], hourCycle: 'h23' });
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

/** Month, day, hours and minutes (lists: callbacks, earlier attempts, recent calls). */
export function formatShortDateTime(at: number, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, 'short').format(at);
}

/** Hours and minutes (24 h). */
export function formatHourMinute(at: number, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, 'hourMinute').format(at);
}
