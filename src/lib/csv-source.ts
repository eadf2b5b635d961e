import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { type CsvParserOptions, type CsvRecord, CsvStreamParser } from './csv.js';

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

/** The bytes are not valid in the encoding given (a Windows file read as UTF-8). */
export class CsvEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvEncodingError';
  }
}

const notUtf8 = (where: string) =>
  new CsvEncodingError(
    `the file is not valid UTF-8 (${where}): if it was saved by Excel or another Windows program, ` +
      'import it with encoding=windows-1252',
  );

/** A strict decoder: bytes that are not valid in the encoding throw (TypeError) instead of becoming U+FFFD. */
const decoderFor = (encoding: CsvEncoding = 'utf-8') => new TextDecoder(encoding, { fatal: true });

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
 * cannot be written (disk full), and with `utf8` CsvEncodingError when the bytes are not valid UTF-8. On
 * any failure the rest of the input is discarded (destroyed when too large) and the file deleted.
 */
export async function spoolToFile(
  input: CsvInput,
  path: string,
  maxBytes: number,
  options: { utf8?: boolean } = {},
): Promise<number> {
  const reader = readerOf(input);
  const file = createWriteStream(path);
  // Listened to for the whole copy: a write error (ENOSPC) at any time rejects instead of crashing.
  const failed = new Promise<never>((_, reject) => file.on('error', reject));
  failed.catch(() => undefined);
  const decoder = options.utf8 ? decoderFor('utf-8') : null;
  let bytes = 0;
  try {
    for (;;) {
      const chunk = await Promise.race([reader.next(), failed]);
      if (chunk === null) break;
      bytes += chunk.length;
      if (bytes > maxBytes) throw new CsvTooLargeError(maxBytes);
      if (decoder && typeof chunk !== 'string') {
        try {
          decoder.decode(chunk, { stream: true });
        } catch {
          throw notUtf8(`bytes ${bytes - chunk.length + 1} to ${bytes}`);
        }
      }
      if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed]);
    }
    if (decoder) {
      try {
        decoder.decode();
      } catch {
        throw notUtf8('its last character is cut');
      }
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
  readonly #decoder: TextDecoder;
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

  /** Text read but not yet a whole record (what an unclosed quote left open). */
  get rest(): string {
    return this.#parser.rest;
  }

  /**
   * The records the next piece of input completes (possibly none), or null once the input and the
   * parser are done. Throws CsvError (malformed), CsvEncodingError (bytes not valid in the encoding:
   * nothing of that chunk is parsed), CsvTooLargeError, or CsvInputError (input failed).
   */
  async next(): Promise<CsvRecord[] | null> {
    if (this.#pending.length > 0) return this.#parser.push(this.#take());
    if (this.#done) return null;
    const chunk = await this.#reader.next();
    if (chunk === null) {
      this.#done = true;
      const tail = this.#decode(undefined);
      return [...this.#parser.push(tail), ...this.#parser.end()];
    }
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) throw new CsvTooLargeError(this.#maxBytes);
    this.#pending = typeof chunk === 'string' ? chunk : this.#decode(chunk);
    return this.#parser.push(this.#take());
  }

  #decode(chunk: Buffer | Uint8Array | undefined): string {
    try {
      return chunk === undefined ? this.#decoder.decode() : this.#decoder.decode(chunk, { stream: true });
    } catch {
      throw notUtf8(`at line ${this.#parser.line} or later`);
    }
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
