import type { AgentStateName, NotReadyReason } from './state.js';

/** One logged state change, as far as attendance needs it. Times are epoch ms. */
export interface StateChange {
  at: number;
  fromState: AgentStateName;
  toState: AgentStateName;
  reason: NotReadyReason | null;
}

/** Time an agent spent in each state within a window. */
export interface Attendance {
  /** Every state but logged-out. */
  loggedInMs: number;
  readyMs: number;
  /** Not-ready time by reason; only the reasons that occurred. */
  notReadyMs: Record<NotReadyReason, number>;
  /** Offered a call that was not yet connected. */
  reservedMs: number;
  onCallMs: number;
  wrapUpMs: number;
  /** Each logged-in stretch, clipped to the window. */
  logins: { at: number; until: number }[];
}

/**
 * Attendance in [from, to) from an agent's state changes, oldest first. Include the last change before
 * `from`: the state it began counts from `from`. Without one, the state at `from` is taken from the first
 * change's `fromState` (logged out if there is none). The state open at `to` counts until `to`.
 */
export function attendanceFromLog(entries: readonly StateChange[], from: number, to: number): Attendance {
  const result: Attendance = {
    loggedInMs: 0,
    readyMs: 0,
    notReadyMs: {},
    reservedMs: 0,
    onCallMs: 0,
    wrapUpMs: 0,
    logins: [],
  };
  if (to <= from) return result;

  const before = entries.filter((e) => e.at <= from).at(-1);
  const within = entries.filter((e) => e.at > from && e.at < to);
  let state = before?.toState ?? within[0]?.fromState ?? 'logged-out';
  let reason = before?.reason ?? null;
  let since = from;
  let loginAt: number | null = state === 'logged-out' ? null : from;

  const spend = (until: number) => {
    const ms = until - since;
    if (state !== 'logged-out') result.loggedInMs += ms;
    if (state === 'ready') result.readyMs += ms;
    else if (state === 'reserved') result.reservedMs += ms;
    else if (state === 'on-call') result.onCallMs += ms;
    else if (state === 'wrap-up') result.wrapUpMs += ms;
    else if (state === 'not-ready') {
      // A not-ready state always carries a reason; 'other' only covers a log that lost it.
      const key = reason ?? 'other';
      result.notReadyMs[key] = (result.notReadyMs[key] ?? 0) + ms;
    }
    since = until;
  };

  for (const change of within) {
    spend(change.at);
    if (loginAt === null && change.toState !== 'logged-out') loginAt = change.at;
    if (loginAt !== null && change.toState === 'logged-out') {
      result.logins.push({ at: loginAt, until: change.at });
      loginAt = null;
    }
    state = change.toState;
    reason = change.reason;
  }
  spend(to);
  if (loginAt !== null) result.logins.push({ at: loginAt, until: to });
  return result;
}
