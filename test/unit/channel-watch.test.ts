import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { AriRest } from '../../src/ari/rest.js';
import { EventRouter } from '../../src/ari/router.js';
import { type CallJournal, CallSession } from '../../src/ari/session.js';
import type { Channel, RawAriEvent } from '../../src/ari/types.js';
import { ChannelWatch } from '../../src/ari/watch.js';

const logger = pino({ level: 'silent' });
const channel = { id: 'c1', name: 'Local/x', state: 'Up' } as Channel;
const event = (type: string, extra: Record<string, unknown> = {}) =>
  ({ type, application: 'app', timestamp: '', channel, ...extra }) as RawAriEvent;
const journal: CallJournal = { opened: () => {}, answered: () => {}, ended: () => {}, event: () => {} };

function setup() {
  const onUnrouted = vi.fn();
  const router = new EventRouter(logger, { onNewChannel: vi.fn(), onUnrouted });
  const rest = {
    subscribeApplication: vi.fn(async () => ({})),
    unsubscribeApplication: vi.fn(async () => ({})),
    hangup: vi.fn(async () => {}),
  };
  const session = new CallSession(channel, 'outbound', {
    rest: rest as unknown as AriRest,
    router,
    journal,
    logger,
  });
  const deps = { app: 'app', rest: rest as unknown as AriRest, router, log: logger };
  return { router, rest, session, deps, onUnrouted };
}

describe('ChannelWatch', () => {
  it('takes the channel over at StasisEnd, keeps the last value of the variables asked for, ends at ChannelDestroyed', async () => {
    const { router, rest, session, deps, onUnrouted } = setup();
    const watch = await ChannelWatch.follow(session, ['FAXSTATUS', 'FAXPAGES'], deps);
    expect(rest.subscribeApplication).toHaveBeenCalledWith('app', 'channel:c1');
    router.dispatch(event('StasisEnd'));
    await session.done;
    // The session is gone; the channel's events still reach the watch (none unrouted).
    router.dispatch(event('ChannelVarset', { variable: 'FAXSTATUS', value: 'FAILED' }));
    router.dispatch(event('ChannelVarset', { variable: 'FAXPAGES', value: '0' }));
    router.dispatch(event('ChannelVarset', { variable: 'CC_OTHER', value: 'x' }));
    router.dispatch(event('ChannelVarset', { variable: 'FAXSTATUS', value: 'SUCCESS' }));
    router.dispatch(event('ChannelVarset', { variable: 'FAXPAGES', value: '3' }));
    router.dispatch(event('ChannelDestroyed', { cause: 16 }));
    expect(await watch.ended).toEqual({ variables: { FAXSTATUS: 'SUCCESS', FAXPAGES: '3' }, cause: 16 });
    expect(onUnrouted).not.toHaveBeenCalled();
    // Nothing stays attached: Asterisk dropped the subscription with the channel, the router forgot it.
    expect(router.size).toBe(0);
    expect(rest.unsubscribeApplication).not.toHaveBeenCalled();
    // The session never hung the channel up: it lives on in the dialplan.
    expect(rest.hangup).not.toHaveBeenCalled();
  });

  it('stop ends it sooner: unsubscribed, nothing left in the router', async () => {
    const { router, rest, session, deps } = setup();
    const watch = await ChannelWatch.follow(session, ['FAXSTATUS'], deps);
    router.dispatch(event('StasisEnd'));
    await session.done;
    await watch.stop();
    expect(await watch.ended).toEqual({ variables: {}, cause: undefined });
    expect(rest.unsubscribeApplication).toHaveBeenCalledWith('app', 'channel:c1');
    expect(router.size).toBe(0);
  });

  it('a failed subscription throws and leaves nothing behind', async () => {
    const { router, rest, session, deps } = setup();
    rest.subscribeApplication.mockRejectedValueOnce(new Error('refused'));
    await expect(ChannelWatch.follow(session, ['FAXSTATUS'], deps)).rejects.toThrow('refused');
    router.dispatch(event('StasisEnd'));
    await session.done;
    expect(router.size).toBe(0);
  });
});
