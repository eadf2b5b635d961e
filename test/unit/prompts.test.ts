import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyEnv, parseConfig } from '../../src/config/load.js';
import { mediaSchema } from '../../src/ivr/flow.js';
import { PromptLibrary, PromptNameError } from '../../src/ivr/prompts.js';
import { buildWav, parseWav, WavError } from '../../src/lib/wav.js';

const wav = (seconds: number, rate = 22_050) =>
  buildWav(
    [Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin(i / 5) * 0.3)],
    rate,
  );

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cc-prompts-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('PromptLibrary', () => {
  it('media is sound:<pbxDir>/<name>, a valid flow media string', () => {
    const lib = new PromptLibrary(dir, '/var/lib/asterisk/sounds/custom/');
    expect(lib.media('welcome')).toBe('sound:/var/lib/asterisk/sounds/custom/welcome');
    expect(mediaSchema.safeParse(lib.media('welcome')).success).toBe(true);
    expect(new PromptLibrary(dir, '/').media('x')).toBe('sound:/x');
  });

  it('refuses a PBX folder that is relative or would break a media list', () => {
    expect(() => new PromptLibrary(dir, 'sounds/custom')).toThrow(/absolute/);
    expect(() => new PromptLibrary(dir, '/var/lib/my sounds')).toThrow(/spaces or commas/);
    expect(() => new PromptLibrary(dir, '/a,b')).toThrow(/spaces or commas/);
  });

  it('saves converted files under their name, creating the folder, with nothing else left behind', async () => {
    const lib = new PromptLibrary(join(dir, 'deep', 'prompts'), '/p');
    const saved = await lib.save('menu-1', wav(0.75));
    expect(saved).toEqual({
      name: 'menu-1',
      media: 'sound:/p/menu-1',
      durationSec: 0.75,
      bytes: 44 + 12_000,
    });
    const file = join(dir, 'deep', 'prompts', 'menu-1.wav');
    expect(parseWav(readFileSync(file))).toMatchObject({ sampleRate: 8000, channels: 1, durationSec: 0.75 });
    expect(readdirSync(join(dir, 'deep', 'prompts'))).toEqual(['menu-1.wav']);
    expect(await lib.has('menu-1')).toBe(true);
    expect(await lib.has('menu-2')).toBe(false);
  });

  it('a bad file leaves the existing prompt untouched', async () => {
    const lib = new PromptLibrary(dir, '/p');
    await lib.save('hello', wav(0.5));
    await expect(lib.save('hello', Buffer.from('nope'))).rejects.toBeInstanceOf(WavError);
    expect(parseWav(readFileSync(join(dir, 'hello.wav'))).durationSec).toBe(0.5);
    expect(readdirSync(dir)).toEqual(['hello.wav']);
  });

  it('names and languages cannot leave the folder', async () => {
    const lib = new PromptLibrary(dir, '/p');
    for (const name of ['../evil', 'a/b', 'UPPER', '', '.hidden', 'x.wav']) {
      await expect(lib.save(name, wav(0.1)), name).rejects.toBeInstanceOf(PromptNameError);
      expect(() => lib.media(name)).toThrow(PromptNameError);
      await expect(lib.remove(name)).rejects.toBeInstanceOf(PromptNameError);
    }
    await expect(lib.save('ok', wav(0.1), { language: '../..' })).rejects.toBeInstanceOf(PromptNameError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('language variants live in a sub-folder and share the media string', async () => {
    const lib = new PromptLibrary(dir, '/p');
    const saved = await lib.save('hello', wav(0.2), { language: 'pt_BR' });
    expect(saved).toMatchObject({ language: 'pt_BR', media: 'sound:/p/hello' });
    expect(readdirSync(join(dir, 'pt_BR'))).toEqual(['hello.wav']);
    expect(await lib.has('hello')).toBe(false);
    expect((await lib.list()).map((p) => [p.name, p.language])).toEqual([['hello', 'pt_BR']]);
    expect(await lib.remove('hello', 'pt_BR')).toBe(true);
    expect(await lib.remove('hello', 'pt_BR')).toBe(false);
  });
});

describe('ivr.prompts config', () => {
  const base = {
    ari: { url: 'http://127.0.0.1:8088', username: 'u', password: 'p' },
    redis: { url: 'redis://127.0.0.1:6379' },
    store: { path: ':memory:' },
  };

  it('defaults to .data/prompts, played by Asterisk from /var/lib/asterisk/sounds/custom', () => {
    expect(parseConfig(base).ivr.prompts).toEqual({
      dir: '.data/prompts',
      pbxDir: '/var/lib/asterisk/sounds/custom',
    });
  });

  it('IVR_PROMPTS_DIR and IVR_PROMPTS_PBX_DIR override it; the PBX folder must be absolute, plain', () => {
    const env = { IVR_PROMPTS_DIR: '/data/prompts', IVR_PROMPTS_PBX_DIR: '/srv/prompts/' };
    expect(parseConfig(applyEnv(base, env)).ivr.prompts).toEqual({
      dir: '/data/prompts',
      pbxDir: '/srv/prompts',
    });
    for (const bad of ['sounds/custom', '/my sounds', '/a,b']) {
      expect(() => parseConfig(applyEnv(base, { IVR_PROMPTS_PBX_DIR: bad }))).toThrow(/ivr\.prompts\.pbxDir/);
    }
  });
});
