import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentStateName } from '../../src/agents/state.js';
import { EventBus } from '../../src/lib/events.js';
import type { AgentInput, Role } from '../../src/store/index.js';
import { FakeDirectory } from './fake-directory.js';
import { agentServices, bearer, buildTestApi, type TestApi } from './helpers.js';

let api: TestApi;
let directory: FakeDirectory;
/** Keys by who holds them. */
let keys: Record<'admin' | 'supervisor' | 'qa' | 'lead1' | 'lead4' | 'a2' | 'a3', string>;

const seat = (id: string, teamId: string | null, role: AgentInput['role'] = 'agent'): AgentInput => ({
  id,
  name: `Agent ${id}`,
  teamId,
  role,
  endpoint: `PJSIP/${id}`,
  lineMode: 'per-call',
  inboundRole: 'none',
});

/*
 * Team sales: a1 (its leader by the team's leaderAgentId), a2. Team support: a3, and a4, whose own seat
 * has the team-leader role. Team-leader keys belong to a1 and a4.
 */
beforeEach(async () => {
  api = await buildTestApi({
    agents: (store, logger) => {
      store.teams.create({ id: 'sales', name: 'Sales' });
      store.teams.create({ id: 'support', name: 'Support' });
      store.agents.create(seat('a1', 'sales'));
      store.agents.create(seat('a2', 'sales'));
      store.agents.create(seat('a3', 'support'));
      store.agents.create(seat('a4', 'support', 'team-leader'));
      store.teams.update('sales', { leaderAgentId: 'a1' });
      directory = new FakeDirectory(store);
      return {
        directory,
        ...agentServices(store, logger, directory),
        queue: () => ({ name: 'hotline', waiting: [], longestWaitMs: 0 }),
        bus: new EventBus(),
        today: () => ({ from: 0, to: 86_400_000 }),
      };
    },
  });
  const key = (name: string, role: Role, agentId?: string) =>
    api.store.apiKeys.create(name, role, { agentId }).key;
  keys = {
    admin: api.adminKey,
    supervisor: key('sup', 'supervisor'),
    qa: key('qa', 'qa'),
    lead1: key('lead a1', 'team-leader', 'a1'),
    lead4: key('lead a4', 'team-leader', 'a4'),
    a2: key('agent a2', 'agent', 'a2'),
    a3: key('agent a3', 'agent', 'a3'),
  };
});
afterEach(async () => {
  await api.close();
});

const get = (url: string, key: string) => api.app.inject({ url, headers: bearer(key) });
const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, key: string, payload?: unknown) =>
  api.app.inject({
    method,
    url,
    headers: bearer(key),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const setState = (id: string, key: string, payload: object) =>
  send('POST', `/v1/agents/${id}/state`, key, payload);
const ids = (res: { json(): { agents: { id: string }[] } }) => res.json().agents.map((a) => a.id);

describe('GET /v1/agents', () => {
  it('shows each caller the agents in its scope', async () => {
    expect(ids(await get('/v1/agents', keys.admin))).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(ids(await get('/v1/agents', keys.supervisor))).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(ids(await get('/v1/agents', keys.lead1))).toEqual(['a1', 'a2']);
    expect(ids(await get('/v1/agents', keys.lead4))).toEqual(['a3', 'a4']);
    expect(ids(await get('/v1/agents', keys.a2))).toEqual(['a2']);
    expect((await get('/v1/agents', keys.qa)).statusCode).toBe(403);
  });

  it('answers one agent with its live state, within scope', async () => {
    const res = await get('/v1/agents/a2', keys.a2);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: 'a2',
      name: 'Agent a2',
      teamId: 'sales',
      role: 'agent',
      lineKind: 'sip',
      endpoint: 'PJSIP/a2',
      lineMode: 'per-call',
      inboundRole: 'none',
      state: 'logged-out',
      since: expect.stringMatching(/Z$/),
      lineUp: false,
      idleSince: expect.stringMatching(/Z$/),
      missedOffers: 0,
    });
    expect((await get('/v1/agents/a3', keys.a2)).json().error.code).toBe('FORBIDDEN');
    expect((await get('/v1/agents/a3', keys.lead1)).statusCode).toBe(403);
    expect((await get('/v1/agents/nope', keys.admin)).json().error.code).toBe('AGENT_NOT_FOUND');
  });
});

describe('POST /v1/agents/:id/state', () => {
  it('lets an agent log in and get ready, recording who asked', async () => {
    const login = await setState('a2', keys.a2, { event: 'login' });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ id: 'a2', state: 'not-ready', reason: 'login' });
    const ready = await setState('a2', keys.a2, { event: 'ready' });
    expect(ready.json()).toMatchObject({ state: 'ready' });
    expect(api.store.agentLog.forAgent('a2', 0, Date.now() + 1).map((e) => [e.event, e.by])).toEqual([
      ['login', expect.stringMatching(/^agent a2 \(/)],
      ['ready', expect.stringMatching(/^agent a2 \(/)],
    ]);
  });

  it('answers 409 for a move the state machine refuses', async () => {
    await setState('a2', keys.a2, { event: 'login' });
    await setState('a2', keys.a2, { event: 'ready' });
    const res = await setState('a2', keys.a2, { event: 'wrap-up-done' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toEqual({
      code: 'AGENT_STATE_CONFLICT',
      message: 'agent a2: cannot wrap-up-done while ready',
    });
  });

  it('needs a reason a person may give for not-ready, and only for not-ready', async () => {
    await setState('a2', keys.a2, { event: 'login' });
    for (const payload of [
      { event: 'not-ready' },
      { event: 'not-ready', reason: 'line-dropped' },
      { event: 'ready', reason: 'break' },
      { event: 'dance' },
    ]) {
      const res = await setState('a2', keys.a2, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    const res = await setState('a2', keys.a2, { event: 'not-ready', reason: 'break' });
    expect(res.json()).toMatchObject({ state: 'not-ready', reason: 'break' });
  });

  it("takes only the center's not-ready reasons: the service's own and unknown codes are refused", async () => {
    await setState('a2', keys.a2, { event: 'login' });
    for (const reason of ['login', 'after-call', 'missed-calls', 'coffee']) {
      const res = await setState('a2', keys.a2, { event: 'not-ready', reason });
      expect(res.statusCode, reason).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.json().error)).toContain('break, lunch, meeting, training, busy, other');
    }
    const res = await setState('a2', keys.a2, { event: 'not-ready', reason: 'training' });
    expect(res.json()).toMatchObject({ state: 'not-ready', reason: 'training' });
  });

  it('allows the agent, its team leader, supervisors and admins; no one else', async () => {
    const allowed: [string, string][] = [
      ['a2', keys.a2],
      ['a2', keys.lead1],
      ['a3', keys.lead4],
      ['a3', keys.supervisor],
      ['a1', keys.admin],
    ];
    for (const [id, key] of allowed) {
      expect((await setState(id, key, { event: 'login' })).statusCode, id).toBe(200);
      await setState(id, keys.admin, { event: 'logout' });
    }
    const refused: [string, string][] = [
      ['a3', keys.a2],
      ['a3', keys.lead1],
      ['a1', keys.lead4],
      ['a2', keys.qa],
    ];
    for (const [id, key] of refused) {
      expect((await setState(id, key, { event: 'login' })).statusCode, id).toBe(403);
    }
    expect((await setState('nope', keys.admin, { event: 'login' })).statusCode).toBe(404);
  });
});

describe('agent roster', () => {
  it('creates, edits and deactivates agents (admin only), reloading the directory each time', async () => {
    const body = { id: 'a9', name: 'Nia', teamId: 'sales', endpoint: 'PJSIP/1009' };
    expect((await send('POST', '/v1/agents', keys.supervisor, body)).statusCode).toBe(403);

    const created = await send('POST', '/v1/agents', keys.admin, body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ ...body, role: 'agent', lineMode: 'per-call', active: true });
    expect(directory.reloads).toBe(1);
    expect(ids(await get('/v1/agents', keys.lead1))).toEqual(['a1', 'a2', 'a9']);

    const edited = await send('PATCH', '/v1/agents/a9', keys.admin, { inboundRole: 'primary', teamId: null });
    expect(edited.json()).toMatchObject({ inboundRole: 'primary', teamId: null, name: 'Nia' });
    expect(directory.reloads).toBe(2);

    expect((await send('DELETE', '/v1/agents/a9', keys.admin)).statusCode).toBe(204);
    expect(ids(await get('/v1/agents', keys.admin))).not.toContain('a9');
    expect(api.store.agents.get('a9')?.active).toBe(false);
    expect((await send('DELETE', '/v1/agents/a9', keys.admin)).statusCode).toBe(204);
    expect(directory.reloads).toBe(3);

    const back = await send('PATCH', '/v1/agents/a9', keys.admin, { active: true });
    expect(back.json().active).toBe(true);
  });

  it('answers 409, 400 and 404 with codes', async () => {
    const taken = await send('POST', '/v1/agents', keys.admin, { id: 'a1', name: 'X', endpoint: 'PJSIP/1' });
    expect([taken.statusCode, taken.json().error.code]).toEqual([409, 'AGENT_EXISTS']);
    const noTeam = await send('POST', '/v1/agents', keys.admin, {
      id: 'a8',
      name: 'X',
      endpoint: 'PJSIP/1',
      teamId: 'nope',
    });
    expect([noTeam.statusCode, noTeam.json().error.code]).toEqual([400, 'UNKNOWN_TEAM']);
    const badId = await send('POST', '/v1/agents', keys.admin, { id: 'a 8', name: 'X', endpoint: 'PJSIP/1' });
    expect(badId.json().error.details).toEqual([{ path: 'body.id', message: expect.stringMatching(/1-32/) }]);
    expect((await send('PATCH', '/v1/agents/nope', keys.admin, { name: 'X' })).statusCode).toBe(404);
    expect((await send('DELETE', '/v1/agents/nope', keys.admin)).statusCode).toBe(404);
  });

  it("takes a line kind: remote stored in E.164 for the admin, masked in every agent's view", async () => {
    const res = await send('POST', '/v1/agents', keys.admin, {
      id: 'r1',
      name: 'Remote',
      teamId: 'sales',
      lineKind: 'remote',
      remoteNumber: '+86 138 1234 5678',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      lineKind: 'remote',
      remoteNumber: '+8613812345678',
      endpoint: null,
      lineMode: 'persistent',
    });
    const view = await get('/v1/agents/r1', keys.lead1);
    expect(view.json()).toMatchObject({
      lineKind: 'remote',
      endpoint: null,
      remoteNumberMasked: '**********5678',
    });
    expect(view.body).not.toContain('13812345678');

    const sipless = await send('PATCH', '/v1/agents/a2', keys.admin, { lineKind: 'sip', endpoint: null });
    expect([sipless.statusCode, sipless.json().error.code]).toEqual([400, 'INVALID_LINE']);
    expect(sipless.json().error.message).toMatch(/endpoint: a SIP line .* needs the dial string/);
    // The field at fault, for a form to mark (the store's check, as a validation failure's).
    expect(sipless.json().error.details).toEqual([
      { path: 'body.endpoint', message: expect.stringMatching(/needs the dial string/) },
    ]);
    const notANumber = await send('PATCH', '/v1/agents/a2', keys.admin, {
      lineKind: 'remote',
      remoteNumber: 'call me',
    });
    expect([notANumber.statusCode, notANumber.json().error.code]).toEqual([400, 'INVALID_REMOTE_NUMBER']);
    const both = await send('POST', '/v1/agents', keys.admin, {
      id: 'w1',
      name: 'W',
      lineKind: 'webrtc',
      endpoint: 'PJSIP/1',
    });
    expect(both.json().error.details).toEqual([
      { path: 'body.endpoint', message: expect.stringMatching(/browser line/) },
    ]);
    const browser = await send('PATCH', '/v1/agents/a2', keys.admin, { lineKind: 'webrtc' });
    expect(browser.json()).toMatchObject({ lineKind: 'webrtc', endpoint: null });
    expect((await get('/v1/agents/a2', keys.a2)).json()).toMatchObject({
      lineKind: 'webrtc',
      endpoint: 'PJSIP/cc-webrtc-a2',
    });
  });

  it('imports a JSON array, reporting bad rows and importing the rest', async () => {
    const res = await send('POST', '/v1/agents/import', keys.admin, [
      { id: 'a1', name: 'Renamed', endpoint: 'PJSIP/2001', teamId: 'sales' },
      { id: 'b1', name: 'New', endpoint: 'PJSIP/2002' },
      { id: 'b2', name: 'No phone' },
      { id: 'b3', name: 'Bad line', endpoint: 'PJSIP/2003', lineMode: 'sometimes' },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      created: 1,
      updated: 1,
      errors: [
        { row: 3, message: expect.stringMatching(/^endpoint: /) },
        { row: 4, message: expect.stringMatching(/^lineMode: /) },
      ],
    });
    expect(api.store.agents.get('a1')?.name).toBe('Renamed');
    expect(api.store.agents.get('b2')).toBeNull();
    expect(directory.reloads).toBe(1);
  });

  it('imports CSV, with the team by name or id', async () => {
    const csv = [
      'id,name,team,role,endpoint,line_mode,inbound_role',
      'c1,Cat,Support,team-leader,PJSIP/3001,persistent,primary',
      'c2,"Dee, Jr.",sales,,PJSIP/3002,,overflow',
      'c3,Eve,Marketing,,PJSIP/3003,,',
    ].join('\r\n');
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/agents/import',
      headers: { ...bearer(keys.admin), 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.json()).toEqual({
      created: 2,
      updated: 0,
      errors: [{ row: 3, message: 'teamId: no team Marketing' }],
    });
    expect(api.store.agents.get('c1')).toMatchObject({
      teamId: 'support',
      role: 'team-leader',
      inboundRole: 'primary',
    });
    expect(api.store.agents.get('c2')).toMatchObject({
      name: 'Dee, Jr.',
      teamId: 'sales',
      lineMode: 'per-call',
    });
  });

  it('refuses a CSV it cannot read, importing nothing', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/agents/import',
      headers: { ...bearer(keys.admin), 'content-type': 'text/csv' },
      payload: 'id,name,endpoint\nc1,Cat,PJSIP/1\nc2,Dee\n',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'CSV_INVALID',
      message: 'line 3: 2 cells where the header has 3',
    });
    expect(api.store.agents.get('c1')).toBeNull();
  });
});

describe('teams', () => {
  it('lists for supervisors and team leaders, edits for admins', async () => {
    expect((await get('/v1/teams', keys.lead1)).json().teams.map((t: { id: string }) => t.id)).toEqual([
      'sales',
      'support',
    ]);
    expect((await get('/v1/teams', keys.a2)).statusCode).toBe(403);

    const created = await send('POST', '/v1/teams', keys.admin, { id: 'night', name: 'Night shift' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'night', name: 'Night shift', leaderAgentId: null });
    expect((await send('POST', '/v1/teams', keys.supervisor, { name: 'X' })).statusCode).toBe(403);

    const led = await send('PATCH', '/v1/teams/night', keys.admin, { leaderAgentId: 'a3' });
    expect(led.json().leaderAgentId).toBe('a3');
    expect((await send('PATCH', '/v1/teams/nope', keys.admin, { name: 'X' })).json().error.code).toBe(
      'TEAM_NOT_FOUND',
    );
    expect((await send('DELETE', '/v1/teams/night', keys.admin)).statusCode).toBe(204);
    expect(directory.reloads).toBe(3);
  });

  it('refuses a taken name, an unknown leader and deleting a team with agents', async () => {
    const taken = await send('POST', '/v1/teams', keys.admin, { name: 'Sales' });
    expect([taken.statusCode, taken.json().error.code]).toEqual([409, 'TEAM_EXISTS']);
    const noLeader = await send('PATCH', '/v1/teams/sales', keys.admin, { leaderAgentId: 'nope' });
    expect([noLeader.statusCode, noLeader.json().error.code]).toEqual([400, 'UNKNOWN_AGENT']);
    const busy = await send('DELETE', '/v1/teams/sales', keys.admin);
    expect([busy.statusCode, busy.json().error.code]).toEqual([409, 'TEAM_NOT_EMPTY']);
  });
});

describe('GET /v1/agents/:id/attendance', () => {
  beforeEach(() => {
    const log = (at: number, event: string, fromState: AgentStateName, toState: AgentStateName) =>
      api.store.agentLog.add({
        agentId: 'a2',
        at,
        fromState,
        event,
        toState,
        reason: toState === 'not-ready' ? 'login' : null,
        callId: null,
        by: 'test',
      });
    log(1_000, 'login', 'logged-out', 'not-ready');
    log(61_000, 'ready', 'not-ready', 'ready');
  });

  it('answers from the log, for today by default or a given window', async () => {
    const today = await get('/v1/agents/a2/attendance', keys.a2);
    expect(today.statusCode).toBe(200);
    expect(today.json()).toMatchObject({
      agentId: 'a2',
      from: '1970-01-01T00:00:00.000Z',
      to: '1970-01-02T00:00:00.000Z',
      notReadyMs: { login: 60_000 },
      logins: [{ at: '1970-01-01T00:00:01.000Z', until: '1970-01-02T00:00:00.000Z' }],
    });
    const window = await get(
      '/v1/agents/a2/attendance?from=1970-01-01T00:00:31.000Z&to=1970-01-01T00:01:31.000Z',
      keys.lead1,
    );
    expect(window.json()).toMatchObject({
      loggedInMs: 60_000,
      readyMs: 30_000,
      notReadyMs: { login: 30_000 },
    });
  });

  it('is scoped like the agent, and checks the window', async () => {
    expect((await get('/v1/agents/a2/attendance', keys.a3)).statusCode).toBe(403);
    expect((await get('/v1/agents/a2/attendance', keys.lead4)).statusCode).toBe(403);
    expect((await get('/v1/agents/a2/attendance', keys.supervisor)).statusCode).toBe(200);
    expect((await get('/v1/agents/nope/attendance', keys.admin)).statusCode).toBe(404);
    const backwards = await get(
      '/v1/agents/a2/attendance?from=1970-01-01T00:01:00.000Z&to=1970-01-01T00:00:00.000Z',
      keys.admin,
    );
    expect(backwards.statusCode).toBe(400);
  });
});
