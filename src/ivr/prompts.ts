import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { bestEffort } from '../lib/best-effort.js';
import { trimEnd } from '../lib/text.js';
import { ASTERISK_RATE, MAX_WAV_BYTES, readWavInfo, toAsteriskWavAsync, type WavInfo } from '../lib/wav.js';

/** A prompt's name: its file is <name>.wav. */
export const promptNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected a lower-case name of letters, digits, _ or - (at most 64)');

/** A language folder, as a flow's `language` names it (en, zh, pt_BR ...). */
export const promptLanguageSchema = z
  .string()
  .regex(/^[a-z]{2}([_-][A-Za-z]{2,8})?$/, 'expected a language such as en, zh or pt_BR');

export interface SavedPrompt {
  name: string;
  /** Set for a language variant (<dir>/<language>/<name>.wav). */
  language?: string;
  /** What a flow plays: the same for every language (Asterisk picks the variant by the call's language). */
  media: string;
  durationSec: number;
  /** Size of the stored file. */
  bytes: number;
}

export interface PromptEntry extends Omit<SavedPrompt, 'durationSec'> {
  /** Null when the file is not a WAV this service can read. */
  durationSec: number | null;
  /**
   * Whether Asterisk plays it: an 8000 Hz mono 16-bit PCM WAV. Uploads always are; a file copied into the
   * folder by hand may not be, and Asterisk then fails to play it ("Not in mono", "frequency mismatch").
   */
  playable: boolean;
  modifiedAt: Date;
}

export class PromptNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptNameError';
  }
}

/** How much of a file list() reads to describe it. */
const HEAD_BYTES = 64 * 1024;

/**
 * The call center's own prompts: WAV files in a folder the service shares with Asterisk (a Docker volume,
 * or the PBX root's folder in tests). Uploads are converted to what Asterisk plays cheaply and written
 * atomically, so a call never plays half a file. Asterisk reads them by absolute path:
 * `sound:<pbxDir>/<name>` (checked on Asterisk 22.10.1, see docs/asterisk-notes.md), and with a
 * channel language `xx` it plays `<pbxDir>/xx/<name>.wav` first when that exists.
 */
export class PromptLibrary {
  constructor(
    /** Where this service reads and writes the files. */
    readonly dir: string,
    /** The same folder as Asterisk sees it (absolute). */
    readonly pbxDir: string,
    /** Where a failed clean-up is reported (none: not reported). */
    private readonly log: Pick<Logger, 'warn'> = { warn: () => {} },
  ) {
    if (!pbxDir.startsWith('/') || /[\s,]/.test(pbxDir)) {
      throw new Error(
        `prompt folder on the PBX must be an absolute path without spaces or commas: ${pbxDir}`,
      );
    }
    this.pbxDir = trimEnd(pbxDir, '/') || '/';
  }

  /** The media string a flow uses to play the prompt. */
  media(name: string): string {
    checkName(name);
    return `sound:${this.pbxDir === '/' ? '' : this.pbxDir}/${name}`;
  }

  /**
   * Converts a WAV file (any PCM WAV: rate, channels, 8–32 bits) and stores it as `name`, replacing any
   * earlier one. Throws WavError (what is wrong with the file) or PromptNameError.
   */
  async save(name: string, wav: Uint8Array, options: { language?: string } = {}): Promise<SavedPrompt> {
    const file = this.file(name, options.language);
    const converted = await toAsteriskWavAsync(wav);
    const folder = this.folder(options.language);
    await mkdir(folder, { recursive: true, mode: 0o755 });
    // A hidden temp name without .wav: neither Asterisk nor list() ever sees a partial file.
    const temp = join(folder, `.${name}.${randomUUID()}.tmp`);
    try {
      await writeFile(temp, converted, { mode: 0o644 });
      await rename(temp, file);
    } catch (err) {
      // force: the failed write may never have created it. The write's error is the one thrown.
      await bestEffort(() => rm(temp, { force: true }), this.log, 'remove the temporary prompt file');
      throw err;
    }
    return {
      name,
      ...(options.language ? { language: options.language } : {}),
      media: this.media(name),
      durationSec: round3((converted.length - 44) / 2 / ASTERISK_RATE),
      bytes: converted.length,
    };
  }

  /** Whether the prompt (or its language variant) exists. */
  async has(name: string, language?: string): Promise<boolean> {
    return stat(this.file(name, language)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /** Every prompt and language variant, by name then language (the default first). */
  async list(): Promise<PromptEntry[]> {
    const entries: PromptEntry[] = [];
    const top = await readdir(this.dir, { withFileTypes: true }).catch(notFound([]));
    const folders: (string | undefined)[] = [undefined];
    for (const e of top) {
      if (e.isDirectory() && promptLanguageSchema.safeParse(e.name).success) folders.push(e.name);
    }
    for (const language of folders) {
      const files = await readdir(this.folder(language), { withFileTypes: true }).catch(notFound([]));
      for (const f of files) {
        const name = f.name.endsWith('.wav') ? f.name.slice(0, -4) : undefined;
        if (!f.isFile() || !name || !promptNameSchema.safeParse(name).success) continue;
        const entry = await this.describe(name, language);
        if (entry) entries.push(entry);
      }
    }
    return entries.sort(
      (a, b) => a.name.localeCompare(b.name) || (a.language ?? '').localeCompare(b.language ?? ''),
    );
  }

  /** Deletes the prompt (or only its language variant); false if there was none. */
  async remove(name: string, language?: string): Promise<boolean> {
    try {
      await unlink(this.file(name, language));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  private async describe(name: string, language: string | undefined): Promise<PromptEntry | undefined> {
    const path = this.file(name, language);
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(path, 'r');
      const { size, mtime } = await handle.stat();
      const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
      await handle.read(head, 0, head.length, 0);
      let durationSec: number | null = null;
      let playable = false;
      try {
        let info: WavInfo;
        try {
          info = readWavInfo(head, size);
        } catch (err) {
          // Long metadata before the audio: read it all (a file too large to be a prompt is not read).
          if (size <= head.length || size > MAX_WAV_BYTES) throw err;
          const whole = Buffer.alloc(size);
          await handle.read(whole, 0, size, 0);
          info = readWavInfo(whole);
        }
        durationSec = round3(info.durationSec);
        playable =
          info.format === 'pcm' &&
          info.sampleRate === ASTERISK_RATE &&
          info.channels === 1 &&
          info.bitsPerSample === 16;
      } catch {
        // not a WAV we can read: listed, but not playable
      }
      return {
        name,
        ...(language ? { language } : {}),
        media: this.media(name),
        durationSec,
        bytes: size,
        playable,
        modifiedAt: mtime,
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed meanwhile
      throw err;
    } finally {
      await handle?.close();
    }
  }

  private folder(language: string | undefined): string {
    if (language === undefined) return this.dir;
    if (!promptLanguageSchema.safeParse(language).success) {
      throw new PromptNameError(`invalid prompt language ${JSON.stringify(language)}: expected e.g. en, zh`);
    }
    return join(this.dir, language);
  }

  private file(name: string, language: string | undefined): string {
    checkName(name);
    return join(this.folder(language), `${name}.wav`);
  }
}

function checkName(name: string): void {
  if (!promptNameSchema.safeParse(name).success) {
    throw new PromptNameError(
      `invalid prompt name ${JSON.stringify(name)}: expected lower-case letters, digits, _ or - (at most 64)`,
    );
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function notFound<T>(fallback: T) {
  return (err: unknown): T => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw err;
  };
}
