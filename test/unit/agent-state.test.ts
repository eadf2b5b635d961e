import { describe, expect, it } from 'vitest';
import { transition } from '../../src/agents/state.js';

describe('the agent table: a wrap-up that runs out with a disposition owed', () => {
  it('stays in wrap-up, the same call and the same start, and only from wrap-up', () => {
    const wrapUp = { state: 'wrap-up' as const, callId: 'att-1', since: 1_000 };
    expect(transition(wrapUp, { type: 'wrap-up-expired' }, 31_000)).toEqual({ ok: true, next: wrapUp });
    for (const state of ['ready', 'on-call', 'not-ready', 'logged-out', 'reserved'] as const) {
      expect(transition({ state, since: 0 }, { type: 'wrap-up-expired' }, 1).ok).toBe(false);
    }
  });
  it('then the disposition (wrap-up-done) makes the agent ready', () => {
    const wrapUp = { state: 'wrap-up' as const, callId: 'att-1', since: 1_000 };
    expect(transition(wrapUp, { type: 'wrap-up-done' }, 40_000)).toEqual({
      ok: true,
      next: { state: 'ready', since: 40_000 },
    });
  });
});
