import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { type CsvParserOptions, type CsvRecord, CsvStreamParser } from './csv.js';
import { PRIVATE_FILE } from './secrets.js';

/** A CSV file as a whole string, a byte stream (an HTTP request, a file), or any async chunk source. */
export type CsvInput = string | Readable | AsyncIterable<Buffer | Uint8Array | string>;

/** Text encodings a CSV may come in: UTF-8 (with or without BOM), or Windows' Western European code page. */
export const CSV_ENCODINGS = ['utf-8', 'windows-1252'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

export interface CsvSourceOptions extends CsvParserOptions {
  encoding?: CsvEncoding;
  /** Reading past this many bytes fails with CsvTooLargeError. */
  maxBytes?: number;
  /** Decoded text is handed to the parser in pieces of at most this many characters (32 Ki by default). */
  pieceChars?: number;
}

/** Pieces of text the parser gets at a time: small enough that parsing one never holds the event loop long. */
export const CSV_PIECE_CHARS = 32 * 1024;

export class CsvTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the file is larger than ${formatBytes(maxBytes)}`);
    this.name = 'CsvTooLargeError';
  }
}

/** The input stopped before its end (the client went away). */
export class CsvInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CsvInputError';
  }
}

/** The error of a record holding bytes that are not UTF-8. */
export const INVALID_UTF8 =
  'invalid UTF-8 (if the file was saved by Excel or another Windows program, import it with encoding=windows-1252)';

/**
 * Put in the text for each byte sequence that is not UTF-8: a lone surrogate, which no valid UTF-8 (nor
 * windows-1252) decodes to, so the records holding one are found, and the rest read as they are.
 */
const NOT_UTF8 = '\udcff';
const HAS_NOT_UTF8 = /\udcff/u; // with u, matches only a lone surrogate: never half of a valid pair

/** Length of a UTF-8 sequence by its first byte, 0 for a byte that cannot start one. */
const sequenceLength = (b: number) =>
  b < 0x80 ? 1 : b < 0xc2 ? 0 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf5 ? 4 : 0;

/** Whether `b` may follow `lead` as the second byte (Unicode table 3-7: no overlongs or surrogates). */
function secondByteFits(lead: number, b: number): boolean {
  if (lead === 0xe0) return b >= 0xa0 && b <= 0xbf;
  if (lead === 0xed) return b >= 0x80 && b <= 0x9f;
  if (lead === 0xf0) return b >= 0x90 && b <= 0xbf;
  if (lead === 0xf4) return b >= 0x80 && b <= 0x8f;
  return b >= 0x80 && b <= 0xbf;
}

/**
 * Decodes UTF-8 in chunks (a character may be cut between two) without failing: each invalid sequence
 * becomes NOT_UTF8. Valid chunks take the fast path of the built-in decoder.
 */
class MarkingUtf8Decoder {
  #carry: Uint8Array = new Uint8Array(0);
  #seenInvalid = false;

  /** Whether any byte so far was not UTF-8 (the records to check). */
  get seenInvalid(): boolean {
    return this.#seenInvalid;
  }

  decode(chunk?: Uint8Array): string {
    const bytes =
      this.#carry.length === 0
        ? (chunk ?? this.#carry)
        : Buffer.concat([this.#carry, chunk ?? new Uint8Array(0)]);
    const cut = chunk === undefined ? bytes.length : completeLength(bytes);
    this.#carry = bytes.subarray(cut);
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, cut);
    if (isUtf8(body)) return body.toString('utf8');
    this.#seenInvalid = true;
    let text = '';
    let run = 0;
    let i = 0;
    while (i < cut) {
      const length = sequenceLength(body[i]!);
      let valid = length > 0 && i + length <= cut;
      for (let k = 1; valid && k < length; k += 1) {
        const b = body[i + k]!;
        valid = k === 1 ? secondByteFits(body[i]!, b) : b >= 0x80 && b <= 0xbf;
      }
      if (valid) {
        i += length;
        continue;
      }
      text += body.toString('utf8', run, i) + NOT_UTF8;
      // Past the lead byte and the continuation bytes that fit it (the maximal subpart of Unicode).
      let k = 1;
      while (
        k < length &&
        i + k < cut &&
        (k === 1 ? secondByteFits(body[i]!, body[i + k]!) : body[i + k]! >> 6 === 2)
      )
        k += 1;
      i += k;
      run = i;
    }
    return text + body.toString('utf8', run, cut);
  }
}

/** How much of `bytes` ends in whole characters: a sequence cut at the end waits for the next chunk. */
function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back += 1) {
    const b = bytes[n - back]!;
    if (b >> 6 === 2) continue; // a continuation byte: look further back for its lead
    const length = sequenceLength(b);
    return length > back ? n - back : n;
  }
  return n;
}

type Decoder = { decode(chunk?: Uint8Array): string; readonly seenInvalid: boolean };

/** windows-1252 maps every byte; UTF-8 marks what is not valid (see MarkingUtf8Decoder). */
function decoderFor(encoding: CsvEncoding = 'utf-8'): Decoder {
  if (encoding === 'utf-8') return new MarkingUtf8Decoder();
  const decoder = new TextDecoder(encoding);
  return {
    decode: (chunk) => (chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true })),
    seenInvalid: false,
  };
}

const formatBytes = (n: number) => (n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${n} bytes`);

/** Pulls chunks from a stream one at a time (paused in between), so the reader sets the pace. */
interface ChunkReader {
  next(): Promise<Buffer | Uint8Array | string | null>;
  /** Stops reading: the rest is read and discarded, or the stream destroyed. */
  abandon(destroy: boolean): void;
}

function streamReader(stream: Readable): ChunkReader {
  const queue: (Buffer | string)[] = [];
  let ended = false;
  let failure: Error | null = null;
  let discard = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const onData = (chunk: Buffer | string) => {
    if (discard) return;
    queue.push(chunk);
    stream.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (err: Error) => {
    failure ??= new CsvInputError(`the upload was interrupted (${err.message})`, { cause: err });
    notify();
  };
  const onClose = () => {
    if (!ended) failure ??= new CsvInputError('the upload was interrupted before its end');
    notify();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.on('close', onClose);
  return {
    async next() {
      for (;;) {
        const chunk = queue.shift();
        if (chunk !== undefined) return chunk;
        if (failure) throw failure;
        if (ended) return null;
        await new Promise<void>((resolve) => {
          wake = resolve;
          stream.resume();
        });
      }
    },
    abandon(destroy) {
      discard = true;
      queue.length = 0;
      if (destroy) stream.destroy();
      else if (!ended && !stream.destroyed) stream.resume();
    },
  };
}

function iterableReader(input: AsyncIterable<Buffer | Uint8Array | string>): ChunkReader {
  const iterator = input[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await iterator.next();
      return r.done ? null : r.value;
    },
    abandon() {
      void iterator.return?.()?.catch(() => undefined);
    },
  };
}

/** A chunk reader over any CSV input. */
function readerOf(input: CsvInput): ChunkReader {
  if (typeof input === 'string') {
    let given = false;
    return {
      async next() {
        if (given) return null;
        given = true;
        return input;
      },
      abandon() {},
    };
  }
  if (input instanceof Readable) return streamReader(input);
  return iterableReader(input);
}

/**
 * Copies an input to a file as fast as it arrives, up to `maxBytes` (CsvTooLargeError beyond, the input
 * then destroyed). Throws CsvInputError when the input stops before its end, the file's error when it
 * cannot be written (disk full). On any failure the rest of the input is discarded (destroyed when too large) and the file deleted.
 */
export async function spoolToFile(input: CsvInput, path: string, maxBytes: number): Promise<number> {
  const reader = readerOf(input);
  // The customers' numbers: readable by the service's user only, like the store.
  const file = createWriteStream(path, { mode: PRIVATE_FILE });
  // Listened to for the whole copy: a write error (ENOSPC) at any time rejects instead of crashing.
  const failed = new Promise<never>((_, reject) => file.on('error', reject));
  failed.catch(() => undefined);
  let bytes = 0;
  try {
    for (;;) {
      const chunk = await Promise.race([reader.next(), failed]);
      if (chunk === null) break;
      bytes += chunk.length;
      if (bytes > maxBytes) throw new CsvTooLargeError(maxBytes);
      if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed]);
    }
    file.end();
    await Promise.race([once(file, 'finish'), failed]);
    if (!file.closed) await Promise.race([once(file, 'close'), failed]);
  } catch (err) {
    // A file too large is cut off; any other failure's rest is drained (an HTTP client gets its answer).
    reader.abandon(err instanceof CsvTooLargeError);
    if (!file.closed) {
      const closed = once(file, 'close').catch(() => undefined);
      file.destroy();
      await closed;
    }
    await rm(path, { force: true }).catch(() => undefined);
    throw err;
  }
  return bytes;
}

/**
 * Reads CSV records from a stream as they arrive: decodes bytes (a multi-byte character may be split
 * between chunks), counts them against a limit, and feeds the incremental parser in bounded pieces.
 */
export class CsvSource {
  readonly #reader: ChunkReader;
  readonly #parser: CsvStreamParser;
  readonly #decoder: Decoder;
  readonly #maxBytes: number;
  readonly #pieceChars: number;
  #pending = '';
  #bytes = 0;
  #done = false;

  constructor(input: CsvInput, options: CsvSourceOptions = {}) {
    this.#reader = readerOf(input);
    this.#parser = new CsvStreamParser(options);
    this.#decoder = decoderFor(options.encoding);
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#pieceChars = options.pieceChars ?? CSV_PIECE_CHARS;
  }

  /** Bytes (or characters of string chunks) read so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The line where parsing stands: the next record starts there. */
  get line(): number {
    return this.#parser.line;
  }

  /**
   * The records the next piece of input completes (possibly none), or null once the input and the
   * parser are done. A record that cannot be read comes with `error` (too long, a quote not closed, bytes
   * not valid UTF-8: INVALID_UTF8) and reading goes on. Throws only for the input as a whole:
   * CsvTooLargeError, or CsvInputError (input failed).
   */
  async next(): Promise<CsvRecord[] | null> {
    if (this.#pending.length > 0) return this.#checked(this.#parser.push(this.#take()));
    if (this.#done) return null;
    const chunk = await this.#reader.next();
    if (chunk === null) {
      this.#done = true;
      const tail = this.#decoder.decode();
      return this.#checked([...this.#parser.push(tail), ...this.#parser.end()]);
    }
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) throw new CsvTooLargeError(this.#maxBytes);
    this.#pending = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk);
    return this.#checked(this.#parser.push(this.#take()));
  }

  /** Once bytes that are not UTF-8 were seen, the records holding them become errors. */
  #checked(records: CsvRecord[]): CsvRecord[] {
    if (!this.#decoder.seenInvalid) return records;
    for (const record of records) {
      if (!HAS_NOT_UTF8.test(record.raw)) continue;
      record.raw = record.raw.replaceAll(NOT_UTF8, '\ufffd');
      if (record.error !== undefined) continue;
      record.cells = [];
      record.error = INVALID_UTF8;
    }
    return records;
  }

  /** Stops reading. A stream is drained (so an HTTP client still gets its answer) unless `destroy`. */
  abandon(destroy = false): void {
    this.#done = true;
    this.#pending = '';
    this.#reader.abandon(destroy);
  }

  #take(): string {
    if (this.#pending.length <= this.#pieceChars) {
      const all = this.#pending;
      this.#pending = '';
      return all;
    }
    const piece = this.#pending.slice(0, this.#pieceChars);
    this.#pending = this.#pending.slice(this.#pieceChars);
    return piece;
  }
}
