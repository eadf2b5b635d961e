import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentStateName, NotReadyReason } from '../../src/agents/state.js';
import { migrate } from '../../src/store/db.js';
import { type AgentInput, type AgentLogEntry, openStore, Store, StoreError } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

const seat = (id: string, extra: Partial<AgentInput> = {}): AgentInput => ({
  id,
  name: `Agent ${id}`,
  teamId: null,
  role: 'agent',
  endpoint: `PJSIP/${id}`,
  lineMode: 'per-call',
  inboundRole: 'none',
  ...extra,
});

const storeError = (code: string) => expect.objectContaining({ name: 'StoreError', code });

describe('migration 3', () => {
  it('upgrades a database that has keys: they stay, linked to no agent', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.slice(0, 2));
    db.exec(
      "INSERT INTO api_keys (id, name, role, key_hash, prefix, created_at) VALUES ('k1', 'old', 'admin', 'h', 'cc_x', 1)",
    );
    expect(migrate(db, MIGRATIONS.slice(0, 3))).toEqual([3]);
    migrate(db); // the later ones, so that Store finds every table
    const upgraded = new Store(db);
    expect(upgraded.apiKeys.list()[0]).toMatchObject({ id: 'k1', agentId: null });
    upgraded.close();
  });
});

describe('TeamRepository', () => {
  it('creates teams with a chosen or generated id, and refuses a taken name or id', () => {
    const sales = store.teams.create({ id: 'sales', name: 'Sales' }, 1_000);
    expect(sales).toEqual({ id: 'sales', name: 'Sales', leaderAgentId: null, createdAt: 1_000 });
    const support = store.teams.create({ name: 'Support' });
    expect(support.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.teams.list().map((t) => t.name)).toEqual(['Sales', 'Support']);

    expect(() => store.teams.create({ name: 'Sales' })).toThrow(storeError('TEAM_EXISTS'));
    expect(() => store.teams.create({ id: 'sales', name: 'Other' })).toThrow(storeError('TEAM_EXISTS'));
    expect(() => store.teams.update(support.id, { name: 'Sales' })).toThrow(StoreError);
  });

  it('sets a leader that exists, and renames', () => {
    store.teams.create({ id: 'sales', name: 'Sales' });
    expect(() => store.teams.update('sales', { leaderAgentId: 'nobody' })).toThrow(
      storeError('UNKNOWN_AGENT'),
    );
    store.agents.create(seat('a1', { teamId: 'sales', role: 'team-leader' }));
    expect(store.teams.update('sales', { leaderAgentId: 'a1', name: 'Sales North' })).toMatchObject({
      name: 'Sales North',
      leaderAgentId: 'a1',
    });
    expect(store.teams.get('sales')?.leaderAgentId).toBe('a1');
    expect(store.teams.byName('Sales North')?.id).toBe('sales');
    expect(store.teams.update('nope', { name: 'x' })).toBeNull();
  });

  it('refuses to remove a team with active agents; former members become teamless', () => {
    store.teams.create({ id: 'sales', name: 'Sales' });
    store.agents.create(seat('a1', { teamId: 'sales' }));
    expect(() => store.teams.remove('sales')).toThrow(storeError('TEAM_NOT_EMPTY'));

    store.agents.deactivate('a1', 3_000);
    expect(store.teams.remove('sales')).toBe(true);
    expect(store.agents.get('a1')?.teamId).toBeNull();
    expect(store.teams.remove('sales')).toBe(false);
  });
});

describe('AgentRepository', () => {
  beforeEach(() => {
    store.teams.create({ id: 'sales', name: 'Sales' });
  });

  it('creates, reads, edits and lists agents', () => {
    const created = store.agents.create(seat('a101', { teamId: 'sales' }), 1_000);
    expect(created).toMatchObject({ id: 'a101', active: true, createdAt: 1_000, updatedAt: 1_000 });
    expect(store.agents.get('a101')).toEqual(created);
    store.agents.create(seat('a102'));

    const edited = store.agents.update('a102', { inboundRole: 'overflow', teamId: 'sales' }, 2_000);
    expect(edited).toMatchObject({
      inboundRole: 'overflow',
      teamId: 'sales',
      name: 'Agent a102',
      updatedAt: 2_000,
    });
    expect(store.agents.get('a102')).toEqual(edited);
    expect(store.agents.update('nope', { name: 'x' }, 3_000)).toBeNull();

    expect(store.agents.list({ teamId: 'sales' }).map((a) => a.id)).toEqual(['a101', 'a102']);
  });

  it('refuses a taken id and an unknown team', () => {
    store.agents.create(seat('a101'));
    expect(() => store.agents.create(seat('a101'))).toThrow(storeError('AGENT_EXISTS'));
    expect(() => store.agents.create(seat('a102', { teamId: 'nope' }))).toThrow(storeError('UNKNOWN_TEAM'));
    expect(() => store.agents.update('a101', { teamId: 'nope' }, 3_000)).toThrow(storeError('UNKNOWN_TEAM'));
  });

  it('deactivates (keeping the row, dropping team leadership) and reactivates', () => {
    store.agents.create(seat('a1', { teamId: 'sales', role: 'team-leader' }));
    store.agents.create(seat('a2'));
    store.teams.update('sales', { leaderAgentId: 'a1' });

    expect(store.agents.deactivate('a1', 3_000)).toBe(true);
    expect(store.agents.deactivate('a1', 3_000)).toBe(false);
    expect(store.agents.deactivate('nope', 3_000)).toBe(false);
    expect(store.agents.get('a1')).toMatchObject({ active: false, teamId: 'sales' });
    expect(store.teams.get('sales')?.leaderAgentId).toBeNull();
    expect(store.agents.list({ active: true }).map((a) => a.id)).toEqual(['a2']);
    expect(store.agents.list({ active: false }).map((a) => a.id)).toEqual(['a1']);

    store.agents.update('a1', { active: true }, 3_000);
    expect(store.agents.list({ active: true })).toHaveLength(2);
  });

  it('imports good rows, reports bad ones, and keeps an existing agent active flag', () => {
    store.agents.create(seat('a1', { name: 'Old name' }));
    store.agents.deactivate('a1', 3_000);

    const result = store.agents.importMany(
      [
        { id: 'a1', name: 'New name', endpoint: 'PJSIP/1001' },
        { id: 'a2', name: 'Bea', endpoint: 'PJSIP/1002', teamId: 'sales', lineMode: 'persistent' },
        { id: 'bad id', name: 'Cy', endpoint: 'PJSIP/1003' },
        { id: 'a4', name: 'Di', endpoint: 'PJSIP/1004', teamId: 'nope' },
        { id: 'a2', name: 'Bea again', endpoint: 'PJSIP/1002' },
        { id: 'a5', name: 'Ed', endpoint: 'PJSIP/1005', colour: 'red' },
        'not an object',
      ],
      5_000,
    );
    expect(result.created).toBe(1);
    expect(result.updated).toBe(1);
    expect(result.errors).toEqual([
      { row: 3, message: expect.stringMatching(/^id: must be 1-32/) },
      { row: 4, message: 'teamId: no team nope' },
      { row: 5, message: 'id a2 already appears in row 2' },
      { row: 6, message: expect.stringMatching(/colour/) },
      { row: 7, message: expect.stringMatching(/^row: /) },
    ]);
    expect(store.agents.get('a1')).toMatchObject({ name: 'New name', active: false, updatedAt: 5_000 });
    expect(store.agents.get('a2')).toMatchObject({
      name: 'Bea',
      teamId: 'sales',
      role: 'agent',
      lineMode: 'persistent',
      inboundRole: 'none',
      active: true,
    });
    expect(store.agents.get('a4')).toBeNull();
  });
});

describe('AgentLogRepository', () => {
  beforeEach(() => {
    store.agents.create(seat('a1'));
  });

  const change = (
    at: number,
    fromState: AgentStateName,
    event: string,
    toState: AgentStateName,
    reason: NotReadyReason | null = null,
  ): AgentLogEntry => ({ agentId: 'a1', at, fromState, event, toState, reason, callId: null, by: 'test' });

  it('keeps changes and reads a window of them, led by the last change before it', () => {
    store.agentLog.add(change(1_000, 'logged-out', 'login', 'not-ready', 'login'));
    store.agentLog.add(change(2_000, 'not-ready', 'ready', 'ready'));
    store.agentLog.add(change(5_000, 'ready', 'not-ready', 'not-ready', 'break'));

    expect(store.agentLog.forAgent('a1', 2_000, 5_000).map((e) => e.event)).toEqual(['ready']);
    expect(store.agentLog.forAgent('a1', 0, 10_000)[0]).toEqual(
      change(1_000, 'logged-out', 'login', 'not-ready', 'login'),
    );
    expect(store.agentLog.window('a1', 1_500, 7_000).map((e) => e.at)).toEqual([1_000, 2_000, 5_000]);
    expect(store.agentLog.window('a1', 0, 1_000)).toEqual([]);
  });
});

describe('HotlineCallRepository', () => {
  beforeEach(() => {
    store.agents.create(seat('a1'));
  });

  it('records a call from queue to wrap-up', () => {
    expect(store.hotlineCalls.enqueued({ callId: 'c1', at: 1_000, callerMasked: '******1234' })).toBe(true);
    expect(store.hotlineCalls.enqueued({ callId: 'c1', at: 9_000, callerMasked: 'x' })).toBe(false);
    expect(store.hotlineCalls.answered('c1', 'a1', 4_000)).toBe(true);
    expect(store.hotlineCalls.answered('c1', 'a1', 5_000)).toBe(false);
    expect(store.hotlineCalls.get('c1')).toMatchObject({ waitMs: 3_000, talkMs: null, outcome: null });
    expect(store.hotlineCalls.ended('c1', { at: 64_000, outcome: 'answered' })).toBe(true);
    expect(store.hotlineCalls.ended('c1', { at: 99_000, outcome: 'abandoned' })).toBe(false);
    expect(store.hotlineCalls.wrapped('c1', 15_000)).toBe(true);
    expect(store.hotlineCalls.get('c1')).toEqual({
      callId: 'c1',
      enqueuedAt: 1_000,
      answeredAt: 4_000,
      endedAt: 64_000,
      agentId: 'a1',
      outcome: 'answered',
      waitMs: 3_000,
      talkMs: 60_000,
      wrapMs: 15_000,
      callerMasked: '******1234',
      droppedAt: null,
      nextAgentId: null,
      nextAnsweredAt: null,
      nextTalkMs: null,
    });
    expect(store.hotlineCalls.get('nope')).toBeNull();
  });

  it("keeps the first agent and talk of a call requeued after the agent's line dropped, and the next leg", () => {
    store.agents.create(seat('a2'));
    store.hotlineCalls.enqueued({ callId: 'c1', at: 1_000, callerMasked: '1' });
    store.hotlineCalls.answered('c1', 'a1', 4_000);
    expect(store.hotlineCalls.requeued('c1', 34_000)).toBe(true);
    expect(store.hotlineCalls.get('c1')).toMatchObject({ agentId: 'a1', waitMs: 3_000, talkMs: 30_000 });
    expect(store.hotlineCalls.answered('c1', 'a2', 40_000)).toBe(true);
    expect(store.hotlineCalls.answered('c1', 'a2', 41_000)).toBe(false);
    store.hotlineCalls.ended('c1', { at: 100_000, outcome: 'requeued' });
    expect(store.hotlineCalls.get('c1')).toMatchObject({
      agentId: 'a1',
      answeredAt: 4_000,
      waitMs: 3_000,
      talkMs: 30_000,
      droppedAt: 34_000,
      nextAgentId: 'a2',
      nextAnsweredAt: 40_000,
      nextTalkMs: 60_000,
      outcome: 'requeued',
    });
    // Never answered again: the first leg stands, no wait is added to it.
    store.hotlineCalls.enqueued({ callId: 'c2', at: 1_000, callerMasked: '2' });
    store.hotlineCalls.answered('c2', 'a1', 2_000);
    store.hotlineCalls.requeued('c2', 12_000);
    store.hotlineCalls.ended('c2', { at: 50_000, outcome: 'dropped' });
    expect(store.hotlineCalls.get('c2')).toMatchObject({
      agentId: 'a1',
      waitMs: 1_000,
      talkMs: 10_000,
      nextAgentId: null,
      nextTalkMs: null,
      outcome: 'dropped',
    });
  });

  it('records an unanswered call and lists a day', () => {
    store.hotlineCalls.enqueued({ callId: 'c1', at: 1_000, callerMasked: '1' });
    store.hotlineCalls.enqueued({ callId: 'c2', at: 2_000, callerMasked: '2' });
    store.hotlineCalls.enqueued({ callId: 'c3', at: 3_000, callerMasked: '3' });
    store.hotlineCalls.ended('c2', { at: 32_000, outcome: 'abandoned' });
    expect(store.hotlineCalls.wrapped('c2', 1)).toBe(false);
    expect(store.hotlineCalls.get('c2')).toMatchObject({
      waitMs: 30_000,
      talkMs: null,
      outcome: 'abandoned',
    });
    expect(store.hotlineCalls.forDay(1_500, 3_000).map((c) => c.callId)).toEqual(['c2']);
  });
});
