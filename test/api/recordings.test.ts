import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, buildTestApi, recordingServices, type TestApi } from './helpers.js';
import { type KeyHolder, seedKeys, seedTeams, storeRecording } from './recording-fixtures.js';

const T0 = Date.UTC(2025, 0, 6, 9);
const DAY = 86_400_000;

let api: TestApi;
let keys: Record<KeyHolder | 'admin', string>;
let files: string;
let audio: Buffer;
let paused: Set<string>;

/*
 * r-a1 (sales, its leader a1), r-a2 (sales), r-a3 (support): stored with files. r-live: still recording.
 */
beforeEach(async () => {
  paused = new Set();
  api = await buildTestApi({
    recordings: (store, dir, logger) => {
      files = join(dir, 'recordings');
      return {
        dir: files,
        rules: () => ({ defaultDays: 90, campaignDays: { spring: 30 } }),
        // Live control as the recorder answers it: a call is paused until resumed.
        ...recordingServices(store, logger, {
          pause: async (callId) => !paused.has(callId) && Boolean(paused.add(callId)),
          resume: async (callId) => paused.delete(callId),
        }),
      };
    },
  });
  seedTeams(api.store);
  keys = { admin: api.adminKey, ...seedKeys(api.store) };
  storeRecording(api.store, files, { id: 'r-a1', agentId: 'a1', teamId: 'sales', startedAt: T0 });
  audio = storeRecording(api.store, files, {
    id: 'r-a2',
    agentId: 'a2',
    teamId: 'sales',
    startedAt: T0 + DAY,
    numberMasked: '*******4321',
    campaignId: 'spring',
  });
  storeRecording(api.store, files, {
    id: 'r-a3',
    agentId: 'a3',
    teamId: 'support',
    startedAt: T0 + 2 * DAY,
    direction: 'outbound',
  });
  api.store.recordings.started({
    id: 'r-live',
    callId: 'call-live',
    name: 'rec-live',
    direction: 'inbound',
    startedAt: T0 + 3 * DAY,
    agentId: 'a2',
    teamId: 'sales',
  });
});
afterEach(async () => {
  await api.close();
});

const get = (url: string, key: string, headers: Record<string, string> = {}) =>
  api.app.inject({ url, headers: { ...bearer(key), ...headers } });
const ids = (res: { json(): { recordings: { id: string }[] } }) => res.json().recordings.map((r) => r.id);

describe('access control and audit', () => {
  it("answers pausing someone else's call exactly as an unknown call (404), auditing the attempt", async () => {
    const control = (callId: string, key: string) =>
      api.app.inject({ method: 'POST', url: `/v1/calls/${callId}/recording/pause`, headers: bearer(key) });
    const unknown = await control('call-nope', keys.a3);
    const notTheirs = await control('call-live', keys.a3);
    expect(notTheirs.statusCode).toBe(404);
    expect(notTheirs.json().error.code).toBe(unknown.json().error.code);
    expect(notTheirs.json().error.message).toBe(
      unknown.json().error.message.replace('call-nope', 'call-live'),
    );
    expect((await control('call-live', keys.lead1)).statusCode).toBe(404); // a leader: its own calls only
    expect(paused.size).toBe(0);
    expect(api.store.audit.list({ targetType: 'call', targetId: 'call-live' })).toEqual([
      expect.objectContaining({ action: 'recording-pause', keyName: 'lead a1', allowed: false }),
      expect.objectContaining({ action: 'recording-pause', keyName: 'agent a3', allowed: false }),
    ]);

    expect((await control('call-live', keys.a2)).json()).toEqual({ callId: 'call-live', paused: true });
    expect((await control('call-live', keys.supervisor)).statusCode).toBe(409);
  });

  it('answers an agent another team’s recording as unknown (404, no probing), and logs the attempt', async () => {
    const meta = await get('/v1/recordings/r-a3', keys.a2);
    const unknown = await get('/v1/recordings/r-nope', keys.a2);
    expect(meta.statusCode).toBe(404);
    expect(meta.json()).toEqual({
      error: { code: 'RECORDING_NOT_FOUND', message: 'No recording with id r-a3' },
    });
    expect(unknown.json().error.code).toBe('RECORDING_NOT_FOUND');
    const listen = await get('/v1/recordings/r-a3/audio', keys.a2);
    expect(listen.statusCode).toBe(404);

    expect(api.store.audit.list({ targetType: 'recording', targetId: 'r-a3' })).toEqual([
      expect.objectContaining({
        action: 'listen',
        keyName: 'agent a2',
        role: 'agent',
        agentId: 'a2',
        allowed: false,
      }),
      expect.objectContaining({ action: 'metadata', keyName: 'agent a2', allowed: false }),
    ]);

    const audit = await get('/v1/audit?targetId=r-a3', keys.admin);
    expect(audit.statusCode).toBe(200);
    expect(audit.json().entries).toEqual([
      expect.objectContaining({ action: 'listen', allowed: false, at: expect.stringMatching(/Z$/) }),
      expect.objectContaining({ action: 'metadata', allowed: false }),
    ]);
    expect((await get('/v1/audit', keys.supervisor)).statusCode).toBe(403);
  });

  it('lets each role reach what its scope allows, auditing every access', async () => {
    const allowed: [string, string][] = [
      ['r-a2', keys.a2],
      ['r-a2', keys.lead1],
      ['r-a1', keys.lead1],
      ['r-a3', keys.qa],
      ['r-a3', keys.supervisor],
      ['r-a3', keys.admin],
    ];
    for (const [id, key] of allowed)
      expect((await get(`/v1/recordings/${id}`, key)).statusCode, id).toBe(200);
    const refused: [string, string][] = [
      ['r-a1', keys.a2],
      ['r-a3', keys.lead1],
      ['r-a2', keys.a3],
    ];
    for (const [id, key] of refused)
      expect((await get(`/v1/recordings/${id}`, key)).statusCode, id).toBe(404);

    const entries = api.store.audit.list({ limit: 100 });
    expect(entries.filter((e) => e.allowed && e.action === 'metadata')).toHaveLength(allowed.length);
    expect(entries.filter((e) => !e.allowed)).toHaveLength(refused.length);
    expect((await get('/v1/recordings/nope', keys.admin)).json().error.code).toBe('RECORDING_NOT_FOUND');
  });

  it('answers metadata without the file path, with when retention runs out', async () => {
    const res = await get('/v1/recordings/r-a2', keys.a2);
    expect(res.json()).toMatchObject({
      id: 'r-a2',
      callId: 'call-r-a2',
      name: 'rec-r-a2',
      agentId: 'a2',
      teamId: 'sales',
      numberMasked: '*******4321',
      status: 'stored',
      layout: 'mixed',
      format: 'wav',
      legalHold: false,
      pauses: [],
      startedAt: new Date(T0 + DAY).toISOString(),
      purgeDueAt: new Date(T0 + 31 * DAY).toISOString(),
    });
    expect(res.json()).not.toHaveProperty('filePath');
  });
});

describe('GET /v1/recordings', () => {
  it('limits each caller to its scope and audits the search', async () => {
    expect(ids(await get('/v1/recordings', keys.a2))).toEqual(['r-live', 'r-a2']);
    expect(ids(await get('/v1/recordings', keys.lead1))).toEqual(['r-live', 'r-a2', 'r-a1']);
    expect(ids(await get('/v1/recordings', keys.a3))).toEqual(['r-a3']);
    expect(ids(await get('/v1/recordings', keys.qa))).toEqual(['r-live', 'r-a3', 'r-a2', 'r-a1']);
    // Asking for someone else's calls gives nothing rather than them.
    expect(ids(await get('/v1/recordings?agentId=a3', keys.a2))).toEqual([]);

    const searches = api.store.audit.list().filter((e) => e.action === 'search');
    expect(searches).toHaveLength(5);
    expect(searches[0]).toMatchObject({
      targetId: '*',
      keyName: 'agent a2',
      detail: { query: { agentId: 'a3' }, total: 0 },
    });
  });

  it('filters by date (ISO or epoch ms), team, number, direction, duration and status', async () => {
    const q = (query: string) => get(`/v1/recordings?${query}`, keys.admin);
    const from = new Date(T0 + DAY).toISOString();
    expect(ids(await q(`from=${from}&to=${T0 + 3 * DAY}`))).toEqual(['r-a3', 'r-a2']);
    expect(ids(await q('teamId=sales&status=stored'))).toEqual(['r-a2', 'r-a1']);
    expect(ids(await q('number=0044%201234%204321'))).toEqual(['r-a2']);
    expect(ids(await q('direction=outbound'))).toEqual(['r-a3']);
    expect(ids(await q('minDuration=0.1&maxDuration=1'))).toEqual(['r-a3', 'r-a2', 'r-a1']);
    const page = await q('limit=1&offset=1');
    expect(page.json()).toMatchObject({ total: 4, recordings: [{ id: 'r-a3' }] });

    expect((await q('from=yesterday')).json().error.code).toBe('VALIDATION_FAILED');
    expect((await q(`from=${T0 + DAY}&to=${T0}`)).statusCode).toBe(400);
  });

  it('refuses a 15,000-character number by its length alone, before any pattern reads it', async () => {
    // The worst inputs of the old pattern (quadratic: each stalled the service for a fraction of a second).
    for (const hostile of [`${'1'.repeat(15_000)}x`, `${' '.repeat(15_000)}1x`, '1-'.repeat(7_500)]) {
      const res = await get(`/v1/recordings?number=${encodeURIComponent(hostile)}`, keys.a2);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toEqual({
        code: 'VALIDATION_FAILED',
        message: 'querystring.number: at most 40 characters',
        details: [{ path: 'querystring.number', message: 'at most 40 characters' }],
      });
    }
    expect((await get('/v1/recordings?number=12ab', keys.a2)).json().error.message).toBe(
      'querystring.number: expected digits',
    );
  });
});

describe('the audit of searches and playback (issue 13)', () => {
  const searchRows = () => api.store.audit.list({ limit: 1_000 }).filter((e) => e.action === 'search');

  it('keeps the searched number by its last 4 digits only', async () => {
    expect(ids(await get('/v1/recordings?number=0044%201234%204321', keys.qa))).toEqual(['r-a2']);
    expect(searchRows()[0]?.detail).toEqual({ query: { number: '********4321' }, total: 1 });
    expect(JSON.stringify(api.store.db.prepare('SELECT * FROM audit_log').all())).not.toMatch(/1234/);
  });

  it('writes one row per search session: 100 pages of one search by one person are one row', async () => {
    for (let offset = 0; offset < 100; offset += 1) {
      const page = await get(`/v1/recordings?teamId=sales&limit=1&offset=${offset}`, keys.lead1);
      expect(page.statusCode).toBe(200);
    }
    expect(searchRows()).toHaveLength(1);
    expect(searchRows()[0]).toMatchObject({
      keyName: 'lead a1',
      detail: { query: { teamId: 'sales' }, total: 3 },
    });
    // Another filter, or another person, is another session.
    await get('/v1/recordings?teamId=sales&direction=inbound', keys.lead1);
    await get('/v1/recordings?teamId=sales&limit=1', keys.qa);
    expect(searchRows().map((e) => [e.keyName, e.detail])).toEqual([
      ['qa', { query: { teamId: 'sales' }, total: 3 }],
      ['lead a1', { query: { direction: 'inbound', teamId: 'sales' }, total: 3 }],
      ['lead a1', { query: { teamId: 'sales' }, total: 3 }],
    ]);
  });

  it('writes a row for a recording played, once for all the range requests of its playback', async () => {
    for (const range of ['bytes=0-', 'bytes=1000-1999', 'bytes=-10'])
      expect((await get('/v1/recordings/r-a2/audio', keys.a2, { range })).statusCode).toBe(206);
    await get('/v1/recordings/r-a2/audio?download=true', keys.a2);
    await get('/v1/recordings/r-a2/audio', keys.qa);
    expect(api.store.audit.list({ targetId: 'r-a2' }).map((e) => [e.keyName, e.action, e.detail])).toEqual([
      ['qa', 'listen', null],
      ['agent a2', 'download', null],
      ['agent a2', 'listen', { range: 'bytes=0-' }],
    ]);
  });
});

describe('GET /v1/recordings/:id/audio', () => {
  it('sends the whole file as audio/wav, advertising ranges', async () => {
    const res = await get('/v1/recordings/r-a2/audio', keys.a2);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-length']).toBe(String(audio.length));
    expect(res.rawPayload.equals(audio)).toBe(true);
    expect(api.store.audit.list({ targetId: 'r-a2' })[0]).toMatchObject({ action: 'listen', allowed: true });
  });

  it('answers a range request with exactly those bytes', async () => {
    const res = await get('/v1/recordings/r-a2/audio', keys.a2, { range: 'bytes=1000-1999' });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 1000-1999/${audio.length}`);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.rawPayload.equals(audio.subarray(1000, 2000))).toBe(true);

    const tail = await get('/v1/recordings/r-a2/audio', keys.a2, { range: 'bytes=-10' });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload.equals(audio.subarray(audio.length - 10))).toBe(true);

    const open = await get('/v1/recordings/r-a2/audio', keys.a2, { range: `bytes=${audio.length - 3}-` });
    expect(open.headers['content-range']).toBe(
      `bytes ${audio.length - 3}-${audio.length - 1}/${audio.length}`,
    );
    expect(open.rawPayload.equals(audio.subarray(audio.length - 3))).toBe(true);
  });

  it('ignores an over-long Range header: the whole file, read in one pass', async () => {
    for (const range of [
      `bytes=0-99${' '.repeat(15_000)}`,
      `bytes=${' '.repeat(15_000)}-x`,
      `bytes=0-${'1'.repeat(15_000)}`,
    ]) {
      const res = await get('/v1/recordings/r-a2/audio', keys.a2, { range });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-length']).toBe(String(audio.length));
    }
  });

  it('answers 416 for a range past the end', async () => {
    const res = await get('/v1/recordings/r-a2/audio', keys.a2, { range: `bytes=${audio.length}-` });
    expect(res.statusCode).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${audio.length}`);
    expect(res.json().error.code).toBe('RANGE_NOT_SATISFIABLE');
  });

  it('offers a download, audited as such', async () => {
    const res = await get('/v1/recordings/r-a2/audio?download=true', keys.qa);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="r-a2.wav"');
    expect(api.store.audit.list({ targetId: 'r-a2' })[0]).toMatchObject({
      action: 'download',
      keyName: 'qa',
    });
  });

  it('answers 404 until stored, after the purge, and when the file is missing', async () => {
    expect((await get('/v1/recordings/r-live/audio', keys.a2)).json().error.code).toBe(
      'RECORDING_NOT_AVAILABLE',
    );
    api.store.recordings.markPurged('r-a1', Date.now());
    const purged = await get('/v1/recordings/r-a1/audio', keys.admin);
    expect(purged.statusCode).toBe(404);
    expect(purged.json().error.message).toMatch(/purged/);

    rmSync(join(files, '2025/01/06/r-a3.wav'));
    const missing = await get('/v1/recordings/r-a3/audio', keys.admin);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toMatch(/missing/);
  });
});

describe('PUT /v1/recordings/:id/legal-hold', () => {
  const hold = (id: string, key: string, hold: boolean) =>
    api.app.inject({
      method: 'PUT',
      url: `/v1/recordings/${id}/legal-hold`,
      headers: bearer(key),
      payload: { hold },
    });

  it('lets supervisors and admins hold a recording, which then has no purge date', async () => {
    const res = await hold('r-a2', keys.supervisor, true);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ legalHold: true, purgeDueAt: null });
    expect(api.store.audit.list({ targetId: 'r-a2' })[0]).toMatchObject({
      action: 'legal-hold',
      keyName: 'sup',
      detail: { hold: true },
    });
    expect((await hold('r-a2', keys.admin, false)).json().legalHold).toBe(false);
    expect((await hold('r-a2', keys.qa, true)).statusCode).toBe(403);
    expect((await hold('r-a2', keys.lead1, true)).statusCode).toBe(403);
    expect((await hold('nope', keys.admin, true)).statusCode).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents the recording, audit and QA routes', async () => {
    const paths = Object.keys((await api.app.inject({ url: '/docs/json' })).json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/recordings',
        '/v1/recordings/{id}',
        '/v1/recordings/{id}/audio',
        '/v1/recordings/{id}/legal-hold',
        '/v1/audit',
        '/v1/qa/forms',
        '/v1/qa/sample',
        '/v1/qa/tasks',
        '/v1/qa/scores',
        '/v1/qa/reports',
      ]),
    );
  });
});
