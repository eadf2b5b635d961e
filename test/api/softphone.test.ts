import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SoftphoneService } from '../../src/softphone/service.js';
import type { AgentInput } from '../../src/store/index.js';
import { bearer, buildTestApi, type TestApi } from './helpers.js';
import { type PushLog, softphoneService } from './softphone-fixtures.js';

/** A seat whose line is the browser, or a SIP phone's dial string. */
const seat = (id: string, line: 'browser' | string): AgentInput => ({
  id,
  name: `Agent ${id}`,
  teamId: null,
  role: 'agent',
  ...(line === 'browser' ? { lineKind: 'webrtc' as const } : { lineKind: 'sip' as const, endpoint: line }),
  lineMode: 'persistent',
  inboundRole: 'primary',
});

let api: TestApi;
let pushes: PushLog;
let service: SoftphoneService;
let keys: Record<'a1' | 'b1' | 'supervisor', string>;

beforeEach(async () => {
  pushes = { puts: [], deletes: [], failing: false };
  api = await buildTestApi({
    softphone: (store, logger) => {
      store.agents.create(seat('a1', 'browser'));
      store.agents.create(seat('b1', 'PJSIP/b1'));
      service = softphoneService(store, logger, pushes);
      return { softphone: service };
    },
  });
  keys = {
    a1: api.store.apiKeys.create('a1', 'agent', { agentId: 'a1' }).key,
    b1: api.store.apiKeys.create('b1', 'agent', { agentId: 'b1' }).key,
    supervisor: api.store.apiKeys.create('sup', 'supervisor').key,
  };
});
afterEach(() => api.close());

const get = (key: string, id = 'a1') =>
  api.app.inject({ method: 'GET', url: `/v1/agents/${id}/softphone`, headers: bearer(key) });
const rotate = (key: string, id = 'a1') =>
  api.app.inject({ method: 'POST', url: `/v1/agents/${id}/softphone/rotate`, headers: bearer(key) });

describe('GET /v1/agents/{id}/softphone', () => {
  it('makes the credentials once, pushes auth, aor and endpoint, and answers the same ones again', async () => {
    const res = await get(keys.a1);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({
      wsUrl: 'ws://127.0.0.1:8088/ws',
      sipUri: 'sip:cc-webrtc-a1@127.0.0.1',
      authorizationUser: 'cc-webrtc-a1',
      displayName: 'Agent a1',
      iceServers: [],
    });
    expect(body.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(pushes.puts.map((p) => p.kind)).toEqual(['auth', 'aor', 'endpoint']);
    expect(pushes.puts[0]!.fields.password).toBe(body.password);
    expect(pushes.puts[2]!.fields).toMatchObject({ webrtc: 'yes', aors: 'cc-webrtc-a1', allow: 'opus,ulaw' });

    expect((await get(keys.a1)).json().password).toBe(body.password);
    expect(pushes.puts).toHaveLength(3);
  });

  it('keeps the password sealed in the store and out of the logs', async () => {
    const { password } = (await get(keys.a1)).json();
    const row = api.store.db.prepare('SELECT * FROM softphone_credentials').get();
    expect(JSON.stringify(row)).not.toContain(password);
    await rotate(keys.a1);
    expect(api.logs.join('\n')).not.toContain(password);
    expect(api.logs.join('\n')).not.toContain((await get(keys.a1)).json().password);
  });

  it('is the agent themself or an admin: another agent and a supervisor are refused', async () => {
    expect((await get(keys.b1)).statusCode).toBe(403);
    expect((await get(keys.supervisor)).statusCode).toBe(403);
    expect((await get(api.adminKey)).statusCode).toBe(200);
    expect((await rotate(keys.b1)).statusCode).toBe(403);
  });

  it('answers 409 for an agent whose line is not the browser, 404 for no agent', async () => {
    expect((await get(keys.b1, 'b1')).json().error.code).toBe('NO_BROWSER_LINE');
    expect((await get(keys.b1, 'b1')).statusCode).toBe(409);
    expect((await get(api.adminKey, 'nobody')).statusCode).toBe(404);
    expect(pushes.puts).toEqual([]);
  });

  it('answers 503 when Asterisk refuses the push, and pushes on the next request', async () => {
    pushes.failing = true;
    const res = await get(keys.a1);
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('PBX_UNAVAILABLE');
    pushes.failing = false;
    expect((await get(keys.a1)).statusCode).toBe(200);
    expect(pushes.puts).toHaveLength(3);
  });
});

describe('POST /v1/agents/{id}/softphone/rotate', () => {
  it('makes a new password and pushes it to Asterisk at once', async () => {
    const before = (await get(keys.a1)).json().password;
    const res = await rotate(keys.a1);
    expect(res.statusCode).toBe(200);
    const after = res.json().password;
    expect(after).not.toBe(before);
    expect(pushes.puts.at(-3)!.fields.password).toBe(after);
    expect((await get(keys.a1)).json().password).toBe(after);
    expect((await rotate(api.adminKey)).statusCode).toBe(200);
  });
});

describe('SoftphoneService.syncAll (every ARI connect)', () => {
  it('pushes every browser line again, makes missing ones, removes those no longer the browser', async () => {
    await service.syncAll();
    expect(pushes.puts.map((p) => `${p.kind} ${p.id}`)).toEqual([
      'auth cc-webrtc-a1',
      'aor cc-webrtc-a1',
      'endpoint cc-webrtc-a1',
    ]);
    const { password } = (await get(keys.a1)).json();
    await service.syncAll();
    expect(pushes.puts).toHaveLength(6);
    expect(pushes.puts[3]!.fields.password).toBe(password);

    api.store.agents.update('a1', { lineKind: 'sip', endpoint: 'PJSIP/desk-a1' }, Date.now());
    await service.syncAll();
    expect(pushes.deletes.map((d) => d.kind)).toEqual(['endpoint', 'aor', 'auth']);
    expect(api.store.softphones.get('a1')).toBeNull();
    expect((await get(keys.a1)).statusCode).toBe(409);
  });

  it('never throws when Asterisk refuses: the failure is logged without the password', async () => {
    pushes.failing = true;
    await expect(service.syncAll()).resolves.toBeUndefined();
    expect(api.logs.join('\n')).toMatch(/softphone push failed/);
  });
});
