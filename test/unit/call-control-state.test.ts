import { describe, expect, it } from 'vitest';
import {
  CALL_CONTROL_EVENTS,
  CALL_CONTROL_STATES,
  type CallControlEvent,
  type CallControlState,
  callControlAllows,
  callControlTransition,
  shownState,
} from '../../src/calls/state.js';

/** The table as the docs state it: every move that is allowed, and where it leads. */
const ALLOWED: Record<CallControlState, Partial<Record<CallControlEvent, CallControlState>>> = {
  ringing: { answer: 'talking', end: 'ended' },
  talking: { hold: 'held', consult: 'consulting', blind: 'transferring', end: 'ended' },
  held: { resume: 'talking', consult: 'consulting', blind: 'transferring', end: 'ended' },
  consulting: { cancel: 'held', complete: 'transferring', end: 'ended' },
  transferring: { joined: 'talking', failed: 'held', end: 'ended' },
  ended: {},
};

describe('call control state table', () => {
  for (const state of CALL_CONTROL_STATES) {
    for (const event of CALL_CONTROL_EVENTS) {
      const to = ALLOWED[state][event];
      it(`${state} -${event}-> ${to ?? 'refused'}`, () => {
        const result = callControlTransition(state, event);
        if (to) expect(result).toEqual({ ok: true, next: to });
        else {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.error).toBe(`cannot ${event} a call that is ${state}`);
        }
      });
    }
  }

  it('refuses hold while held and resume while talking (409 CALL_STATE at the API)', () => {
    expect(callControlTransition('held', 'hold').ok).toBe(false);
    expect(callControlTransition('talking', 'resume').ok).toBe(false);
    expect(callControlTransition('consulting', 'hold').ok).toBe(false);
  });

  it('allows DTMF only while talking, and a hang-up in every live state', () => {
    for (const state of CALL_CONTROL_STATES) {
      expect(callControlAllows(state, 'dtmf')).toBe(state === 'talking');
      expect(callControlAllows(state, 'hangup')).toBe(state !== 'ended');
    }
  });

  it('shows a transfer under way as held (the customer hears the music)', () => {
    expect(shownState('transferring')).toBe('held');
    expect(shownState('consulting')).toBe('consulting');
    expect(shownState('talking')).toBe('talking');
  });
});
