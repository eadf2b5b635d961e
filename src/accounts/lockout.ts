/**
 * The lock-out after failed credentials, as pure functions of a counter and the time. One counter per
 * username (known or not: a refusal must not tell whether the account exists) and one per API key prefix,
 * and per client address one for wrong passwords and one for invalid keys. Times are epoch milliseconds.
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

/** The counters' names in the store: one table holds them all. */
export const throttleKey = {
  account: (username: string) => `account:${username}`,
  address: (address: string) => `address:${address}`,
  keyPrefix: (prefix: string) => `key-prefix:${prefix}`,
  /** Invalid API keys from an address: counted apart from its wrong passwords, with the same rule. */
  keyAddress: (address: string) => `key-address:${address}`,
};

/** Where the counters are kept (the store's signInThrottle). */
export interface ThrottleCounters {
  get(key: string): ThrottleState | null;
  put(key: string, state: ThrottleState): void;
}

/** How long until an attempt that every one of `keys` counts is allowed: 0 now. */
export function waitMs(counters: ThrottleCounters, keys: readonly string[], now: number): number {
  return Math.max(0, ...keys.map((key) => retryAfterMs(counters.get(key), now)));
}

/** Counts one failure on each counter with its rule; answers the longest refusal it started (0: none). */
export function countFailure(
  counters: ThrottleCounters,
  rules: readonly (readonly [key: string, rule: ThrottleRule])[],
  now: number,
): number {
  let lockedFor = 0;
  for (const [key, rule] of rules) {
    const after = afterFailure(counters.get(key), rule, now);
    counters.put(key, after);
    if (refusalStarted(after)) lockedFor = Math.max(lockedFor, after.lockedUntil - now);
  }
  return lockedFor;
}

/** The delay before a username's first refusal doubles from this. */
const ACCOUNT_DELAY_MS = 1_000;

/**
 * The rules from the configuration. The username's and the key prefix's counters have the growing delay;
 * the address's may be shared by many people behind one router, so it only refuses, and later.
 */
export function throttleRules(config: {
  windowMin: number;
  accountFailures: number;
  addressFailures: number;
  keyPrefixFailures: number;
  lockSec: number;
  maxLockMin: number;
}): { account: ThrottleRule; keyPrefix: ThrottleRule; address: ThrottleRule } {
  const base = {
    windowMs: config.windowMin * 60_000,
    lockMs: config.lockSec * 1000,
    maxLockMs: Math.max(config.lockSec * 1000, config.maxLockMin * 60_000),
  };
  return {
    account: { ...base, maxFailures: config.accountFailures, delayMs: ACCOUNT_DELAY_MS },
    keyPrefix: { ...base, maxFailures: config.keyPrefixFailures, delayMs: ACCOUNT_DELAY_MS },
    address: { ...base, maxFailures: config.addressFailures, delayMs: 0 },
  };
}
