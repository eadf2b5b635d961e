import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import type { FlowInput } from '../../src/ivr/flow.js';
import type { IvrLiveSnapshot } from '../../src/ivr/live.js';
import { IvrRecords } from '../../src/ivr/records.js';
import type { Role } from '../../src/store/index.js';
import { bearer, buildTestApi, type TestApi } from './helpers.js';

const TODAY = '2025-06-04';

let api: TestApi;
let snapshot: IvrLiveSnapshot;
beforeEach(async () => {
  snapshot = { lines: { capacity: 8, inUse: 0, waiting: 0 }, sessions: [] };
  api = await buildTestApi({
    ivr: (store, logger) => ({
      catalog: new FlowCatalog(store, { logger }),
      records: new IvrRecords(store),
      live: () => snapshot,
      today: () => TODAY,
    }),
  });
});
afterEach(async () => {
  await api.close();
});

const keyFor = (role: Role) => api.store.apiKeys.create(`test ${role}`, role).key;

function hotline(numbers = ['400'], menuTarget = 'bye'): FlowInput {
  return {
    name: 'hotline',
    numbers,
    start: 'main',
    nodes: {
      main: { type: 'menu', prompts: 'sound:hello', options: { 1: menuTarget }, fallback: 'bye' },
      bye: { type: 'hangup', prompts: 'sound:goodbye' },
    },
  };
}

function put(payload: object, options: { name?: string; query?: string; key?: string } = {}) {
  const { name = 'hotline', query = '', key = api.adminKey } = options;
  return api.app.inject({
    method: 'PUT',
    url: `/v1/ivr/flows/${name}${query}`,
    headers: bearer(key),
    payload,
  });
}

const get = (url: string, key = api.adminKey) => api.app.inject({ url, headers: bearer(key) });

describe('IVR flows over REST', () => {
  it('saves versions and reads the current one and each version back', async () => {
    const first = await put(hotline());
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ name: 'hotline', version: 1 });
    expect((await put(hotline(['400', '4008001234']))).json()).toEqual({ name: 'hotline', version: 2 });

    const current = await get('/v1/ivr/flows/hotline');
    expect(current.statusCode).toBe(200);
    expect(current.json()).toMatchObject({
      name: 'hotline',
      version: 2,
      createdAt: expect.any(String),
      createdBy: expect.stringMatching(/^test admin \(/),
      flow: {
        numbers: ['400', '4008001234'],
        nodes: { main: { timeoutMs: 5000, prompts: ['sound:hello'] } },
      },
    });
    expect((await get('/v1/ivr/flows/hotline/versions/1')).json()).toMatchObject({
      version: 1,
      flow: { numbers: ['400'] },
    });
    expect((await get('/v1/ivr/flows')).json()).toEqual({
      flows: [{ name: 'hotline', version: 2, numbers: ['400', '4008001234'], createdAt: expect.any(String) }],
    });
  });

  it('answers 404 for an unknown flow or version', async () => {
    await put(hotline());
    const missing = await get('/v1/ivr/flows/nothing');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('FLOW_NOT_FOUND');
    expect((await get('/v1/ivr/flows/hotline/versions/2')).statusCode).toBe(404);
  });

  it('reports validation problems by node', async () => {
    const res = await put(hotline(['400'], 'nowhere'));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: {
        code: 'FLOW_INVALID',
        message: "flow is invalid: nodes.main.options.1: unknown node 'nowhere'",
        details: [{ path: 'nodes.main.options.1', message: "unknown node 'nowhere'" }],
      },
    });

    const notAnObject = await put([1, 2]);
    expect(notAnObject.statusCode).toBe(400);
    expect(notAnObject.json().error.code).toBe('FLOW_INVALID');
  });

  it('refuses a body whose name is not the one in the path', async () => {
    const res = await put(hotline(), { name: 'sales' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'FLOW_NAME_MISMATCH',
      message: expect.stringMatching(/hotline.*sales/),
    });
    expect((await get('/v1/ivr/flows/sales')).statusCode).toBe(404);
  });

  it('validates only on a dry run', async () => {
    const res = await put(hotline(), { query: '?dryRun=true' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'hotline', valid: true });
    expect((await get('/v1/ivr/flows/hotline')).statusCode).toBe(404);

    const invalid = await put(hotline(['400'], 'nowhere'), { query: '?dryRun=true' });
    expect(invalid.json().error.code).toBe('FLOW_INVALID');
  });

  it('answers 409 when another flow answers a number', async () => {
    await put(hotline(['400']));
    const res = await put({ ...hotline(['400']), name: 'sales' }, { name: 'sales' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toEqual({
      code: 'FLOW_CONFLICT',
      message: "number 400 is already answered by flow 'hotline'",
    });
  });

  it('lets supervisors edit, team leaders read, and nobody else in', async () => {
    expect((await put(hotline(), { key: keyFor('supervisor') })).statusCode).toBe(200);
    const teamLeader = keyFor('team-leader');
    expect((await get('/v1/ivr/flows/hotline', teamLeader)).statusCode).toBe(200);
    expect((await put(hotline(), { key: teamLeader })).statusCode).toBe(403);

    const agent = keyFor('agent');
    for (const url of [
      '/v1/ivr/flows',
      '/v1/ivr/flows/hotline',
      '/v1/ivr/sessions/live',
      '/v1/ivr/stats/today',
    ]) {
      expect((await get(url, agent)).statusCode, url).toBe(403);
    }
    const denied = await put(hotline(), { key: agent });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');

    const qa = keyFor('qa');
    expect((await get('/v1/ivr/messages', qa)).statusCode).toBe(200);
    expect((await get('/v1/ivr/callbacks', qa)).statusCode).toBe(403);
    expect((await get('/v1/ivr/messages', teamLeader)).statusCode).toBe(403);
  });
});

describe('IVR activity over REST', () => {
  it('shows live sessions with lines and counts per node', async () => {
    snapshot = {
      lines: { capacity: 8, inUse: 3, waiting: 1 },
      sessions: [
        { callId: 'c1', flow: 'hotline', version: 2, node: 'main', since: Date.UTC(2025, 5, 4, 2) },
        { callId: 'c2', flow: 'hotline', version: 2, node: 'main', since: Date.UTC(2025, 5, 4, 2, 1) },
        { callId: 'c3', flow: 'sales', version: 1, node: 'main', since: Date.UTC(2025, 5, 4, 2, 2) },
      ],
    };
    const res = await get('/v1/ivr/sessions/live', keyFor('team-leader'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      count: 3,
      lines: { capacity: 8, inUse: 3, waiting: 1 },
      byNode: { 'hotline/main': 2, 'sales/main': 1 },
      sessions: [
        { callId: 'c1', flow: 'hotline', version: 2, node: 'main', since: '2025-06-04T02:00:00.000Z' },
        expect.objectContaining({ callId: 'c2' }),
        expect.objectContaining({ callId: 'c3' }),
      ],
    });
  });

  it("shows today's counters", async () => {
    api.store.ivrStats.bump(TODAY, 'hotline', 'main', 'entries');
    api.store.ivrStats.bump(TODAY, 'hotline', 'main', 'timeouts');
    api.store.ivrStats.bump('2025-06-03', 'hotline', 'main', 'entries');
    api.store.ivrStats.bumpOverflow(TODAY, '400');
    const res = await get('/v1/ivr/stats/today');
    expect(res.json()).toEqual({
      day: TODAY,
      nodes: [{ flow: 'hotline', node: 'main', entries: 1, timeouts: 1, invalid: 0, hangups: 0 }],
      overflowed: 1,
    });
  });

  it('lists voice messages without file paths', async () => {
    const message = {
      callId: 'c1',
      flow: 'hotline',
      node: 'voicemail',
      callerMasked: '*******1234',
      dnis: '400',
      filePath: '/var/lib/cc/vm/m1.wav',
      durationSec: 3.5,
      sizeBytes: 56_000,
    };
    api.store.voiceMessages.add({
      ...message,
      id: 'm1',
      recordingName: 'r1',
      createdAt: Date.UTC(2025, 5, 3),
    });
    api.store.voiceMessages.add({
      ...message,
      id: 'm2',
      recordingName: 'r2',
      createdAt: Date.UTC(2025, 5, 4),
    });

    const res = await get('/v1/ivr/messages?from=2025-06-03T12:00:00Z', keyFor('qa'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      messages: [
        {
          id: 'm2',
          callId: 'c1',
          flow: 'hotline',
          node: 'voicemail',
          callerMasked: '*******1234',
          dnis: '400',
          recordingName: 'r2',
          durationSec: 3.5,
          sizeBytes: 56_000,
          createdAt: '2025-06-04T00:00:00.000Z',
        },
      ],
    });
    expect((await get('/v1/ivr/messages?from=yesterday')).json().error.code).toBe('VALIDATION_FAILED');
  });

  it('lists pending callbacks with masked numbers only', async () => {
    api.store.callbacks.add({
      id: 'cb1',
      callId: 'c1',
      number: '+4930123456789',
      numberMasked: '**********6789',
      source: 'entered',
      requestedAt: Date.UTC(2025, 5, 4, 2),
    });
    const res = await get('/v1/ivr/callbacks', keyFor('team-leader'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      callbacks: [
        {
          id: 'cb1',
          callId: 'c1',
          numberMasked: '**********6789',
          source: 'entered',
          requestedAt: '2025-06-04T02:00:00.000Z',
          dueAt: '2025-06-04T02:00:00.000Z',
          status: 'pending',
        },
      ],
    });
    expect(res.body).not.toContain('4930123456789');
  });

  it('documents the IVR routes under the ivr tag', async () => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json();
    const ivrPaths = Object.keys(doc.paths).filter((path) => path.startsWith('/v1/ivr/'));
    expect(ivrPaths.sort()).toEqual([
      '/v1/ivr/callbacks',
      '/v1/ivr/flows',
      '/v1/ivr/flows/{name}',
      '/v1/ivr/flows/{name}/versions/{version}',
      '/v1/ivr/messages',
      '/v1/ivr/sessions/live',
      '/v1/ivr/stats/today',
    ]);
    for (const path of ivrPaths) {
      for (const op of Object.values(doc.paths[path]) as { tags: string[] }[])
        expect(op.tags).toEqual(['ivr']);
    }
    expect(doc.paths['/v1/ivr/flows/{name}'].put.responses).toHaveProperty('409');
  });
});

describe('without the IVR', () => {
  it('has no IVR routes', async () => {
    const plain = await buildTestApi();
    expect(
      (await plain.app.inject({ url: '/v1/ivr/flows', headers: bearer(plain.adminKey) })).statusCode,
    ).toBe(404);
    await plain.close();
  });
});
