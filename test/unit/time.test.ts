import { describe, expect, it } from 'vitest';
import { dayBounds, localDay, wallClock } from '../../src/lib/time.js';

describe('wall clock in a time zone', () => {
  it('reads the local date and time, midnight as hour 0', () => {
    expect(wallClock('Asia/Shanghai', new Date('2025-06-04T16:00:00Z'))).toEqual({
      year: 2025,
      month: 6,
      day: 5,
      hour: 0,
      minute: 0,
      second: 0,
    });
    expect(localDay('America/New_York', new Date('2025-01-01T04:59:59Z'))).toBe('2024-12-31');
    expect(localDay('America/New_York', new Date('2025-01-01T05:00:00Z'))).toBe('2025-01-01');
  });

  it('bounds the local calendar day in epoch ms', () => {
    expect(dayBounds('Europe/Berlin', new Date('2025-06-04T12:00:00Z'))).toEqual({
      from: Date.parse('2025-06-03T22:00:00Z'),
      to: Date.parse('2025-06-04T22:00:00Z'),
    });
    expect(dayBounds('Asia/Kolkata', new Date('2025-06-04T20:00:00Z')).from).toBe(
      Date.parse('2025-06-04T18:30:00Z'),
    );
  });
});
