import { describe, expect, it, vi } from 'vitest';
import { callView } from '../../../web/src/agent/call-view.js';
import { formatDuration, ServerClock, secondsLeft } from '../../../web/src/agent/clock.js';
import { allowedMoves } from '../../../web/src/agent/moves.js';
import { Refresher } from '../../../web/src/agent/refresher.js';
import { refusalOf } from '../../../web/src/agent/refusals.js';
import { type KeyInput, ShortcutRegistry, shortcutOf } from '../../../web/src/agent/shortcuts.js';
import { fromWallTime, toWallTime } from '../../../web/src/agent/zoned-time.js';
import type { AgentView } from '../../../web/src/api/agent.js';
import { outcome } from '../../../web/src/api/outcome.js';
import type { CurrentCall, PreviewView } from '../../../web/src/api/workspace.js';

describe('allowed moves of the state bar', () => {
  const moves = (state: AgentView['state'], extra: Partial<Parameters<typeof allowedMoves>[0]> = {}) =>
    allowedMoves({ state, lineMode: 'persistent', lineUp: true, dispositionOwed: false, ...extra });

  it('offers only what the service allows from each state', () => {
    expect(moves('logged-out', { lineUp: false })).toEqual(['login']);
    expect(moves('not-ready')).toEqual(['ready', 'not-ready', 'logout']);
    expect(moves('ready')).toEqual(['not-ready', 'logout']);
    expect(moves('reserved')).toEqual(['not-ready', 'logout']);
    expect(moves('on-call')).toEqual([]);
    expect(moves('wrap-up')).toEqual(['wrap-up-done', 'not-ready', 'logout']);
  });

  it('never offers leaving wrap-up while a disposition is owed (the form ends it)', () => {
    expect(moves('wrap-up', { dispositionOwed: true })).toEqual(['not-ready', 'logout']);
  });

  it('with the persistent line down: no ready, but reconnecting the line', () => {
    expect(moves('not-ready', { lineUp: false })).toEqual(['not-ready', 'reconnect-line', 'logout']);
    // A per-call line is never "up": ready is fine.
    expect(moves('not-ready', { lineMode: 'per-call', lineUp: false })).toEqual([
      'ready',
      'not-ready',
      'logout',
    ]);
  });
});

describe('timers', () => {
  it('formats durations as m:ss, with hours only when there are some', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7_999)).toBe('0:07');
    expect(formatDuration(754_000)).toBe('12:34');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(-5_000)).toBe('0:00');
  });

  it('counts down in whole seconds, rounded up, never below 0', () => {
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 10_000)).toBe(0);
    expect(secondsLeft(10_000, 20_000)).toBe(0);
  });

  it("estimates the server clock's lead from events: the least delayed sample wins", () => {
    const clock = new ServerClock(3);
    expect(clock.offset).toBe(0);
    clock.sample(10_000, 5_100); // 100 ms in transit
    clock.sample(20_000, 15_020); // 20 ms
    expect(clock.offset).toBe(4_980);
    clock.sample(30_000, 25_500);
    clock.sample(40_000, 35_400);
    clock.sample(50_000, 45_300); // the 20 ms sample is out of the window
    expect(clock.offset).toBe(4_700);
    clock.sample(Number.NaN, 1);
    expect(clock.offset).toBe(4_700);
    // Same clock, a few ms in transit: no lead at all.
    const same = new ServerClock();
    same.sample(1_000, 1_004);
    expect(same.offset).toBe(0);
  });
});

describe('Refresher', () => {
  it('runs one load at a time and one more for any asks during it', async () => {
    let resolve = () => {};
    const load = vi.fn(
      () =>
        new Promise<void>((r) => {
          resolve = r;
        }),
    );
    const refresher = new Refresher(load);
    const first = refresher.refresh();
    refresher.refresh();
    refresher.refresh();
    expect(load).toHaveBeenCalledTimes(1);
    resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(load).toHaveBeenCalledTimes(2);
    resolve();
    await first;
    expect(load).toHaveBeenCalledTimes(2);
    // A failing load does not stop the next.
    load.mockRejectedValueOnce(new Error('down'));
    await refresher.refresh();
    load.mockResolvedValueOnce(undefined);
    await refresher.refresh();
    expect(load).toHaveBeenCalledTimes(4);
  });
});

describe('wall times in the center', () => {
  it('turns a date and time in Shanghai into the instant, whatever the PC says', () => {
    const at = fromWallTime({ date: '2025-03-04', time: '10:30' }, 'Asia/Shanghai');
    expect(new Date(at!).toISOString()).toBe('2025-03-04T02:30:00.000Z');
    expect(toWallTime(at!, 'Asia/Shanghai')).toEqual({ date: '2025-03-04', time: '10:30' });
    expect(toWallTime(at!, 'America/New_York')).toEqual({ date: '2025-03-03', time: '21:30' });
  });

  it('across clock changes: a skipped time is taken after the change, a repeated one the first time', () => {
    // New York springs forward at 02:00 on 2025-03-09 (02:30 does not exist) and falls back on 2025-11-02.
    const skipped = fromWallTime({ date: '2025-03-09', time: '02:30' }, 'America/New_York');
    expect(new Date(skipped!).toISOString()).toBe('2025-03-09T07:30:00.000Z'); // 03:30 EDT
    const repeated = fromWallTime({ date: '2025-11-02', time: '01:30' }, 'America/New_York');
    expect(new Date(repeated!).toISOString()).toBe('2025-11-02T05:30:00.000Z'); // 01:30 EDT
    const normal = fromWallTime({ date: '2025-07-01', time: '09:00' }, 'America/New_York');
    expect(new Date(normal!).toISOString()).toBe('2025-07-01T13:00:00.000Z');
  });

  it('refuses malformed input', () => {
    expect(fromWallTime({ date: '2025-3-4', time: '10:30' }, 'UTC')).toBeNull();
    expect(fromWallTime({ date: '2025-03-04', time: '' }, 'UTC')).toBeNull();
  });
});

describe('shortcuts', () => {
  const key = (k: string, extra: Partial<KeyInput> = {}): KeyInput => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    repeat: false,
    target: { tagName: 'BODY' },
    ...extra,
  });

  it('are single letters and digits, never with a modifier, held, or while typing', () => {
    expect(shortcutOf(key('r'))).toBe('R');
    expect(shortcutOf(key('7'))).toBe('7');
    expect(shortcutOf(key('Enter'))).toBeNull();
    expect(shortcutOf(key('r', { ctrlKey: true }))).toBeNull();
    expect(shortcutOf(key('r', { repeat: true }))).toBeNull();
    expect(shortcutOf(key('r', { target: { tagName: 'INPUT', type: 'text' } }))).toBeNull();
    expect(shortcutOf(key('r', { target: { tagName: 'TEXTAREA' } }))).toBeNull();
    expect(shortcutOf(key('r', { target: { tagName: 'DIV', isContentEditable: true } }))).toBeNull();
    // A radio button or a button takes no text: keys on it are shortcuts.
    expect(shortcutOf(key('1', { target: { tagName: 'INPUT', type: 'radio' } }))).toBe('1');
    expect(shortcutOf(key('a', { target: { tagName: 'BUTTON' } }))).toBe('A');
  });

  it('go to the parts that offer them, and only to an open dialog while it is open', () => {
    const registry = new ShortcutRegistry();
    const ready = vi.fn();
    const accept = vi.fn(() => false); // nothing to accept: the key is not taken
    registry.add(() => ({ R: ready }));
    registry.add(() => ({ A: accept }));
    expect(registry.dispatch(key('r'))).toBe(true);
    expect(registry.dispatch(key('a'))).toBe(false);
    expect(registry.dispatch(key('x'))).toBe(false);
    const pick = vi.fn();
    const close = registry.push(() => ({ '1': pick }));
    expect(registry.dispatch(key('r'))).toBe(false);
    expect(registry.dispatch(key('1'))).toBe(true);
    close();
    expect(registry.dispatch(key('r'))).toBe(true);
    expect(ready).toHaveBeenCalledTimes(2);
    expect(pick).toHaveBeenCalledTimes(1);
  });
});

describe('answers and refusals', () => {
  const answer = (status: number, body?: unknown) =>
    Promise.resolve({
      response: new Response(null, { status }),
      ...(status < 300 ? { data: body } : { error: body }),
    });
  const refused = (code: string) => ({ error: { code, message: 'why' } });

  it('tells a missing route from a route saying "none", a refusal, the session gone, the server down', async () => {
    expect(await outcome(answer(200, { a: 1 }))).toEqual({ ok: true, data: { a: 1 } });
    expect(await outcome(answer(404, refused('NOT_FOUND')))).toEqual({ ok: false, kind: 'missing' });
    expect(await outcome(answer(404, refused('NO_CALL')))).toMatchObject({
      kind: 'refused',
      code: 'NO_CALL',
    });
    expect(await outcome(answer(409, refused('NO_PREVIEW')))).toEqual({
      ok: false,
      kind: 'refused',
      status: 409,
      code: 'NO_PREVIEW',
      message: 'why',
    });
    expect(await outcome(answer(401, refused('UNAUTHORIZED')))).toEqual({ ok: false, kind: 'signed-out' });
    expect(await outcome(answer(503, refused('X')))).toEqual({ ok: false, kind: 'unavailable', status: 503 });
    expect(await outcome(answer(502, '<html>bad gateway</html>'))).toMatchObject({ kind: 'unavailable' });
    expect(await outcome(Promise.reject(new TypeError('Failed to fetch')))).toEqual({
      ok: false,
      kind: 'unavailable',
    });
  });

  it('explains each refusal; a conflict also reloads the screen', () => {
    const refusal = (status: number, code: string) =>
      refusalOf({ ok: false, kind: 'refused', status, code, message: '' });
    expect(refusal(409, 'NO_PREVIEW')).toMatchObject({ key: 'agent.errors.noPreview', refresh: true });
    expect(refusal(409, 'AGENT_STATE_CONFLICT')).toMatchObject({
      key: 'agent.errors.stateConflict',
      refresh: true,
    });
    expect(refusal(409, 'TARGET_UNAVAILABLE')).toMatchObject({ key: 'agent.errors.targetUnavailable' });
    expect(refusal(400, 'SALE_REQUIRED')).toMatchObject({ key: 'agent.errors.saleRequired', refresh: false });
    expect(refusal(409, 'SOMETHING_NEW')).toMatchObject({
      key: 'agent.errors.conflict',
      values: { code: 'SOMETHING_NEW' },
    });
    expect(refusal(403, 'NOPE')).toMatchObject({ key: 'agent.errors.forbidden' });
    expect(refusal(400, 'ODD')).toMatchObject({ key: 'agent.errors.rejected', refresh: false });
    expect(refusalOf({ ok: false, kind: 'unavailable' })).toMatchObject({ key: 'agent.errors.unreachable' });
    expect(refusalOf({ ok: false, kind: 'unavailable', status: 500 })).toMatchObject({
      key: 'agent.errors.server',
      values: { status: 500 },
    });
    expect(refusalOf({ ok: false, kind: 'missing' })).toMatchObject({ key: 'agent.errors.missing' });
  });
});

describe('the call panel', () => {
  const agent = (state: AgentView['state'], extra: Partial<AgentView> = {}): AgentView => ({
    id: 'a1',
    name: 'A',
    teamId: null,
    role: 'agent',
    lineKind: 'sip',
    endpoint: 'PJSIP/1',
    lineMode: 'persistent',
    inboundRole: 'none',
    state,
    since: '2025-01-01T00:00:10.000Z',
    lineUp: true,
    idleSince: '2025-01-01T00:00:00.000Z',
    missedOffers: 0,
    ...extra,
  });
  const preview = (phase: PreviewView['phase']): PreviewView => ({
    attemptId: 'at1',
    campaignId: 'c1',
    campaignName: 'C',
    phase,
    lead: {
      id: 'l1',
      name: null,
      numberMasked: '****1234',
      fields: {},
      attempts: 0,
      state: 'reserved',
      lastOutcome: null,
      lastDisposition: null,
    },
    history: [],
    onPreviewTimeout: 'dial',
    dispositions: [],
    script: null,
  });
  const input = (extra: Partial<Parameters<typeof callView>[0]>) => ({
    call: null,
    callRoute: 'missing' as const,
    agent: null,
    preview: null,
    phaseSince: null,
    recordingPaused: {},
    callerNumbers: {},
    ...extra,
  });

  it('without the call route: a dialer call ringing from its dial, talking from the answer', () => {
    expect(callView(input({ agent: agent('reserved'), preview: preview('preview') }))).toBeNull();
    expect(
      callView(input({ agent: agent('reserved'), preview: preview('dialing'), phaseSince: 5 })),
    ).toMatchObject({
      kind: 'dialer',
      state: 'ringing',
      since: 5,
      numberMasked: '****1234',
      controls: false,
      callId: null,
    });
    expect(callView(input({ agent: agent('on-call'), preview: preview('connected') }))).toMatchObject({
      state: 'talking',
      since: Date.parse('2025-01-01T00:00:10.000Z'),
    });
    expect(callView(input({ agent: agent('wrap-up'), preview: preview('ended') }))).toBeNull();
  });

  it('without the call route: on a call with no lead is a hotline caller, with its call id for the recording', () => {
    expect(
      callView(input({ agent: agent('on-call', { callId: 'h1' }), recordingPaused: { h1: true } })),
    ).toMatchObject({
      kind: 'hotline',
      state: 'talking',
      callId: 'h1',
      recordingPaused: true,
      numberMasked: null,
    });
  });

  it('with the call route: its answer, with the controls; "no call" is no panel', () => {
    const call: CurrentCall = {
      callId: 'c9',
      kind: 'dialer',
      state: 'held',
      numberMasked: '****9',
      startedAt: 1,
      answeredAt: 3,
      heldSince: 7,
      recordingPaused: false,
      campaignId: 'c1',
      attemptId: 'at1',
      consult: null,
    };
    expect(callView(input({ call, callRoute: 'present', agent: agent('on-call') }))).toMatchObject({
      state: 'held',
      since: 3,
      heldSince: 7,
      callId: 'c9',
      controls: true,
    });
    expect(
      callView(input({ callRoute: 'present', agent: agent('on-call'), preview: preview('connected') })),
    ).toBeNull();
  });
});
