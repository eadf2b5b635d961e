import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { AriError } from '../../src/ari/errors.js';
import type { AriRest } from '../../src/ari/rest.js';
import { EventRouter } from '../../src/ari/router.js';
import { type CallJournal, CallRegistry, CallSession, SessionEndedError } from '../../src/ari/session.js';
import type { Channel, RawAriEvent } from '../../src/ari/types.js';

const logger = pino({ level: 'silent' });

function channel(id: string, state: Channel['state'] = 'Ring'): Channel {
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
  return { type, application: 'app', timestamp: new Date().toISOString(), ...extra } as RawAriEvent;
}

/** A stand-in for the REST client: records commands; hangup of an already-gone channel is a 404. */
function fakeRest(gone = new Set<string>()) {
  const calls: string[] = [];
  const rest = {
    hangup: vi.fn(async (id: string) => {
      calls.push(`hangup ${id}`);
      if (gone.has(id)) throw new AriError('channels.hangup', 'not-found', 404, 'Channel not found');
    }),
    destroyBridge: vi.fn(async (id: string) => {
      calls.push(`destroy ${id}`);
    }),
    answer: vi.fn(async () => {}),
  };
  return { rest: rest as unknown as AriRest, calls };
}

function journal(): CallJournal & { ends: string[] } {
  const ends: string[] = [];
  return {
    ends,
    opened: () => {},
    answered: () => {},
    ended: (_id, reason) => ends.push(reason),
    event: () => {},
  };
}

describe('EventRouter', () => {
  it('dispatches by channel, bridge, playback and recording id, and by playback target', () => {
    const onNewChannel = vi.fn();
    const router = new EventRouter(logger, { onNewChannel });
    const seen: string[] = [];
    const owner = { id: 'o1', handleEvent: (e: RawAriEvent) => seen.push(e.type) };
    router.register(owner, 'channel', 'c1');
    router.register(owner, 'bridge', 'b1');
    router.register(owner, 'recording', 'r1');
    router.dispatch(event('ChannelStateChange', { channel: channel('c1') }));
    router.dispatch(event('ChannelEnteredBridge', { channel: channel('other'), bridge: { id: 'b1' } }));
    router.dispatch(event('RecordingFinished', { recording: { name: 'r1' } }));
    router.dispatch(event('PlaybackStarted', { playback: { id: 'p-unknown', target_uri: 'channel:c1' } }));
    expect(seen).toEqual([
      'ChannelStateChange',
      'ChannelEnteredBridge',
      'RecordingFinished',
      'PlaybackStarted',
    ]);
    expect(onNewChannel).not.toHaveBeenCalled();
  });

  it('hands a StasisStart for an unowned channel to onNewChannel, and forgets all ids of an owner', () => {
    const onNewChannel = vi.fn();
    const onUnrouted = vi.fn();
    const router = new EventRouter(logger, { onNewChannel, onUnrouted });
    const owner = { id: 'o1', handleEvent: vi.fn() };
    router.register(owner, 'channel', 'c1');
    router.register(owner, 'playback', 'p1');
    expect(router.size).toBe(2);
    router.unregisterOwner(owner);
    expect(router.size).toBe(0);
    router.dispatch(event('ChannelStateChange', { channel: channel('c1') }));
    router.dispatch(event('StasisStart', { channel: channel('c2'), args: [] }));
    expect(owner.handleEvent).not.toHaveBeenCalled();
    expect(onUnrouted).toHaveBeenCalledTimes(1);
    expect(onNewChannel).toHaveBeenCalledTimes(1);
  });

  it('survives malformed events and an owner that throws', () => {
    const router = new EventRouter(logger, { onNewChannel: vi.fn() });
    const good = vi.fn();
    router.register(
      {
        id: 'bad',
        handleEvent: () => {
          throw new Error('boom');
        },
      },
      'channel',
      'c1',
    );
    router.register({ id: 'good', handleEvent: good }, 'bridge', 'b1');
    expect(() => router.dispatch(null as unknown as RawAriEvent)).not.toThrow();
    expect(() => router.dispatch({ type: 42 } as unknown as RawAriEvent)).not.toThrow();
    expect(() => router.dispatch(event('StasisStart', { channel: null }))).not.toThrow();
    router.dispatch(event('ChannelEnteredBridge', { channel: channel('c1'), bridge: { id: 'b1' } }));
    expect(good).toHaveBeenCalledTimes(1);
  });
});

describe('CallSession', () => {
  function setup(gone = new Set<string>()) {
    const router = new EventRouter(logger, { onNewChannel: vi.fn() });
    const { rest, calls } = fakeRest(gone);
    const j = journal();
    const registry = new CallRegistry();
    const session = new CallSession(channel('c1'), 'inbound', {
      rest,
      router,
      journal: j,
      logger,
      onEnded: (s) => registry.remove(s),
    });
    registry.add(session);
    return { router, session, calls, journal: j, registry };
  }

  it('teardown is idempotent, releases what the call owns, and empties router and registry', async () => {
    const { router, session, calls, journal: j, registry } = setup();
    session.own('bridge', 'b1');
    session.own('channel', 'agent-leg');
    const emptied = registry.whenEmpty();
    const first = session.hangup('test');
    const second = session.hangup('again');
    expect(first).toBe(second);
    // The service ended the call: teardown waits (bounded) for Asterisk to confirm the channel left.
    router.dispatch(event('StasisEnd', { channel: channel('c1') }));
    await first;
    await emptied;
    expect(calls.sort()).toEqual(['destroy b1', 'hangup agent-leg', 'hangup c1']);
    expect(j.ends).toEqual(['test']);
    expect(router.size).toBe(0);
    expect(session.state).toBe('ended');
    expect(session.trail).toContain('StasisEnd');
  });

  it('a remote hang-up ends the session, rejects pending waits, and does not hang up the gone channel', async () => {
    const { router, session, calls, journal: j } = setup();
    const waiting = session.waitFor((e) => e.type === 'PlaybackFinished');
    router.dispatch(event('StasisEnd', { channel: channel('c1') }));
    await expect(waiting).rejects.toBeInstanceOf(SessionEndedError);
    await session.done;
    expect(calls).toEqual([]);
    expect(j.ends).toEqual(['hangup']);
  });

  it('state changes go through the transition table: ringing -answer-> up, never back', () => {
    const { router, session } = setup();
    expect(session.state).toBe('ringing');
    router.dispatch(event('ChannelStateChange', { channel: channel('c1', 'Up') }));
    expect(session.state).toBe('up');
    router.dispatch(event('ChannelStateChange', { channel: channel('c1', 'Ring') }));
    expect(session.state).toBe('up');
  });

  it('a waitFor with a timeout rejects and leaves no waiter behind', async () => {
    const { session } = setup();
    await expect(session.waitFor(() => false, { timeoutMs: 10 })).rejects.toThrow(/no event within/);
  });

  it('a hangup racing a channel that already vanished (404) still completes teardown', async () => {
    const { session, journal: j, router } = setup(new Set(['c1']));
    const done = session.hangup('race');
    router.dispatch(
      event('ChannelDestroyed', { channel: channel('c1'), cause: 16, cause_txt: 'Normal Clearing' }),
    );
    await done;
    expect(j.ends).toEqual(['race']);
    expect(router.size).toBe(0);
  });
});
