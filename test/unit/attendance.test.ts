import { describe, expect, it } from 'vitest';
import { attendanceFromLog, type StateChange } from '../../src/agents/attendance.js';
import type { AgentStateName, NotReadyReason } from '../../src/agents/state.js';

const at = (minute: number) => minute * 60_000;
const change = (
  minute: number,
  fromState: AgentStateName,
  toState: AgentStateName,
  reason: NotReadyReason | null = null,
): StateChange => ({ at: at(minute), fromState, toState, reason });

/** A morning: login at 9:00, ready 9:05, a call 9:10-9:20 with 5 min wrap-up, break 9:30-9:45, logout 10:00. */
const morning = [
  change(540, 'logged-out', 'not-ready', 'login'),
  change(545, 'not-ready', 'ready'),
  change(550, 'ready', 'reserved'),
  change(551, 'reserved', 'on-call'),
  change(560, 'on-call', 'wrap-up'),
  change(565, 'wrap-up', 'ready'),
  change(570, 'ready', 'not-ready', 'break'),
  change(585, 'not-ready', 'ready'),
  change(600, 'ready', 'logged-out'),
];

describe('attendanceFromLog', () => {
  it('adds up the time in each state over a whole session', () => {
    expect(attendanceFromLog(morning, at(480), at(720))).toEqual({
      loggedInMs: at(60),
      readyMs: at(5 + 5 + 15),
      notReadyMs: { login: at(5), break: at(15) },
      reservedMs: at(1),
      onCallMs: at(9),
      wrapUpMs: at(5),
      logins: [{ at: at(540), until: at(600) }],
    });
  });

  it('counts a state begun before `from` from `from`', () => {
    const result = attendanceFromLog(morning, at(555), at(720));
    expect(result.onCallMs).toBe(at(5));
    expect(result.loggedInMs).toBe(at(45));
    expect(result.reservedMs).toBe(0);
    expect(result.logins).toEqual([{ at: at(555), until: at(600) }]);
  });

  it('counts the state open at `to` until `to`', () => {
    const result = attendanceFromLog(morning, at(480), at(575));
    expect(result.notReadyMs).toEqual({ login: at(5), break: at(5) });
    expect(result.loggedInMs).toBe(at(35));
    expect(result.logins).toEqual([{ at: at(540), until: at(575) }]);
  });

  it('takes the state at `from` from the first change when nothing before it is given', () => {
    const inWindow = morning.filter((c) => c.at > at(552));
    expect(attendanceFromLog(inWindow, at(555), at(562)).onCallMs).toBe(at(5));
  });

  it('lists each login and ignores changes at or after `to`', () => {
    const day = [
      ...morning,
      change(780, 'logged-out', 'not-ready', 'login'),
      change(790, 'not-ready', 'logged-out'),
    ];
    expect(attendanceFromLog(day, at(480), at(780)).logins).toEqual([{ at: at(540), until: at(600) }]);
    expect(attendanceFromLog(day, at(480), at(800)).logins).toEqual([
      { at: at(540), until: at(600) },
      { at: at(780), until: at(790) },
    ]);
  });

  it('is all zero with no log or an empty window', () => {
    const zero = {
      loggedInMs: 0,
      readyMs: 0,
      notReadyMs: {},
      reservedMs: 0,
      onCallMs: 0,
      wrapUpMs: 0,
      logins: [],
    };
    expect(attendanceFromLog([], at(0), at(60))).toEqual(zero);
    expect(attendanceFromLog(morning, at(600), at(600))).toEqual(zero);
  });
});
