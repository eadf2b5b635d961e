import { describe, expect, it } from 'vitest';
import type { NodeOf } from '../../src/ivr/flow.js';
import { scheduleBranch } from '../../src/lib/calendar.js';

type Schedule = NodeOf<'schedule'>;

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    type: 'schedule',
    timezone: 'Asia/Shanghai',
    hours: [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' },
      { days: ['sat'], from: '09:00', to: '12:00' },
    ],
    holidays: [],
    open: 'menu',
    closed: 'closed',
    ...overrides,
  };
}

const at = (iso: string) => new Date(iso);

describe('scheduleBranch', () => {
  it('reads the hours in the node time zone', () => {
    // Wednesday 2025-06-04 02:00 UTC is 10:00 in Shanghai, 02:00 in UTC.
    const instant = at('2025-06-04T02:00:00Z');
    expect(scheduleBranch(schedule(), instant)).toBe('open');
    expect(scheduleBranch(schedule({ timezone: 'UTC' }), instant)).toBe('closed');
    // 16:00 UTC Wednesday is already Thursday 00:00 in Shanghai.
    const lateUtc = at('2025-06-04T16:00:00Z');
    expect(scheduleBranch(schedule({ timezone: 'UTC' }), lateUtc)).toBe('open');
    expect(scheduleBranch(schedule(), lateUtc)).toBe('closed');
  });

  it('opens at from and closes at to (exclusive)', () => {
    expect(scheduleBranch(schedule(), at('2025-06-04T08:59:59+08:00'))).toBe('closed');
    expect(scheduleBranch(schedule(), at('2025-06-04T09:00:00+08:00'))).toBe('open');
    expect(scheduleBranch(schedule(), at('2025-06-04T17:59:59+08:00'))).toBe('open');
    expect(scheduleBranch(schedule(), at('2025-06-04T18:00:00+08:00'))).toBe('closed');
  });

  it('keeps the weekend hours apart', () => {
    // Saturday 2025-06-07 and Sunday 2025-06-08.
    expect(scheduleBranch(schedule(), at('2025-06-07T11:59:00+08:00'))).toBe('open');
    expect(scheduleBranch(schedule(), at('2025-06-07T12:00:00+08:00'))).toBe('closed');
    expect(scheduleBranch(schedule(), at('2025-06-08T10:00:00+08:00'))).toBe('closed');
  });

  it('lets a holiday win over the hours, on the local date', () => {
    const node = schedule({ holidays: ['2025-10-01'] });
    expect(scheduleBranch(node, at('2025-10-01T10:00:00+08:00'))).toBe('holiday');
    expect(scheduleBranch(node, at('2025-10-01T23:00:00+08:00'))).toBe('holiday');
    // 2025-10-01 00:30 in Shanghai is still 2025-09-30 in UTC.
    expect(scheduleBranch(node, at('2025-09-30T16:30:00Z'))).toBe('holiday');
    expect(scheduleBranch(node, at('2025-09-30T10:00:00+08:00'))).toBe('open');
  });

  describe('a period past midnight', () => {
    const night = schedule({ hours: [{ days: ['fri'], from: '22:00', to: '02:00' }] });

    it('belongs to the day it starts', () => {
      // Friday 2025-06-06, Saturday 2025-06-07.
      expect(scheduleBranch(night, at('2025-06-06T21:59:00+08:00'))).toBe('closed');
      expect(scheduleBranch(night, at('2025-06-06T22:00:00+08:00'))).toBe('open');
      expect(scheduleBranch(night, at('2025-06-07T01:00:00+08:00'))).toBe('open');
      expect(scheduleBranch(night, at('2025-06-07T02:00:00+08:00'))).toBe('closed');
      expect(scheduleBranch(night, at('2025-06-07T22:30:00+08:00'))).toBe('closed');
      // Friday morning is the tail of Thursday, which has no period.
      expect(scheduleBranch(night, at('2025-06-06T01:00:00+08:00'))).toBe('closed');
    });

    it('does not run when it starts on a holiday', () => {
      const node = { ...night, holidays: ['2025-06-06'] };
      expect(scheduleBranch(node, at('2025-06-06T23:00:00+08:00'))).toBe('holiday');
      expect(scheduleBranch(node, at('2025-06-07T01:00:00+08:00'))).toBe('closed');
    });

    it('covers the first days of a month and a year', () => {
      // Wednesday 2025-12-31 into Thursday 2026-01-01.
      const newYear = schedule({ hours: [{ days: ['wed'], from: '20:00', to: '03:00' }] });
      expect(scheduleBranch(newYear, at('2026-01-01T02:59:00+08:00'))).toBe('open');
      expect(scheduleBranch({ ...newYear, holidays: ['2025-12-31'] }, at('2026-01-01T02:59:00+08:00'))).toBe(
        'closed',
      );
    });

    it('runs a full day when to equals from', () => {
      const allDay = schedule({ hours: [{ days: ['sun'], from: '00:00', to: '00:00' }] });
      expect(scheduleBranch(allDay, at('2025-06-08T00:00:00+08:00'))).toBe('open');
      expect(scheduleBranch(allDay, at('2025-06-08T23:59:00+08:00'))).toBe('open');
      expect(scheduleBranch(allDay, at('2025-06-09T00:00:00+08:00'))).toBe('closed');
    });
  });

  describe('DST in Europe/Berlin', () => {
    const berlin = (hours: Schedule['hours']) => schedule({ timezone: 'Europe/Berlin', hours });

    it('opens at 09:00 local on the days the clocks change', () => {
      const office = berlin([{ days: ['sun'], from: '09:00', to: '18:00' }]);
      // 2025-03-30: CET (+01:00) until 02:00, then CEST (+02:00).
      expect(scheduleBranch(office, at('2025-03-30T06:59:00Z'))).toBe('closed');
      expect(scheduleBranch(office, at('2025-03-30T07:00:00Z'))).toBe('open');
      // 2025-10-26: CEST until 03:00, then CET.
      expect(scheduleBranch(office, at('2025-10-26T07:59:00Z'))).toBe('closed');
      expect(scheduleBranch(office, at('2025-10-26T08:00:00Z'))).toBe('open');
      expect(scheduleBranch(office, at('2025-10-26T16:59:00Z'))).toBe('open');
      expect(scheduleBranch(office, at('2025-10-26T17:00:00Z'))).toBe('closed');
    });

    it('skips the hour that does not exist in spring', () => {
      const early = berlin([{ days: ['sun'], from: '01:00', to: '03:00' }]);
      expect(scheduleBranch(early, at('2025-03-30T00:59:00Z'))).toBe('open'); // 01:59 CET
      expect(scheduleBranch(early, at('2025-03-30T01:00:00Z'))).toBe('closed'); // 03:00 CEST
    });

    it('is open twice through the hour that repeats in autumn', () => {
      const early = berlin([{ days: ['sun'], from: '02:00', to: '03:00' }]);
      expect(scheduleBranch(early, at('2025-10-26T00:30:00Z'))).toBe('open'); // 02:30 CEST
      expect(scheduleBranch(early, at('2025-10-26T01:30:00Z'))).toBe('open'); // 02:30 CET
      expect(scheduleBranch(early, at('2025-10-26T02:00:00Z'))).toBe('closed'); // 03:00 CET
    });

    it('keeps an overnight period across the change', () => {
      const night = berlin([{ days: ['sat'], from: '22:00', to: '06:00' }]);
      expect(scheduleBranch(night, at('2025-03-30T03:59:00Z'))).toBe('open'); // Sunday 05:59 CEST
      expect(scheduleBranch(night, at('2025-03-30T04:00:00Z'))).toBe('closed'); // 06:00 CEST
      expect(scheduleBranch(night, at('2025-10-26T04:59:00Z'))).toBe('open'); // 05:59 CET
      expect(scheduleBranch(night, at('2025-10-26T05:00:00Z'))).toBe('closed'); // 06:00 CET
    });
  });
});
