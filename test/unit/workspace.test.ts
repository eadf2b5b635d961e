import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotReadyReasons } from '../../src/agents/reasons.js';
import type { AgentView } from '../../src/agents/types.js';
import type { CurrentCall } from '../../src/calls/types.js';
import { dayBounds } from '../../src/lib/time.js';
import { openStore, type Store } from '../../src/store/index.js';
import { WorkspaceService } from '../../src/workspace/service.js';
import { splitCallbacks, todayStats } from '../../src/workspace/today.js';
import {
  answered,
  attempt,
  campaigns,
  DAY,
  hotlineCall,
  lead,
  NOW,
  seedDay,
  TIMEZONE,
  TODAY,
} from './workspace-fixtures.js';

const flags = (campaignId: string, code: string) =>
  campaignId === 'c1'
    ? { sale: { contact: true, sale: true }, 'no-thanks': { contact: true, sale: false } }[code]
    : undefined;

const group = (disposition: string | null, n: number, extra: Record<string, number> = {}) => ({
  campaignId: 'c1',
  disposition,
  attempts: n,
  dialed: n,
  answered: n,
  talkMs: 0,
  sales: 0,
  saleCents: 0,
  ...extra,
});

describe('todayStats', () => {
  it('adds dialed calls and hotline calls; contacts and sales by the dispositions their campaign flags', () => {
    expect(
      todayStats(
        [
          group('sale', 2, { talkMs: 90_400, sales: 2, saleCents: 2_599_99 }),
          group('no-thanks', 3, { talkMs: 30_000 }),
          group(null, 4, { answered: 0, dialed: 3 }),
          // A code the campaign no longer has, and a campaign that is gone: calls, nothing more.
          group('retired-code', 1, { talkMs: 1_000 }),
          { ...group('sale', 1), campaignId: 'gone' },
        ],
        { answered: 2, talkMs: 100_000 },
        flags,
      ),
    ).toEqual({
      calls: 2 + 3 + 3 + 1 + 1 + 2,
      contacts: 2 + 3 + 2,
      talkSec: 221,
      sales: 2,
      salesAmount: 2599.99,
    });
  });

  it('is all zero for a day without calls', () => {
    expect(todayStats([], { answered: 0, talkMs: 0 }, flags)).toEqual({
      calls: 0,
      contacts: 0,
      talkSec: 0,
      sales: 0,
      salesAmount: 0,
    });
  });
});

describe('splitCallbacks', () => {
  it('puts those due before now as overdue, the rest of the day as today, each soonest first', () => {
    const due = (dueAt: number) => ({ dueAt });
    expect(splitCallbacks([due(50), due(10), due(99), due(100), due(70)], 60, 100)).toEqual({
      overdue: [due(10), due(50)],
      today: [due(70), due(99)],
    });
  });
});

describe('the center day under a fixed clock', () => {
  it('runs from local midnight to local midnight in ivr.timezone', () => {
    expect(dayBounds(TIMEZONE, new Date(NOW))).toEqual(DAY);
    // 23:59:59 local is still the day before; midnight starts the next.
    expect(dayBounds(TIMEZONE, new Date(DAY.from - 1_000)).to).toBe(DAY.from);
    expect(dayBounds(TIMEZONE, new Date(DAY.from)).from).toBe(DAY.from);
  });
});

describe('WorkspaceService', () => {
  let store: Store;
  let views: Map<string, AgentView>;
  let call: CurrentCall | null;
  let workspace: WorkspaceService;

  const view = (id: string, extra: Partial<AgentView> = {}): AgentView => ({
    id,
    name: `Agent ${id}`,
    teamId: 't1',
    role: 'agent',
    lineKind: 'sip',
    endpoint: `PJSIP/${id}`,
    lineMode: 'persistent',
    inboundRole: 'primary',
    state: 'ready',
    since: NOW - 60_000,
    lineUp: true,
    idleSince: NOW - 60_000,
    missedOffers: 0,
    ...extra,
  });

  beforeEach(() => {
    store = openStore(':memory:');
    seedDay(store);
    views = new Map([['a1', view('a1')]]);
    call = null;
    workspace = new WorkspaceService({
      agents: { get: (id) => views.get(id) },
      dialer: { preview: () => undefined },
      campaigns,
      store,
      reasons: new NotReadyReasons([{ code: 'break', label: { 'zh-CN': '休息', en: 'Break' } }]),
      wrapUpSec: 30,
      timezone: TIMEZONE,
      now: () => NOW,
      currentCall: () => call,
    });
  });
  afterEach(() => store.close());

  it("counts today's calls, contacts, talk time and sales of the center's day only, and of this agent only", () => {
    expect(workspace.today('a1')).toEqual(TODAY);
    expect(workspace.today('a2')).toMatchObject({ calls: 1, contacts: 1, sales: 1, salesAmount: 50 });
    expect(workspace.today('a3')).toEqual({ calls: 0, contacts: 0, talkSec: 0, sales: 0, salesAmount: 0 });
  });

  it('moves to the next day at local midnight, not at UTC midnight', () => {
    const late = new WorkspaceService({
      agents: { get: () => undefined },
      dialer: { preview: () => undefined },
      campaigns,
      store,
      reasons: new NotReadyReasons([]),
      wrapUpSec: 30,
      timezone: TIMEZONE,
      // 23:59:59 local on 6 December: yesterday's sale and hotline call are that day's.
      now: () => DAY.from - 1_000,
    });
    expect(late.today('a1')).toEqual({ calls: 2, contacts: 2, talkSec: 1 + 45, sales: 1, salesAmount: 100 });
  });

  it('lists the recent calls, dialer and hotline, newest first, without skipped previews', () => {
    const recent = workspace.recentCalls('a1');
    expect(recent.map((c) => [c.kind, c.at])).toEqual(
      [...recent].sort((a, b) => b.at - a.at).map((c) => [c.kind, c.at]),
    );
    expect(recent).toHaveLength(7); // l1, l2, l3, l4, l6 and two hotline calls
    expect(recent[0]).toEqual({
      id: expect.any(String),
      kind: 'dialer',
      at: NOW - 10 * 60_000 + 1_000,
      numberMasked: '*********4567',
      name: 'Customer l6',
      campaignId: 'c1',
      outcome: 'answered',
      disposition: 'answering-machine',
      talkSec: 5,
    });
    expect(recent.find((c) => c.kind === 'hotline')).toEqual({
      id: 'h-today',
      kind: 'hotline',
      at: NOW - 60 * 60_000,
      numberMasked: '*********9999',
      name: null,
      campaignId: null,
      outcome: 'answered',
      disposition: null,
      talkSec: 120,
    });
    expect(recent.find((c) => c.outcome === 'busy')).toMatchObject({ talkSec: 0, disposition: null });
    expect(workspace.recentCalls('a1', 2)).toEqual(recent.slice(0, 2));
    expect(workspace.recentCalls('a1', 500)).toHaveLength(7);
  });

  it("lists the agent's promised callbacks: overdue, due later today; not tomorrow's or another agent's", () => {
    const promise = (id: string, agentId: string, dueAt: number, notes: string | null) => {
      lead(store, id, id === 'cb-anon' ? null : `Customer ${id}`);
      attempt(store, id, agentId, NOW - 86_400_000, answered(NOW - 86_400_000, 10, 'callback', { notes }));
      store.leads.setState(id, 'new', { state: 'callback', dueAt, agentId }, NOW);
    };
    promise('cb-overdue', 'a1', NOW - 60 * 60_000, 'call after lunch');
    promise('cb-anon', 'a1', NOW - 2 * 60 * 60_000, null);
    promise('cb-later', 'a1', NOW + 3 * 60 * 60_000, 'evening');
    promise('cb-tomorrow', 'a1', DAY.to, 'tomorrow');
    promise('cb-other', 'a2', NOW + 60_000, 'not mine');
    const { overdue, today } = workspace.callbacks('a1');
    expect(overdue.map((c) => c.leadId)).toEqual(['cb-anon', 'cb-overdue']);
    expect(today.map((c) => c.leadId)).toEqual(['cb-later']);
    expect(overdue[1]).toEqual({
      leadId: 'cb-overdue',
      campaignId: 'c1',
      campaignName: 'Spring offer',
      name: 'Customer cb-overdue',
      numberMasked: expect.stringMatching(/^\*+\d{4}$/),
      dueAt: NOW - 60 * 60_000,
      notes: 'call after lunch',
    });
    expect(overdue[0]).toMatchObject({ name: null, notes: null });
    expect(JSON.stringify({ overdue, today })).not.toContain('+4930');
  });

  it('answers the whole first screen: agent, preview, call, reasons, wrap-up end, today, callbacks, recent', () => {
    views.set('a1', view('a1', { state: 'wrap-up', since: NOW - 10_000, callId: 'x' }));
    call = {
      callId: 'x',
      kind: 'dialer',
      state: 'talking',
      numberMasked: '****4567',
      startedAt: NOW - 60_000,
      answeredAt: NOW - 50_000,
      heldSince: null,
      recordingPaused: false,
      campaignId: 'c1',
      attemptId: 'x',
      consult: null,
    };
    const screen = workspace.workspace('a1')!;
    expect(screen.agent.id).toBe('a1');
    expect(screen.preview).toBeNull();
    expect(screen.call).toBe(call);
    expect(screen.wrapUpEndsAt).toBe(NOW - 10_000 + 30_000);
    expect(screen.notReadyReasons.map((r) => [r.code, r.selectable])).toEqual([
      ['break', true],
      ['login', false],
      ['after-call', false],
      ['line-dropped', false],
      ['missed-calls', false],
    ]);
    expect(screen.today).toEqual(TODAY);
    expect(screen.recentCalls).toEqual(workspace.recentCalls('a1'));
    expect(screen.callbacks).toEqual({ overdue: [], today: [] });
    expect(workspace.workspace('nobody')).toBeUndefined();
    views.set('a1', view('a1', { state: 'ready' }));
    expect(workspace.workspace('a1')?.wrapUpEndsAt).toBeNull();
  });

  it('shows no call until the call controls are wired in', () => {
    const bare = new WorkspaceService({
      agents: { get: (id) => views.get(id) },
      dialer: { preview: () => undefined },
      campaigns,
      store,
      reasons: new NotReadyReasons([]),
      wrapUpSec: 30,
      timezone: TIMEZONE,
      now: () => NOW,
    });
    expect(bare.workspace('a1')?.call).toBeNull();
  });

  describe('hotline screen-pop', () => {
    const openCall = (id: string, startedAt: number, callerKey: string | null) =>
      store.calls.open(
        {
          id,
          channelId: `ch-${id}`,
          instanceId: 'test',
          direction: 'inbound',
          callerMasked: '*********6789',
          dnis: '400',
          startedAt,
        },
        callerKey,
      );

    beforeEach(() => {
      // Called before: taken by a2 yesterday.
      openCall('h-yesterday', DAY.from - 3_600_020, 'key-1');
      openCall('earlier', DAY.from - 60_000, 'key-1');
      hotlineCall(store, 'earlier', 'a2', DAY.from - 40_000, 90);
      // Now: pressed 2 then 1 in the IVR, waiting 30 s for a1.
      openCall('now', NOW - 40_000, 'key-1');
      store.ivrSessions.open({
        callId: 'now',
        flow: 'hot',
        version: 1,
        callerMasked: '*********6789',
        dnis: '400',
        startedAt: NOW - 40_000,
      });
      store.ivrSessions.close('now', {
        endedAt: NOW - 30_000,
        outcome: 'queue',
        path: [
          { node: 'menu', type: 'menu', at: NOW - 39_000, digits: '2', result: 'key 2' },
          { node: 'sub', type: 'menu', at: NOW - 35_000, digits: '1', result: 'key 1' },
          { node: 'account', type: 'collect', at: NOW - 33_000, result: 'collected 8 digits' },
          { node: 'q', type: 'queue', at: NOW - 30_000, result: 'hotline' },
        ],
        variables: {},
        tags: [],
      });
      store.hotlineCalls.enqueued({ callId: 'now', at: NOW - 30_000, callerMasked: '*********6789' });
    });

    it('shows the caller offered to the agent: masked number, wait, IVR path with keys, earlier calls', () => {
      views.set('a1', view('a1', { state: 'reserved', callId: 'now' }));
      expect(workspace.hotlineOffer('a1')).toEqual({
        callId: 'now',
        callerMasked: '*********6789',
        waitedSec: 30,
        ivrPath: [
          { node: 'menu', at: NOW - 39_000, keys: '2' },
          { node: 'sub', at: NOW - 35_000, keys: '1' },
          { node: 'account', at: NOW - 33_000, keys: null },
          { node: 'q', at: NOW - 30_000, keys: null },
        ],
        earlierCalls: [
          { at: DAY.from - 60_000, agentId: 'a2', outcome: 'answered', talkSec: 90 },
          { at: DAY.from - 3_600_020, agentId: 'a1', outcome: 'answered', talkSec: 45 },
        ],
      });
    });

    it('keeps showing them once connected, the wait stopped at the answer', () => {
      store.hotlineCalls.answered('now', 'a1', NOW - 12_000);
      views.set('a1', view('a1', { state: 'on-call', callId: 'now' }));
      expect(workspace.hotlineOffer('a1')).toMatchObject({ callId: 'now', waitedSec: 18 });
    });

    it('shows nothing without a hotline caller: ready, a dialer call, another agent took it, the call ended', () => {
      expect(workspace.hotlineOffer('a1')).toBeUndefined();
      views.set('a1', view('a1', { state: 'on-call', callId: 'dialer-attempt-id' }));
      expect(workspace.hotlineOffer('a1')).toBeUndefined();
      store.hotlineCalls.answered('now', 'a2', NOW - 1_000);
      views.set('a1', view('a1', { state: 'on-call', callId: 'now' }));
      expect(workspace.hotlineOffer('a1')).toBeUndefined();
      views.set('a2', view('a2', { state: 'on-call', callId: 'now' }));
      expect(workspace.hotlineOffer('a2')).toBeDefined();
      store.hotlineCalls.ended('now', { at: NOW, outcome: 'answered' });
      views.set('a2', view('a2', { state: 'wrap-up', callId: 'now' }));
      expect(workspace.hotlineOffer('a2')).toBeUndefined();
    });
  });
});
