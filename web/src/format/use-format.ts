import { centerTimeZone } from '../config.js';
import { currentLocale } from '../i18n/index.js';
import { formatDateTime, formatHourMinute, formatShortDateTime, formatTime } from './time.js';

/** Time formatting for components: the center's time zone, the screen's language. */
export function useFormat() {
  return {
    timeZone: centerTimeZone,
    dateTime: (at: number) => formatDateTime(at, currentLocale.value, centerTimeZone),
    time: (at: number) => formatTime(at, currentLocale.value, centerTimeZone),
    short: (at: number) => formatShortDateTime(at, currentLocale.value, centerTimeZone),
    hourMinute: (at: number) => formatHourMinute(at, currentLocale.value, centerTimeZone),
  };
}
