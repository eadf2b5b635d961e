/**
 * Wall-clock dates and times in a given IANA time zone (the center's), whatever the browser's own zone:
 * a callback picked as "2025-03-04 10:30" means 10:30 in the center. Pure (Intl only).
 */

export interface WallTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:mm (24 h) */
  time: string;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function parts(at: number, timeZone: string): Record<string, number> {
  let format = partsFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    partsFormatters.set(timeZone, format);
  }
  const out: Record<string, number> = {};
  for (const p of format.formatToParts(at)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** How far the zone's wall clock is ahead of UTC at `at` (ms). */
function zoneOffset(at: number, timeZone: string): number {
  const p = parts(at, timeZone);
  const wallAsUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wallAsUtc - Math.floor(at / 1000) * 1000;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The wall date and time of `at` in the zone. */
export function toWallTime(at: number, timeZone: string): WallTime {
  const p = parts(at, timeZone);
  return { date: `${p.year}-${pad(p.month!)}-${pad(p.day!)}`, time: `${pad(p.hour!)}:${pad(p.minute!)}` };
}

/**
 * The instant a wall date and time of the zone names (epoch ms), or null when malformed. In the hour a
 * clock change skips, the time after the change; in the hour it repeats, the first of the two.
 */
export function fromWallTime(wall: WallTime, timeZone: string): number | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(wall.date);
  const t = /^(\d{2}):(\d{2})$/.exec(wall.time);
  if (!d || !t) return null;
  const asUtc = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  // The offset an instant near the answer has; then once more with the offset at the first guess.
  const first = asUtc - zoneOffset(asUtc, timeZone);
  const second = asUtc - zoneOffset(first, timeZone);
  if (first === second) return first;
  // Across a change: the earlier of the two candidates that really shows this wall time, else the later.
  const candidates = [Math.min(first, second), Math.max(first, second)];
  return candidates.find((c) => toWallTime(c, timeZone).time === wall.time) ?? Math.max(first, second);
}
