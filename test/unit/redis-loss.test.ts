import { describe, expect, it } from 'vitest';
import { agentLinesOnPbx, newerRecord, restoredFromLog } from '../../src/agents/restore.js';
import type { Bridge, Channel } from '../../src/ari/types.js';
import { parseRunId, redisLossCause } from '../../src/lib/redis-guard.js';

describe('noticing that Redis lost the live state', () => {
  const epoch = 'e1';
  it('a missing marker is a loss, a foreign one a replacement, a new run_id a restart, a reconnect alone a reconnect', () => {
    expect(redisLossCause(epoch, 'r1', { marker: null, runId: 'r2' }, true)).toBe('data-lost');
    expect(redisLossCause(epoch, 'r1', { marker: null, runId: 'r1' }, false)).toBe('data-lost');
    expect(redisLossCause(epoch, 'r1', { marker: 'e0', runId: 'r1' }, false)).toBe('data-replaced');
    expect(redisLossCause(epoch, 'r1', { marker: epoch, runId: 'r2' }, false)).toBe('restarted');
    expect(redisLossCause(epoch, 'r1', { marker: epoch, runId: 'r1' }, true)).toBe('reconnected');
    expect(redisLossCause(epoch, 'r1', { marker: epoch, runId: 'r1' }, false)).toBeUndefined();
    expect(redisLossCause(epoch, undefined, { marker: epoch, runId: undefined }, false)).toBeUndefined();
  });
  it('reads run_id from INFO server', () => {
    expect(parseRunId('# Server\r\nredis_version:7.0.15\r\nrun_id:ab12cd\r\ntcp_port:6379\r\n')).toBe(
      'ab12cd',
    );
    expect(parseRunId('# Server\r\n')).toBeUndefined();
  });
});

describe("an agent's state at start when Redis does not know it", () => {
  const now = 1_000_000;
  const noDialer = () => false;
  const log = (toState: string, extra: { reason?: string; callId?: string; at?: number } = {}) => ({
    toState: toState as 'ready',
    reason: extra.reason ?? null,
    callId: extra.callId ?? null,
    at: extra.at ?? 500,
  });

  it("trusts Redis unless the store's log has a later change or Redis has nothing", () => {
    expect(newerRecord({ state: 'ready', since: 600, idleSince: 600 }, log('not-ready', { at: 500 }))).toBe(
      'redis',
    );
    expect(newerRecord({ state: 'ready', since: 400, idleSince: 400 }, log('not-ready', { at: 500 }))).toBe(
      'store',
    );
    expect(newerRecord(undefined, log('not-ready'))).toBe('store');
    expect(newerRecord(undefined, undefined)).toBe('redis');
  });

  it('no log, or logged out: logged out', () => {
    expect(restoredFromLog(undefined, noDialer, now).state).toBe('logged-out');
    expect(restoredFromLog(log('logged-out'), noDialer, now).state).toBe('logged-out');
  });

  it('ready, not ready (with its reason) and wrap-up are restored as logged, from when they began', () => {
    expect(restoredFromLog(log('ready', { at: 700 }), noDialer, now)).toEqual({
      state: 'ready',
      since: 700,
      idleSince: 700,
    });
    expect(restoredFromLog(log('not-ready', { reason: 'lunch' }), noDialer, now)).toEqual({
      state: 'not-ready',
      reason: 'lunch',
      since: 500,
      idleSince: 0,
    });
    expect(restoredFromLog(log('wrap-up', { callId: 'c1' }), noDialer, now)).toMatchObject({
      state: 'wrap-up',
      callId: 'c1',
    });
  });

  it("a dialer call keeps its state (the dialer's recovery settles it); a hotline call Redis alone knew ends", () => {
    const dialer = (id: string) => id === 'att-1';
    expect(restoredFromLog(log('on-call', { callId: 'att-1' }), dialer, now)).toMatchObject({
      state: 'on-call',
      callId: 'att-1',
    });
    expect(restoredFromLog(log('reserved', { callId: 'att-1' }), dialer, now).state).toBe('reserved');
    expect(restoredFromLog(log('on-call', { callId: 'hot-1' }), dialer, now)).toEqual({
      state: 'wrap-up',
      callId: 'hot-1',
      since: now,
      idleSince: 0,
    });
    expect(restoredFromLog(log('reserved', { callId: 'hot-1' }), dialer, now)).toEqual({
      state: 'ready',
      since: now,
      idleSince: now,
    });
  });
});

describe("agents' lines found on the PBX", () => {
  const channel = (id: string, app_data: string, app_name = 'Stasis'): Channel => ({
    id,
    name: `Local/${id}`,
    state: 'Up',
    caller: { name: '', number: '' },
    connected: { name: '', number: '' },
    creationtime: '',
    dialplan: { context: 'default', exten: 's', priority: 1, app_name, app_data },
  });
  const bridge = (id: string): Bridge => ({
    id,
    technology: 'simple_bridge',
    bridge_type: 'mixing',
    bridge_class: 'stasis',
    creator: 'Stasis',
    name: '',
    channels: [],
  });

  it('by the Stasis arguments every line is originated with, in this application only', () => {
    const channels = [
      channel('c1', 'app1,agent-line,a1'),
      channel('c2', 'app1,agent-line,a,2'),
      channel('c3', 'app2,agent-line,a3'),
      channel('c4', 'app1,agent-line,a4'),
      channel('c5', 'app1'),
      channel('c6', 'app1,agent-line,a6', 'Dial'),
    ];
    const inApp = new Set(['c1', 'c2', 'c3', 'c5', 'c6']);
    const lines = agentLinesOnPbx({ channels, bridges: [bridge('app1-agent-a1')], inApp }, 'app1');
    expect([...lines]).toEqual([
      ['a1', { channelId: 'c1', bridgeId: 'app1-agent-a1' }],
      ['a,2', { channelId: 'c2' }],
    ]);
  });
});
