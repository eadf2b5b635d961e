import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
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
  /** Decoded text is handed to the parser in pieces of at most this many characters. */
  pieceChars?: number;
}

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

const formatBytes = (n: number) => (n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${n} bytes`);

/** Pulls chunks from a stream one at a time (paused in between), so the reader sets the pace. */
export interface ChunkReader {
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
export function readerOf(input: CsvInput): ChunkReader {
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

const isReader = (input: CsvInput | ChunkReader): input is ChunkReader =>
  typeof input === 'object' && !(input instanceof Readable) && 'abandon' in input && 'next' in input;

/**
 * Copies an input to a file as fast as it arrives, up to `maxBytes` (CsvTooLargeError beyond, the input
 * then destroyed). Throws CsvInputError when the input stops before its end.
 */
export async function spoolToFile(input: CsvInput, path: string, maxBytes: number): Promise<number> {
  const reader = readerOf(input);
  const file = createWriteStream(path);
  let bytes = 0;
  try {
    for (let chunk = await reader.next(); chunk !== null; chunk = await reader.next()) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        reader.abandon(true);
        throw new CsvTooLargeError(maxBytes);
      }
      if (!file.write(chunk)) await once(file, 'drain');
    }
  } catch (err) {
    file.destroy();
    throw err;
  }
  file.end();
  await finished(file);
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

  constructor(input: CsvInput | ChunkReader, options: CsvSourceOptions = {}) {
    this.#reader = isReader(input) ? input : readerOf(input);
    this.#parser = new CsvStreamParser(options);
    this.#decoder = new TextDecoder(options.encoding ?? 'utf-8');
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#pieceChars = options.pieceChars ?? 256 * 1024;
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
   * parser are done. Throws CsvError (malformed), CsvTooLargeError, or CsvInputError (input failed).
   */
  async next(): Promise<CsvRecord[] | null> {
    if (this.#pending.length > 0) return this.#parser.push(this.#take());
    if (this.#done) return null;
    const chunk = await this.#reader.next();
    if (chunk === null) {
      this.#done = true;
      const tail = this.#decoder.decode();
      return [...this.#parser.push(tail), ...this.#parser.end()];
    }
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) throw new CsvTooLargeError(this.#maxBytes);
    this.#pending = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    return this.#parser.push(this.#take());
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
