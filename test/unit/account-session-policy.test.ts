import { describe, expect, it } from 'vitest';
import {
  newSessionTimes,
  sessionEnded,
  sessionEnds,
  shouldTouch,
  TOUCH_EVERY_MS,
} from '../../src/accounts/session-policy.js';

const MIN = 60_000;
const IDLE = 30 * MIN;
const LIFETIME = 12 * 60 * MIN;

describe('session expiry', () => {
  const start = 1_000_000;
  const fresh = newSessionTimes(start, LIFETIME);

  it('starts used now, ending at the absolute lifetime', () => {
    expect(fresh).toEqual({ createdAt: start, lastSeenAt: start, expiresAt: start + LIFETIME });
    expect(sessionEnds(fresh, IDLE)).toEqual({
      idleExpiresAt: start + IDLE,
      expiresAt: start + LIFETIME,
      endsAt: start + IDLE,
    });
  });

  it('ends when unused for the idle timeout', () => {
    expect(sessionEnded(fresh, IDLE, start + IDLE - 1)).toBeNull();
    expect(sessionEnded(fresh, IDLE, start + IDLE)).toBe('idle');
  });

  it('moves the idle end with use, but never past the absolute end', () => {
    const used = { ...fresh, lastSeenAt: start + LIFETIME - 10 * MIN };
    expect(sessionEnded(used, IDLE, start + LIFETIME - 1)).toBeNull();
    expect(sessionEnded(used, IDLE, start + LIFETIME)).toBe('expired');
    expect(sessionEnds(used, IDLE).endsAt).toBe(start + LIFETIME);
  });

  it('records use at most every TOUCH_EVERY_MS', () => {
    expect(shouldTouch(fresh, start + TOUCH_EVERY_MS - 1)).toBe(false);
    expect(shouldTouch(fresh, start + TOUCH_EVERY_MS)).toBe(true);
  });
});
