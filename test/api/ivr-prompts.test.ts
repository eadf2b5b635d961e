import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import { PromptLibrary } from '../../src/ivr/prompts.js';
import { IvrRecords } from '../../src/ivr/records.js';
import { buildWav, MAX_WAV_BYTES, parseWav } from '../../src/lib/wav.js';
import type { Role } from '../../src/store/index.js';
import { bearer, buildTestApi, type TestApi } from './helpers.js';

const PBX_DIR = '/var/lib/asterisk/sounds/custom';

function tone(rate: number, seconds: number, freq = 440): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => Math.sin((2 * Math.PI * freq * i) / rate) * 0.5,
  );
}

const stereo441 = (seconds = 1.5) => buildWav([tone(44_100, seconds), tone(44_100, seconds)], 44_100);

let api: TestApi;
let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cc-prompts-'));
  api = await buildTestApi({
    ivr: (store, logger) => ({
      catalog: new FlowCatalog(store, { logger }),
      records: new IvrRecords(store),
      live: () => ({ lines: { capacity: 8, inUse: 0, waiting: 0 }, sessions: [] }),
      today: () => '2025-06-04',
      prompts: new PromptLibrary(dir, PBX_DIR),
    }),
  });
});
afterEach(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

const keyFor = (role: Role) => api.store.apiKeys.create(`test ${role}`, role).key;

function upload(
  name: string,
  body: Buffer | string,
  options: { key?: string; type?: string; query?: string } = {},
) {
  const { key = api.adminKey, type = 'audio/wav', query = '' } = options;
  return api.app.inject({
    method: 'PUT',
    url: `/v1/ivr/prompts/${name}${query}`,
    headers: { ...bearer(key), 'content-type': type },
    payload: body,
  });
}

const list = (key = api.adminKey) => api.app.inject({ url: '/v1/ivr/prompts', headers: bearer(key) });
const remove = (name: string, query = '', key = api.adminKey) =>
  api.app.inject({ method: 'DELETE', url: `/v1/ivr/prompts/${name}${query}`, headers: bearer(key) });

describe('IVR prompts over REST', () => {
  it('converts an uploaded 44.1 kHz stereo WAV and answers the media a flow plays', async () => {
    const res = await upload('welcome', stereo441());
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      name: 'welcome',
      media: `sound:${PBX_DIR}/welcome`,
      durationSec: 1.5,
      bytes: 44 + 1.5 * 8000 * 2,
    });
    const stored = readFileSync(join(dir, 'welcome.wav'));
    expect(parseWav(stored)).toMatchObject({
      sampleRate: 8000,
      channels: 1,
      bitsPerSample: 16,
      format: 'pcm',
    });
    expect(readdirSync(dir)).toEqual(['welcome.wav']); // no temp file left behind

    // Saving it again replaces it.
    const again = await upload('welcome', buildWav([tone(16_000, 0.5)], 16_000), { type: 'audio/x-wav' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ name: 'welcome', durationSec: 0.5 });
    expect(parseWav(readFileSync(join(dir, 'welcome.wav'))).durationSec).toBe(0.5);
  });

  it('takes application/octet-stream too, and refuses bodies that are not a WAV file', async () => {
    expect((await upload('raw', stereo441(0.2), { type: 'application/octet-stream' })).statusCode).toBe(201);

    const json = await upload('x', JSON.stringify({ wav: 'no' }), { type: 'application/json' });
    expect(json.statusCode).toBe(415);
    expect(json.json().error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: /audio\/wav/ });
    expect((await upload('x', 'hello', { type: 'text/plain' })).statusCode).toBe(415);
    const mpeg = await upload('x', Buffer.from('ID3...'), { type: 'audio/mpeg' });
    expect(mpeg.statusCode).toBe(415);

    const notWav = await upload('x', Buffer.from('ID3\x04\x00 mp3 frames'));
    expect(notWav.statusCode).toBe(400);
    expect(notWav.json().error).toEqual({
      code: 'PROMPT_INVALID',
      message: 'not a WAV file (no RIFF/WAVE header): send a .wav file',
    });

    const mp3InWav = stereo441(0.2);
    mp3InWav.writeUInt16LE(0x55, 20);
    expect((await upload('x', mp3InWav)).json().error).toEqual({
      code: 'PROMPT_INVALID',
      message: 'WAV format 85 (MP3) not supported: export PCM WAV (16-bit)',
    });

    const truncated = stereo441(0.2).subarray(0, 1000);
    expect((await upload('x', truncated)).json().error.message).toMatch(/^truncated WAV file/);

    const empty = await upload('x', Buffer.alloc(0));
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('PROMPT_INVALID');
    expect(existsSync(join(dir, 'x.wav'))).toBe(false);
  });

  it('refuses names that are not plain lower-case file names', async () => {
    for (const name of ['Welcome', 'hello.wav', '..%2Fetc', '-dash-first', 'a'.repeat(65), 'sp%20ace']) {
      const res = await upload(name, stereo441(0.1));
      expect(res.statusCode, name).toBe(400);
      expect(res.json().error.code, name).toBe('VALIDATION_FAILED');
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a body over 50 MB', async () => {
    const res = await upload('big', Buffer.alloc(MAX_WAV_BYTES + 1));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('lists prompts, language variants and hand-copied files; deletes them', async () => {
    await upload('welcome', stereo441(1));
    const zh = await upload('welcome', stereo441(2), { query: '?language=zh' });
    expect(zh.statusCode).toBe(201);
    expect(zh.json()).toMatchObject({ language: 'zh', media: `sound:${PBX_DIR}/welcome`, durationSec: 2 });
    expect(existsSync(join(dir, 'zh', 'welcome.wav'))).toBe(true);
    await upload('bye', stereo441(0.25));
    // Copied into the folder by hand: a 44.1 kHz stereo file Asterisk would refuse, and junk.
    writeFileSync(join(dir, 'copied.wav'), stereo441(0.5));
    writeFileSync(join(dir, 'junk.wav'), 'not audio');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    writeFileSync(join(dir, '.half.1234.tmp'), 'ignored');
    mkdirSync(join(dir, 'not-a-language'));

    const res = await list();
    expect(res.statusCode).toBe(200);
    const prompts = res.json().prompts as Record<string, unknown>[];
    expect(prompts.map((p) => [p.name, p.language ?? '', p.durationSec, p.playable])).toEqual([
      ['bye', '', 0.25, true],
      ['copied', '', 0.5, false],
      ['junk', '', null, false],
      ['welcome', '', 1, true],
      ['welcome', 'zh', 2, true],
    ]);
    expect(prompts[0]).toEqual({
      name: 'bye',
      media: `sound:${PBX_DIR}/bye`,
      durationSec: 0.25,
      bytes: 44 + 4000,
      playable: true,
      modifiedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    expect((await remove('welcome', '?language=zh')).statusCode).toBe(204);
    expect(existsSync(join(dir, 'welcome.wav'))).toBe(true);
    expect((await remove('welcome')).statusCode).toBe(204);
    const gone = await remove('welcome');
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error).toEqual({ code: 'PROMPT_NOT_FOUND', message: 'No prompt welcome' });
    expect((await remove('bye', '?language=zh')).json().error.message).toBe('No prompt bye (zh)');
    expect((await remove('bye', '?language=../x')).statusCode).toBe(400);
    expect((await list()).json().prompts.map((p: { name: string }) => p.name)).toEqual([
      'bye',
      'copied',
      'junk',
    ]);
  });

  it('an empty or missing folder lists nothing', async () => {
    rmSync(dir, { recursive: true, force: true });
    expect((await list()).json()).toEqual({ prompts: [] });
  });

  it('supervisors upload and delete, team leaders only list, others nothing', async () => {
    const supervisor = keyFor('supervisor');
    expect((await upload('a', stereo441(0.1), { key: supervisor })).statusCode).toBe(201);
    expect((await list(supervisor)).statusCode).toBe(200);
    expect((await remove('a', '', supervisor)).statusCode).toBe(204);

    const leader = keyFor('team-leader');
    expect((await list(leader)).statusCode).toBe(200);
    expect((await upload('b', stereo441(0.1), { key: leader })).statusCode).toBe(403);
    expect((await remove('b', '', leader)).statusCode).toBe(403);

    for (const role of ['agent', 'qa'] as const) {
      const key = keyFor(role);
      expect((await list(key)).statusCode).toBe(403);
      expect((await upload('c', stereo441(0.1), { key })).statusCode).toBe(403);
    }
    const anonymous = await api.app.inject({
      method: 'PUT',
      url: '/v1/ivr/prompts/d',
      headers: { 'content-type': 'audio/wav' },
      payload: stereo441(0.1),
    });
    expect(anonymous.statusCode).toBe(401);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is described in the OpenAPI document as a binary upload', async () => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json();
    const put = doc.paths['/v1/ivr/prompts/{name}'].put;
    expect(Object.keys(put.requestBody.content)).toEqual(
      expect.arrayContaining(['audio/wav', 'audio/x-wav']),
    );
    expect(put.requestBody.content['audio/wav'].schema).toMatchObject({ type: 'string', format: 'binary' });
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '413']));
    expect(doc.paths['/v1/ivr/prompts'].get).toBeDefined();
    expect(doc.paths['/v1/ivr/prompts/{name}'].delete).toBeDefined();
  });
});

describe('without a prompt library', () => {
  it('has no prompt routes', async () => {
    const bare = await buildTestApi({
      ivr: (store, logger) => ({
        catalog: new FlowCatalog(store, { logger }),
        records: new IvrRecords(store),
        live: () => ({ lines: { capacity: 8, inUse: 0, waiting: 0 }, sessions: [] }),
        today: () => '2025-06-04',
      }),
    });
    try {
      const res = await bare.app.inject({ url: '/v1/ivr/prompts', headers: bearer(bare.adminKey) });
      expect(res.statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
