import { describe, expect, it } from 'vitest';
import {
  afterFailure,
  FORGET_AFTER_MS,
  refusalStarted,
  retryAfterMs,
  type ThrottleRule,
  type ThrottleState,
  throttleRules,
} from '../../src/accounts/lockout.js';

const MIN = 60_000;
const rule: ThrottleRule = {
  windowMs: 15 * MIN,
  maxFailures: 5,
  delayMs: 1000,
  lockMs: MIN,
  maxLockMs: 60 * MIN,
};

/** `count` failures, `gapMs` apart, from `start`; the state after each. */
function failures(
  count: number,
  { start = 0, gapMs = 10, from = null as ThrottleState | null, r = rule } = {},
) {
  const states: ThrottleState[] = [];
  let state = from;
  for (let i = 0; i < count; i++) {
    state = afterFailure(state, r, start + i * gapMs);
    states.push(state);
  }
  return states;
}

describe('the sign-in lock-out policy', () => {
  it('lets a first attempt through', () => {
    expect(retryAfterMs(null, 0)).toBe(0);
  });

  it('delays after the second failure, doubling, then refuses for lockMs at the fifth', () => {
    const states = failures(5);
    expect(states.map((s, i) => retryAfterMs(s, i * 10))).toEqual([0, 1000, 2000, 4000, MIN]);
    expect(states.map(refusalStarted)).toEqual([false, false, false, false, true]);
    expect(states[4]).toMatchObject({ failures: 0, lockouts: 1 });
  });

  it('doubles each further refusal up to maxLockMs', () => {
    let state: ThrottleState | null = null;
    let now = 0;
    const locks: number[] = [];
    for (let round = 0; round < 9; round++) {
      for (let i = 0; i < 5; i++) {
        now = Math.max(now + 1, state?.lockedUntil ?? 0);
        state = afterFailure(state, rule, now);
      }
      locks.push(retryAfterMs(state, now) / MIN);
    }
    expect(locks).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('counts failures within the window only', () => {
    // 4 failures, then one 15 minutes after the first: a new window, so a count of 1 and no delay.
    const [, , , fourth] = failures(4);
    const later = afterFailure(fourth!, rule, 15 * MIN);
    expect(later).toMatchObject({ failures: 1, windowStart: 15 * MIN, lockouts: 0 });
    expect(retryAfterMs(later, 15 * MIN)).toBe(0);
  });

  it('forgets earlier refusals after a quiet day', () => {
    const locked = failures(5).at(-1)!;
    const nextDay = failures(5, { from: locked, start: FORGET_AFTER_MS + 100 }).at(-1)!;
    expect(nextDay.lockouts).toBe(1);
    expect(retryAfterMs(nextDay, FORGET_AFTER_MS + 140)).toBe(MIN);
    const sameDay = failures(5, { from: locked, start: FORGET_AFTER_MS - 10 * MIN }).at(-1)!;
    expect(sameDay.lockouts).toBe(2);
  });

  it('has no delay for an address, only the refusal, later', () => {
    const { address, account } = throttleRules({
      windowMin: 15,
      accountFailures: 5,
      addressFailures: 20,
      keyPrefixFailures: 10,
      lockSec: 60,
      maxLockMin: 60,
    });
    expect(account).toEqual(rule);
    expect(address).toEqual({ ...rule, maxFailures: 20, delayMs: 0 });
    const states = failures(20, { r: address });
    expect(states.slice(0, 19).every((s, i) => retryAfterMs(s, i * 10) === 0)).toBe(true);
    expect(retryAfterMs(states[19]!, 190)).toBe(MIN);
  });

  it('caps the delay at the first refusal length', () => {
    const r = { ...rule, maxFailures: 12 };
    const states = failures(11, { r, gapMs: 0 });
    expect(retryAfterMs(states[10]!, 0)).toBe(MIN);
  });
});
