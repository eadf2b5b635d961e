/**
 * The lock-out after failed sign-ins, as pure functions of a counter and the time. One counter per
 * username (known or not: a refusal must not tell whether the account exists) and one per client address.
 * Times are epoch milliseconds.
 */

/** The limits of one counter. */
export interface ThrottleRule {
  /** Failures are counted together until this long after the first of them. */
  windowMs: number;
  /** The failure that brings the count to this starts a refusal. */
  maxFailures: number;
  /**
   * The growing delay before that: after the second failure the next attempt must wait this long, after
   * each further one twice as long as before (capped at lockMs). 0: no delay, only the refusal.
   */
  delayMs: number;
  /** The first refusal's length; each further refusal doubles it, up to maxLockMs. */
  lockMs: number;
  maxLockMs: number;
}

export interface ThrottleState {
  /** Failures in the current window; 0 right after a failure started a refusal (the count restarts). */
  failures: number;
  windowStart: number;
  /** No attempt before this time (0: none running). */
  lockedUntil: number;
  /** Refusals so far, which make the next one longer; forgotten after a quiet day. */
  lockouts: number;
  lastFailureAt: number;
}

/** A day without failures forgets earlier refusals: the next one is short again. */
export const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

/** How long until an attempt is allowed: 0 now. */
export function retryAfterMs(state: ThrottleState | null, now: number): number {
  return state === null ? 0 : Math.max(0, state.lockedUntil - now);
}

/** The counter after a failed attempt at `now`. */
export function afterFailure(state: ThrottleState | null, rule: ThrottleRule, now: number): ThrottleState {
  const quiet = state === null || now - state.lastFailureAt >= FORGET_AFTER_MS;
  const lockouts = quiet ? 0 : state.lockouts;
  const inWindow = state !== null && !quiet && now - state.windowStart < rule.windowMs;
  const failures = (inWindow ? state.failures : 0) + 1;
  const windowStart = inWindow ? state.windowStart : now;

  if (failures >= rule.maxFailures) {
    const lock = Math.min(rule.maxLockMs, rule.lockMs * 2 ** lockouts);
    // The count starts afresh: after the refusal, a few more tries earn a longer one.
    return {
      failures: 0,
      windowStart: now,
      lockedUntil: now + lock,
      lockouts: lockouts + 1,
      lastFailureAt: now,
    };
  }
  const delay =
    rule.delayMs > 0 && failures >= 2 ? Math.min(rule.lockMs, rule.delayMs * 2 ** (failures - 2)) : 0;
  return { failures, windowStart, lockedUntil: now + delay, lockouts, lastFailureAt: now };
}

/** True when the failure that made `state` (afterFailure's answer) started a refusal. */
export function refusalStarted(state: ThrottleState): boolean {
  return state.failures === 0 && state.lockouts > 0;
}

/** The delay before a username's first refusal doubles from this. */
const ACCOUNT_DELAY_MS = 1_000;

/**
 * The two rules from the configuration. Only the username's counter has the growing delay: the address's
 * may be shared by many people behind one router, so it only refuses, and later.
 */
export function throttleRules(config: {
  windowMin: number;
  accountFailures: number;
  addressFailures: number;
  lockSec: number;
  maxLockMin: number;
}): { account: ThrottleRule; address: ThrottleRule } {
  const base = {
    windowMs: config.windowMin * 60_000,
    lockMs: config.lockSec * 1000,
    maxLockMs: Math.max(config.lockSec * 1000, config.maxLockMin * 60_000),
  };
  return {
    account: { ...base, maxFailures: config.accountFailures, delayMs: ACCOUNT_DELAY_MS },
    address: { ...base, maxFailures: config.addressFailures, delayMs: 0 },
  };
}
