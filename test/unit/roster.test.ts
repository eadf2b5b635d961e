import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentImportError, AgentRoster, type RosterChange, teamsLedBy } from '../../src/agents/roster.js';
import type { AgentStateName, NotReadyReason } from '../../src/agents/state.js';
import { type AgentInput, openStore, type Store } from '../../src/store/index.js';

let store: Store;
let roster: AgentRoster;
let reloads: number;
let changes: RosterChange[];
let now: number;
beforeEach(() => {
  store = openStore(':memory:');
  reloads = 0;
  changes = [];
  now = 5_000;
  roster = new AgentRoster({
    store,
    seats: { reload: async () => void reloads++ },
    logger: pino({ level: 'silent' }),
    now: () => now,
  });
  roster.onChange((change) => changes.push(change));
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

describe('AgentRoster', () => {
  it('writes teams and seats at its clock, reloads the live seats and tells listeners', async () => {
    await roster.createTeam({ id: 'sales', name: 'Sales' }, 'admin');
    expect(await roster.createAgent(seat('a1', { teamId: 'sales' }), 'admin')).toMatchObject({
      createdAt: 5_000,
    });
    now = 6_000;
    expect(await roster.updateAgent('a1', { name: 'Ann' }, 'admin')).toMatchObject({ updatedAt: 6_000 });
    expect(await roster.updateAgent('nope', { name: 'x' }, 'admin')).toBeNull();
    expect(await roster.deactivateAgent('a1', 'admin')).toBe(true);
    expect(await roster.deactivateAgent('a1', 'admin')).toBe(false);
    expect(await roster.deactivateAgent('nope', 'admin')).toBeNull();
    expect(await roster.removeTeam('sales', 'admin')).toBe(true);
    expect(reloads).toBe(5);
    expect(changes).toEqual([
      { kind: 'team', teamId: 'sales', change: 'created' },
      { kind: 'agent', agentId: 'a1', change: 'created' },
      { kind: 'agent', agentId: 'a1', change: 'updated' },
      { kind: 'agent', agentId: 'a1', change: 'deactivated' },
      { kind: 'team', teamId: 'sales', change: 'deleted' },
    ]);
  });

  it('imports rows or a CSV (team by name), and refuses an unreadable CSV whole', async () => {
    await roster.createTeam({ id: 'sales', name: 'Sales' }, 'admin');
    const result = await roster.importAgents('id,name,team,endpoint\na1,Ann,Sales,PJSIP/1\n', 'admin');
    expect(result).toEqual({ created: 1, updated: 0, errors: [] });
    expect(roster.agent('a1')).toMatchObject({ teamId: 'sales', createdAt: 5_000 });
    await expect(roster.importAgents('id,colour\n', 'admin')).rejects.toBeInstanceOf(AgentImportError);
    expect(await roster.importAgents([{ id: 'bad id' }], 'admin')).toMatchObject({ created: 0 });
    expect(changes.at(-1)).toEqual({ kind: 'import', created: 1, updated: 0 });
    expect(reloads).toBe(2); // the refused and the empty import reload nothing
  });

  it('answers attendance from the state log, counting from before the window and stopping at now', async () => {
    await roster.createAgent(seat('a1'), 'admin');
    const change = (at: number, from: AgentStateName, to: AgentStateName, reason: NotReadyReason | null) =>
      store.agentLog.add({
        agentId: 'a1',
        at,
        fromState: from,
        event: 'x',
        toState: to,
        reason,
        callId: null,
        by: 'test',
      });
    change(1_000, 'logged-out', 'not-ready', 'login');
    change(2_000, 'not-ready', 'ready', null);
    change(5_000, 'ready', 'not-ready', 'break');
    now = 7_000;
    expect(roster.attendance('a1', 1_500, 10_000)).toMatchObject({
      loggedInMs: 5_500,
      readyMs: 3_000,
      notReadyMs: { login: 500, break: 2_000 },
      logins: [{ at: 1_500, until: 7_000 }],
    });
    expect(roster.attendance('nope', 0, 1)).toBeNull();
  });
});

describe('teamsLedBy', () => {
  it('is the teams naming the agent as leader, and its own team when its seat is a team leader', () => {
    store.teams.create({ id: 'sales', name: 'Sales' });
    store.teams.create({ id: 'support', name: 'Support' });
    store.agents.create(seat('a1', { teamId: 'sales' }));
    store.agents.create(seat('a4', { teamId: 'support', role: 'team-leader' }));
    store.teams.update('sales', { leaderAgentId: 'a1' });
    expect(teamsLedBy(store, 'a1')).toEqual(['sales']);
    expect(teamsLedBy(store, 'a4')).toEqual(['support']);
    store.agents.deactivate('a4', 1);
    expect(teamsLedBy(store, 'a4')).toEqual([]);
  });
});
