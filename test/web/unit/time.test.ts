import { describe, expect, it } from 'vitest';
import { formatDateTime, formatTime } from '../../../web/src/format/time.js';

// 2026-03-01 16:30:05 UTC: past midnight in Shanghai (UTC+8), the afternoon in London.
const at = Date.UTC(2026, 2, 1, 16, 30, 5);

describe('times on the center wall clock', () => {
  it('shows the time of the center, not of the browser', () => {
    expect(formatTime(at, 'zh-CN', 'Asia/Shanghai')).toBe('00:30:05');
    expect(formatTime(at, 'en', 'Europe/London')).toBe('16:30:05');
  });

  it('shows the date in the screen language, on the center calendar day', () => {
    expect(formatDateTime(at, 'zh-CN', 'Asia/Shanghai')).toBe('2026年3月2日 00:30:05');
    expect(formatDateTime(at, 'en', 'Asia/Shanghai')).toBe('Mar 2, 2026, 00:30:05');
  });
});
