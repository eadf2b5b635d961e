import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Flow, flowSchema } from '../../src/ivr/flow.js';
import { openStore, type Store } from '../../src/store/index.js';
import { tempDir } from '../harness/tmp.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = tempDir('cc-ivr-store-');
  store = openStore(join(dir, 'ivr.sqlite'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function flow(name: string, numbers: string[] = [], description?: string): Flow {
  return flowSchema.parse({
    name,
    numbers,
    description,
    start: 'bye',
    nodes: { bye: { type: 'hangup', prompts: 'sound:goodbye' } },
  });
}

describe('IvrFlowRepository', () => {
  it('numbers versions per flow and reads back the latest', () => {
    expect(store.ivrFlows.current('sales')).toBeNull();
    expect(store.ivrFlows.save(flow('sales', ['100']), 'alice', 1_000)).toEqual({
      name: 'sales',
      version: 1,
    });
    expect(store.ivrFlows.save(flow('sales', ['101']), 'bob', 2_000)).toEqual({ name: 'sales', version: 2 });
    expect(store.ivrFlows.save(flow('support'), 'carol', 3_000)).toEqual({ name: 'support', version: 1 });

    expect(store.ivrFlows.current('sales')).toEqual({
      name: 'sales',
      document: flow('sales', ['101']),
      version: 2,
      createdAt: 2_000,
      createdBy: 'bob',
    });
    expect(store.ivrFlows.version('sales', 1)?.document).toMatchObject({ numbers: ['100'] });
    expect(store.ivrFlows.version('sales', 3)).toBeNull();
  });

  it('lists the latest version of each flow', () => {
    store.ivrFlows.save(flow('sales', ['100']), 'alice', 1_000);
    store.ivrFlows.save(flow('sales', ['100', '101'], 'Sales line'), 'alice', 2_000);
    store.ivrFlows.save(flow('after-hours'), 'alice', 3_000);
    expect(store.ivrFlows.list()).toEqual([
      { name: 'after-hours', version: 1, numbers: [], createdAt: 3_000 },
      { name: 'sales', version: 2, numbers: ['100', '101'], description: 'Sales line', createdAt: 2_000 },
    ]);
  });

  it('reads a document back as stored, without judging it (the catalog validates)', () => {
    store.db
      .prepare(
        'INSERT INTO ivr_flows (name, version, document, created_at, created_by) VALUES (?, ?, ?, ?, ?)',
      )
      .run('legacy', 1, JSON.stringify({ name: 'legacy', start: 'gone', nodes: {} }), 1, 'x');
    expect(store.ivrFlows.current('legacy')?.document).toEqual({ name: 'legacy', start: 'gone', nodes: {} });
  });
});

describe('IvrSessionRepository', () => {
  const start = {
    callId: 'call-1',
    flow: 'sales',
    version: 2,
    callerMasked: '*******1234',
    dnis: '400',
    startedAt: 1_000,
  };
  const end = {
    endedAt: 9_000,
    outcome: 'queue' as const,
    path: [
      { node: 'main', type: 'menu', at: 1_100, digits: '1', result: 'key 1' },
      { node: 'q', type: 'queue', at: 4_000 },
    ],
    variables: { account: '42' },
    tags: ['vip'],
  };

  it('opens once, and the first close wins', () => {
    expect(store.ivrSessions.open(start)).toBe(true);
    expect(store.ivrSessions.open({ ...start, flow: 'other' })).toBe(false);
    expect(store.ivrSessions.get('call-1')).toEqual({ ...start, end: null });

    expect(store.ivrSessions.close('call-1', end)).toBe(true);
    expect(store.ivrSessions.close('call-1', { ...end, outcome: 'error', endedAt: 10_000 })).toBe(false);
    expect(store.ivrSessions.get('call-1')).toEqual({ ...start, end });
    expect(store.ivrSessions.close('unknown', end)).toBe(false);
    expect(store.ivrSessions.get('unknown')).toBeNull();
  });

  it('lists by start time, newest first, filtered', () => {
    for (const [i, outcome] of (['queue', 'hangup', 'queue'] as const).entries()) {
      const callId = `call-${i}`;
      store.ivrSessions.open({ ...start, callId, startedAt: (i + 1) * 1_000 });
      store.ivrSessions.close(callId, { ...end, outcome });
    }
    store.ivrSessions.open({ ...start, callId: 'live', startedAt: 4_000 });

    const ids = (query: Parameters<Store['ivrSessions']['list']>[0]) =>
      store.ivrSessions.list(query).map((s) => s.callId);
    expect(ids({})).toEqual(['live', 'call-2', 'call-1', 'call-0']);
    expect(ids({ outcome: 'queue' })).toEqual(['call-2', 'call-0']);
    expect(ids({ from: 2_000, to: 4_000 })).toEqual(['call-2', 'call-1']);
    expect(ids({ limit: 1 })).toEqual(['live']);
  });
});

describe('IvrStatsRepository', () => {
  it('counts per day, flow and node, and overflow per number', () => {
    const day = '2025-06-04';
    store.ivrStats.bump(day, 'sales', 'main', 'entries');
    store.ivrStats.bump(day, 'sales', 'main', 'entries');
    store.ivrStats.bump(day, 'sales', 'main', 'timeouts');
    store.ivrStats.bump(day, 'sales', 'main', 'invalid');
    store.ivrStats.bump(day, 'sales', 'billing', 'hangups');
    store.ivrStats.bump('2025-06-05', 'sales', 'main', 'entries');
    store.ivrStats.bumpOverflow(day, '400');
    store.ivrStats.bumpOverflow(day, '400');
    store.ivrStats.bumpOverflow(day, '4008001234');

    expect(store.ivrStats.forDay(day)).toEqual({
      nodes: [
        { flow: 'sales', node: 'billing', entries: 0, timeouts: 0, invalid: 0, hangups: 1 },
        { flow: 'sales', node: 'main', entries: 2, timeouts: 1, invalid: 1, hangups: 0 },
      ],
      overflowed: 3,
    });
    expect(store.ivrStats.forDay('2025-06-06')).toEqual({ nodes: [], overflowed: 0 });
  });
});

describe('VoiceMessageRepository', () => {
  const message = (id: string, createdAt: number) => ({
    id,
    callId: `call-${id}`,
    flow: 'sales',
    node: 'voicemail',
    callerMasked: '****5678',
    dnis: '400',
    recordingName: `vm-${id}`,
    filePath: `/data/vm/${id}.wav`,
    durationSec: 4.2,
    sizeBytes: 67_200,
    createdAt,
  });

  it('adds, finds by id or recording name, and lists newest first', () => {
    store.voiceMessages.add(message('a', 1_000));
    store.voiceMessages.add(message('b', 2_000));
    store.voiceMessages.add({ ...message('c', 3_000), durationSec: null, sizeBytes: null });

    expect(store.voiceMessages.get('a')).toEqual(message('a', 1_000));
    expect(store.voiceMessages.byRecordingName('vm-b')?.id).toBe('b');
    expect(store.voiceMessages.byRecordingName('vm-x')).toBeNull();
    expect(store.voiceMessages.get('c')).toMatchObject({ durationSec: null, sizeBytes: null });
    expect(store.voiceMessages.list().map((m) => m.id)).toEqual(['c', 'b', 'a']);
    expect(store.voiceMessages.list({ from: 1_500, limit: 1 }).map((m) => m.id)).toEqual(['c']);
    expect(store.voiceMessages.list({ to: 2_000 }).map((m) => m.id)).toEqual(['a']);
  });

  it('refuses a second message for the same recording', () => {
    store.voiceMessages.add(message('a', 1_000));
    expect(() => store.voiceMessages.add({ ...message('b', 2_000), recordingName: 'vm-a' })).toThrow(
      /UNIQUE/,
    );
  });
});

describe('CallbackRequestRepository', () => {
  const request = (id: string, requestedAt: number, dueAt?: number) => ({
    id,
    callId: `call-${id}`,
    number: '+4930123456789',
    numberMasked: '**********6789',
    source: 'caller-id' as const,
    requestedAt,
    dueAt,
  });

  it('lists pending requests due first, with masked numbers unless asked', () => {
    store.callbacks.add(request('late', 1_000, 50_000));
    store.callbacks.add(request('asap', 2_000));
    store.callbacks.add({ ...request('done', 500), number: '+4930999999999' });
    store.db.prepare("UPDATE callback_requests SET status = 'done' WHERE id = 'done'").run();

    const pending = store.callbacks.listPending();
    expect(pending).toEqual([
      {
        id: 'asap',
        callId: 'call-asap',
        numberMasked: '**********6789',
        source: 'caller-id',
        requestedAt: 2_000,
        dueAt: 2_000,
        status: 'pending',
      },
      expect.objectContaining({ id: 'late', dueAt: 50_000 }),
    ]);
    expect(JSON.stringify(pending)).not.toContain('4930123456789');

    expect(store.callbacks.listPending(1).map((c) => c.id)).toEqual(['asap']);
    const forDialer = store.callbacks.listPending(undefined, { withNumbers: true });
    expect(forDialer.map((c) => c.number)).toEqual(['+4930123456789', '+4930123456789']);
  });

  it('gets one request, masked unless asked', () => {
    store.callbacks.add({ ...request('x', 1_000), source: 'entered' });
    expect(store.callbacks.get('x')).not.toHaveProperty('number');
    expect(store.callbacks.get('x')).toMatchObject({ source: 'entered', status: 'pending' });
    expect(store.callbacks.get('x', { withNumbers: true })?.number).toBe('+4930123456789');
    expect(store.callbacks.get('y')).toBeNull();
  });
});
