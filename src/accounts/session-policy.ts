/**
 * When a session ends, as pure functions of its times: it ends when it has not been used for the idle
 * timeout, or at its absolute end (fixed at sign-in), whichever comes first. Times are epoch milliseconds.
 */

export interface SessionTimes {
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

/**
 * Use is recorded at most this often, so a busy page does not write on every request: the idle end may
 * come up to this much earlier than the idle timeout after the very last request.
 */
export const TOUCH_EVERY_MS = 30_000;

export function newSessionTimes(now: number, lifetimeMs: number): SessionTimes {
  return { createdAt: now, lastSeenAt: now, expiresAt: now + lifetimeMs };
}

/** The idle end (moves with use), the absolute end, and the earlier of the two: when it ends if unused. */
export function sessionEnds(
  session: SessionTimes,
  idleMs: number,
): { idleExpiresAt: number; expiresAt: number; endsAt: number } {
  const idleExpiresAt = session.lastSeenAt + idleMs;
  return { idleExpiresAt, expiresAt: session.expiresAt, endsAt: Math.min(idleExpiresAt, session.expiresAt) };
}

/** Why the session is over at `now` ('expired': its absolute end; 'idle': unused too long), or null. */
export function sessionEnded(session: SessionTimes, idleMs: number, now: number): 'expired' | 'idle' | null {
  if (now >= session.expiresAt) return 'expired';
  if (now >= session.lastSeenAt + idleMs) return 'idle';
  return null;
}

/** True when a request at `now` should be recorded as the session's last use. */
export function shouldTouch(session: SessionTimes, now: number): boolean {
  return now - session.lastSeenAt >= TOUCH_EVERY_MS;
}
