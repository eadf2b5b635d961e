import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueSnapshot } from '../../src/agents/types.js';
import { EventBus } from '../../src/lib/events.js';
import type { Role } from '../../src/store/index.js';
import { FakeDirectory } from './fake-directory.js';
import { agentServices, bearer, buildTestApi, type TestApi } from './helpers.js';

const DAY = { from: Date.parse('2025-06-04T00:00:00Z'), to: Date.parse('2025-06-05T00:00:00Z') };
const at = (sec: number) => DAY.from + sec * 1000;

let api: TestApi;
let snapshot: QueueSnapshot;
beforeEach(async () => {
  snapshot = { name: 'hotline', waiting: [], longestWaitMs: 0 };
  api = await buildTestApi({
    agents: (store, logger) => {
      const directory = new FakeDirectory(store);
      return {
        directory,
        ...agentServices(store, logger, directory),
        queue: () => snapshot,
        bus: new EventBus(),
        today: () => DAY,
      };
    },
  });
});
afterEach(async () => {
  await api.close();
});

const get = (url: string, role: Role) =>
  api.app.inject({ url, headers: bearer(api.store.apiKeys.create(`test ${role}`, role).key) });

describe('GET /v1/hotline/queue', () => {
  it('shows the callers waiting to agents and the people who run the center', async () => {
    snapshot = {
      name: 'hotline',
      waiting: [{ callId: 'c1', callerMasked: '******1234', since: at(10), position: 1 }],
      longestWaitMs: 42_000,
    };
    const res = await get('/v1/hotline/queue', 'agent');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      name: 'hotline',
      waiting: [{ callId: 'c1', callerMasked: '******1234', since: '2025-06-04T00:00:10.000Z', position: 1 }],
      longestWaitMs: 42_000,
    });
    expect((await get('/v1/hotline/queue', 'team-leader')).statusCode).toBe(200);
    expect((await get('/v1/hotline/queue', 'qa')).statusCode).toBe(403);
  });
});

describe('GET /v1/hotline/kpis/today', () => {
  beforeEach(() => {
    const { agents, hotlineCalls } = api.store;
    agents.create({
      id: 'a1',
      name: 'Ann',
      teamId: null,
      role: 'agent',
      endpoint: 'PJSIP/1001',
      lineMode: 'persistent',
      inboundRole: 'primary',
    });
    // Yesterday's call does not count.
    hotlineCalls.enqueued({ callId: 'old', at: DAY.from - 1, callerMasked: '1' });
    // Answered after 10 s, 60 s talk, 20 s wrap-up.
    hotlineCalls.enqueued({ callId: 'c1', at: at(0), callerMasked: '1' });
    hotlineCalls.answered('c1', 'a1', at(10));
    hotlineCalls.ended('c1', { at: at(70), outcome: 'answered' });
    hotlineCalls.wrapped('c1', 20_000);
    // Answered after 40 s, still talking.
    hotlineCalls.enqueued({ callId: 'c2', at: at(100), callerMasked: '2' });
    hotlineCalls.answered('c2', 'a1', at(140));
    // Gave up after 30 s.
    hotlineCalls.enqueued({ callId: 'c3', at: at(200), callerMasked: '3' });
    hotlineCalls.ended('c3', { at: at(230), outcome: 'abandoned' });
  });

  it("answers today's KPIs", async () => {
    const res = await get('/v1/hotline/kpis/today', 'supervisor');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      from: '2025-06-04T00:00:00.000Z',
      to: '2025-06-05T00:00:00.000Z',
      serviceLevelSec: 20,
      offered: 3,
      answered: 2,
      abandoned: 1,
      requeued: 0,
      dropped: 0,
      timedOut: 0,
      overflowedOut: 0,
      serviceLevel: 1 / 3,
      asa: 25_000,
      aht: 80_000,
      longestWaitMs: 40_000,
      perAgent: [{ agentId: 'a1', answered: 2, talkMs: 60_000, aht: 80_000 }],
    });
  });

  it('takes the answer target, and is not for agents', async () => {
    expect((await get('/v1/hotline/kpis/today?serviceLevelSec=45', 'team-leader')).json()).toMatchObject({
      serviceLevelSec: 45,
      serviceLevel: 2 / 3,
    });
    expect((await get('/v1/hotline/kpis/today?serviceLevelSec=0', 'admin')).statusCode).toBe(400);
    expect((await get('/v1/hotline/kpis/today', 'agent')).statusCode).toBe(403);
  });
});

describe('team scope of the hotline KPIs', () => {
  it("gives a team leader the hotline's totals but only its own teams' agents", async () => {
    const { agents, teams, hotlineCalls } = api.store;
    teams.create({ id: 'ta', name: 'A' });
    teams.create({ id: 'tb', name: 'B' });
    const seat = (id: string, teamId: string) =>
      agents.create({
        id,
        name: id,
        teamId,
        role: 'agent',
        endpoint: `PJSIP/${id}`,
        lineMode: 'per-call',
        inboundRole: 'primary',
      });
    seat('lead', 'ta');
    seat('a1', 'ta');
    seat('b1', 'tb');
    teams.update('ta', { leaderAgentId: 'lead' });
    // The live seats are read when the directory is built; the routes see the new agents after a reload.
    await api.app.inject({
      method: 'PATCH',
      url: '/v1/agents/a1',
      headers: bearer(api.adminKey),
      payload: { name: 'a1' },
    });
    for (const [callId, agentId] of [
      ['c1', 'a1'],
      ['c2', 'b1'],
    ] as const) {
      hotlineCalls.enqueued({ callId, at: at(0), callerMasked: '1' });
      hotlineCalls.answered(callId, agentId, at(5));
    }
    const leaderKey = api.store.apiKeys.create('lead', 'team-leader', { agentId: 'lead' }).key;
    const led = await api.app.inject({ url: '/v1/hotline/kpis/today', headers: bearer(leaderKey) });
    expect(led.json()).toMatchObject({ offered: 2, answered: 2 });
    expect(led.json().perAgent.map((a: { agentId: string }) => a.agentId)).toEqual(['a1']);
    const all = await get('/v1/hotline/kpis/today', 'supervisor');
    expect(
      all
        .json()
        .perAgent.map((a: { agentId: string }) => a.agentId)
        .sort(),
    ).toEqual(['a1', 'b1']);
  });
});
