import { describe, expect, it } from 'vitest';
import { MAX_RANGE_HEADER_CHARS, parseRange } from '../../src/api/http-range.js';

describe('parseRange', () => {
  it('reads one byte range, clamping its end to the file', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=500-', 1000)).toEqual({ start: 500, end: 999 });
    expect(parseRange('bytes=900-5000', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
    expect(parseRange('Bytes = 10 - 20', 1000)).toEqual({ start: 10, end: 20 });
  });

  it('says unsatisfiable for a range past the end', () => {
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=2000-3000', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });

  it('ignores what it does not serve: no header, other units, bad syntax, several ranges', () => {
    expect(parseRange(undefined, 1000)).toBeNull();
    expect(parseRange('items=0-1', 1000)).toBeNull();
    expect(parseRange('bytes=-', 1000)).toBeNull();
    expect(parseRange('bytes=20-10', 1000)).toBeNull();
    expect(parseRange('bytes=abc', 1000)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeNull();
  });

  it('ignores an over-long header and reads hostile ones in one pass', () => {
    const spaces = ' '.repeat(15_000);
    // Each of these took the old regular expression quadratic time (seconds at this length).
    expect(parseRange(`bytes=${spaces}x`, 1000)).toBeNull();
    expect(parseRange(`bytes=0-${spaces}x`, 1000)).toBeNull();
    expect(parseRange(`bytes=${'1'.repeat(15_000)}-x`, 1000)).toBeNull();
    // Within the bound, spaces around the parts are still allowed.
    expect(parseRange(` bytes = 10 -  20 ${' '.repeat(MAX_RANGE_HEADER_CHARS - 20)}`, 1000)).toEqual({
      start: 10,
      end: 20,
    });
    expect(parseRange(`bytes=0-${' '.repeat(MAX_RANGE_HEADER_CHARS)}`, 1000)).toBeNull();
  });
});
