import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { bridgeTask } from '../../src/ari/bridge.js';
import { AriError } from '../../src/ari/errors.js';
import { PlayTask } from '../../src/ari/play.js';
import type { AriRest } from '../../src/ari/rest.js';
import { EventRouter } from '../../src/ari/router.js';
import { type CallJournal, CallSession, SessionEndedError } from '../../src/ari/session.js';
import type { Channel, RawAriEvent } from '../../src/ari/types.js';
import { bestEffort } from '../../src/lib/best-effort.js';

const logger = pino({ level: 'silent' });

function channel(id: string, state: Channel['state'] = 'Up'): Channel {
  return {
    id,
    name: `PJSIP/${id}`,
    state,
    caller: { name: '', number: '' },
    connected: { name: '', number: '' },
    creationtime: '',
  };
}

function event(type: string, extra: Record<string, unknown>): RawAriEvent {
  return { type, application: 'app', timestamp: '', ...extra } as RawAriEvent;
}

/** A stand-in for the REST client that records every command; `hold` keeps a command's answer back. */
function fakeRest() {
  const calls: string[] = [];
  const held = new Map<string, () => void>();
  const hold = (command: string) => new Promise<void>((resolve) => held.set(command, resolve));
  const holding = new Set<string>();
  const run = async (command: string, line: string) => {
    calls.push(line);
    if (holding.has(command)) await hold(command);
  };
  const rest = {
    hangup: vi.fn((id: string) => run('hangup', `hangup ${id}`)),
    createBridge: vi.fn((id: string) => run('createBridge', `create ${id}`)),
    addToBridge: vi.fn((id: string, channels: string[]) => run('addToBridge', `add ${channels} to ${id}`)),
    destroyBridge: vi.fn((id: string) => run('destroyBridge', `destroy ${id}`)),
    startMoh: vi.fn((id: string) => run('startMoh', `moh on ${id}`)),
    stopMoh: vi.fn(async (id: string) => {
      calls.push(`moh off ${id}`);
      throw new AriError('channels.stopMoh', 'not-found', 404, 'Channel not found');
    }),
    playOnChannel: vi.fn((channelId: string, media: string[], id: string) =>
      run('playOnChannel', `play ${media} on ${channelId} as ${id}`),
    ),
    stopPlayback: vi.fn((id: string) => run('stopPlayback', `stop ${id}`)),
  };
  return {
    rest: rest as unknown as AriRest,
    calls,
    /** Holds the answer of every later `command` until release(command). */
    holdNext: (command: string) => holding.add(command),
    release: (command: string) => {
      holding.delete(command);
      held.get(command)?.();
    },
  };
}

function setup(options: { now?: () => Date } = {}) {
  const router = new EventRouter(logger, { onNewChannel: vi.fn() });
  const fake = fakeRest();
  const times: Record<string, Date> = {};
  const journal: CallJournal = {
    opened: () => {},
    answered: (_id, at) => {
      times.answered = at;
    },
    ended: (_id, _reason, at) => {
      times.ended = at;
    },
    event: () => {},
  };
  const session = new CallSession(channel('caller', 'Ring'), 'inbound', {
    rest: fake.rest,
    router,
    journal,
    logger,
    now: options.now,
  });
  /** Ends the call from the far side, as Asterisk would report it. */
  const farHangup = () => router.dispatch(event('StasisEnd', { channel: channel('caller') }));
  /** The service hangs up, and Asterisk confirms the channel left (else teardown waits up to 2 s). */
  const hangup = (reason: string) => {
    const done = session.hangup(reason);
    farHangup();
    return done;
  };
  return { ...fake, router, session, times, farHangup, hangup };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('bridgeTask: the one way a caller is bridged with another party', () => {
  it('refuses a spec that cannot work', () => {
    expect(() => bridgeTask({ bridge: { create: { app: 'cc', name: 'x' } } })).toThrow(/needs a leg/);
    expect(() => bridgeTask({ bridge: { join: 'b1' }, hangupWhenLegLeaves: 'gone' })).toThrow(
      /needs a leg to watch/,
    );
    expect(() => bridgeTask({ bridge: { join: '' } })).toThrow();
    expect(() => bridgeTask({ bridge: { join: 'b1' }, stopAtJoin: [{} as never] })).toThrow(/running task/);
    expect(() => bridgeTask({ bridge: { join: 'b1', create: {} } as never })).toThrow();
  });

  it('joins the caller into a bridge it does not own: music and waiting media stop, teardown leaves it', async () => {
    const { session, calls, farHangup } = setup();
    const tone = { kill: vi.fn() };
    const result = await session.run(
      bridgeTask({ bridge: { join: 'agent-bridge' }, stopMoh: true, stopAtJoin: [tone] }),
    );
    expect(result).toEqual({ bridgeId: 'agent-bridge', owned: false });
    expect(tone.kill).toHaveBeenCalledOnce();
    // A caller whose music already stopped (404) is no failure.
    expect(calls).toEqual(['moh off caller', 'add caller to agent-bridge']);
    farHangup();
    await session.done;
    expect(calls).not.toContain('destroy agent-bridge');
  });

  it('creates a bridge the call owns (named after the app), and teardown destroys it once', async () => {
    const { session, calls, hangup } = setup();
    const { bridgeId, owned } = await session.run(
      bridgeTask({ bridge: { create: { app: 'cc', name: 'hotline call' } }, legs: ['agent-leg'] }),
    );
    expect(owned).toBe(true);
    expect(bridgeId).toMatch(/^cc-/);
    expect(calls).toEqual([`create ${bridgeId}`, `add caller,agent-leg to ${bridgeId}`]);
    await Promise.all([hangup('done'), session.hangup('again')]);
    expect(calls.filter((c) => c === `destroy ${bridgeId}`)).toHaveLength(1);
  });

  it('a bridge whose creation fails is still released by teardown (nothing outlives the call)', async () => {
    const { session, calls, rest, hangup } = setup();
    vi.mocked(rest.createBridge).mockRejectedValueOnce(new AriError('bridges.create', 'failed', 500, 'x'));
    const task = bridgeTask({ bridge: { create: { app: 'cc', name: 'x' } }, legs: ['leg'] });
    await expect(session.run(task)).rejects.toThrow(/bridges.create/);
    await hangup('failed');
    expect(calls.some((c) => /^destroy cc-/.test(c))).toBe(true);
  });

  it('hangs the call up when the other leg leaves, with the reason given', async () => {
    const { session, router } = setup();
    await session.run(
      bridgeTask({
        bridge: { create: { app: 'cc', name: 'x' } },
        legs: ['agent-leg'],
        hangupWhenLegLeaves: 'agent hung up',
      }),
    );
    session.own('channel', 'agent-leg');
    router.dispatch(event('ChannelDestroyed', { channel: channel('agent-leg'), cause: 16 }));
    await flush();
    expect(session.endReason).toBe('agent hung up');
  });
});

describe('PlayTask to another channel (a ring tone on the agent line)', () => {
  it('tells when it started, and the call teardown stops it (the line outlives the call)', async () => {
    const { session, calls, hangup } = setup();
    const started = vi.fn();
    const tone = new PlayTask(['tone:ring'], { target: { kind: 'channel', id: 'line' }, onStarted: started });
    const playing = session.run(tone).catch((err: unknown) => err);
    await flush();
    expect(started).toHaveBeenCalledWith(tone.playbackId);
    expect(calls).toEqual([`play tone:ring on line as ${tone.playbackId}`]);
    await hangup('done');
    expect(calls).toContain(`stop ${tone.playbackId}`);
    expect(await playing).toEqual({ playbackId: tone.playbackId, outcome: 'stopped' });
  });

  it('killed while its play command is in flight: stopped again once the playback exists', async () => {
    const { session, calls, holdNext, release } = setup();
    holdNext('playOnChannel');
    const started = vi.fn();
    const tone = new PlayTask(['tone:ring'], { target: { kind: 'channel', id: 'line' }, onStarted: started });
    const playing = session.run(tone);
    await flush();
    tone.kill(); // the customer answered before Asterisk accepted the tone
    release('playOnChannel');
    expect(await playing).toMatchObject({ outcome: 'stopped' });
    await flush();
    expect(calls.filter((c) => c === `stop ${tone.playbackId}`)).toHaveLength(2);
    expect(started).not.toHaveBeenCalled();
  });

  it('stopped at the join of a bridge task', async () => {
    const { session, calls } = setup();
    const tone = new PlayTask(['tone:ring'], { target: { kind: 'channel', id: 'line' } });
    const playing = session.run(tone);
    await flush();
    await session.run(bridgeTask({ bridge: { join: 'agent-bridge' }, stopAtJoin: [tone] }));
    expect(await playing).toMatchObject({ outcome: 'stopped' });
    expect(calls).toContain(`stop ${tone.playbackId}`);
  });
});

describe('CallSession', () => {
  it('takes its start, answer and end times from the injected clock', async () => {
    let clock = new Date('2026-11-23T02:00:00Z');
    const { session, router, times, farHangup } = setup({ now: () => clock });
    expect(session.startedAt.toISOString()).toBe('2026-11-23T02:00:00.000Z');
    clock = new Date('2026-11-23T02:00:05Z');
    router.dispatch(event('ChannelStateChange', { channel: channel('caller', 'Up') }));
    clock = new Date('2026-11-23T02:01:00Z');
    farHangup();
    await session.done;
    expect(times.answered?.toISOString()).toBe('2026-11-23T02:00:05.000Z');
    expect(times.ended?.toISOString()).toBe('2026-11-23T02:01:00.000Z');
  });

  it('music on hold is best effort: a caller already gone is no error', async () => {
    const { session, calls } = setup();
    await session.startMoh('default');
    await session.stopMoh();
    expect(calls).toEqual(['moh on caller', 'moh off caller']);
  });

  it('a call that ended is "gone" to bestEffort, not a failure worth a warning', async () => {
    const warn = vi.fn();
    await bestEffort(Promise.reject(new SessionEndedError('hangup')), { warn }, 'clean up');
    expect(warn).not.toHaveBeenCalled();
  });
});
