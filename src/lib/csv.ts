/** A file that is not well-formed CSV; `line` is 1-based. */
export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/** One record: the 1-based line it starts on, its cells, and its text as it was in the file. */
export interface CsvRecord {
  line: number;
  cells: string[];
  /** The record's source text, without its line end (quoted line breaks included). */
  raw: string;
}

export interface CsvParserOptions {
  /** Cell separator; RFC 4180 says comma, spreadsheets in many locales write semicolons. */
  delimiter?: ',' | ';' | '\t';
  /**
   * A record still open after this many characters fails the parse (CsvError): the sign of a quote
   * that is never closed, caught before it swallows the rest of a large file.
   */
  maxRecordChars?: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;

interface Scanned {
  cells: string[];
  /** Index just past the record's last cell. */
  end: number;
  /** Index where the next record starts (past the line end). */
  next: number;
  /** Line breaks inside quoted cells, plus one for the line end. */
  lines: number;
  /** The record ended with a CR that was the last character seen: a following LF belongs to it. */
  crAtEnd: boolean;
}

/**
 * Incremental RFC 4180 parser: feed it text in chunks of any size (a chunk may end anywhere, even inside
 * a quoted field or between CR and LF) and it returns the records each chunk completes. Rules: comma-
 * separated (or `delimiter`), fields optionally in double quotes (a quote inside doubled, line breaks
 * allowed), LF, CRLF or CR line ends, an optional UTF-8 byte order mark (spreadsheets write one). A quote
 * only opens a quoted field at the start of a cell; text after the closing quote is kept as written.
 * Blank lines are skipped (a line of only `""` is a record: one empty cell). `end()` returns the last record and throws CsvError if a quote is still open.
 */
export class CsvStreamParser {
  /** Unparsed text; always starts at a record start. */
  #buf = '';
  /** The line #buf starts on. */
  #line = 1;
  #started = false;
  /** The last record ended with a CR at the end of a chunk: skip an LF starting the next one. */
  #skipLf = false;
  #ended = false;
  /** A record ran over maxRecordChars: thrown by the next call, after the records before it are out. */
  #failed: CsvError | null = null;
  readonly #delimiter: number;
  readonly #maxRecordChars: number;

  constructor(options: CsvParserOptions = {}) {
    this.#delimiter = (options.delimiter ?? ',').charCodeAt(0);
    this.#maxRecordChars = options.maxRecordChars ?? Number.POSITIVE_INFINITY;
  }

  /** The line the next record starts on (where parsing stands). */
  get line(): number {
    return this.#line;
  }

  /** Text read but not yet a whole record. */
  get rest(): string {
    return this.#buf;
  }

  push(text: string): CsvRecord[] {
    if (this.#ended) throw new Error('CsvStreamParser: push after end');
    if (this.#failed) throw this.#failed;
    return this.#parse(text, false);
  }

  end(): CsvRecord[] {
    if (this.#ended) return [];
    if (this.#failed) throw this.#failed;
    const records = this.#parse('', true);
    this.#ended = true;
    return records;
  }

  #parse(text: string, final: boolean): CsvRecord[] {
    const buf = this.#buf.length === 0 ? text : this.#buf + text;
    let pos = 0;
    if (!this.#started && buf.length > 0) {
      this.#started = true;
      if (buf.charCodeAt(0) === BOM) pos = 1;
    }
    if (this.#skipLf && buf.length > pos) {
      this.#skipLf = false;
      if (buf.charCodeAt(pos) === LF) pos += 1;
    }
    const records: CsvRecord[] = [];
    let line = this.#line;
    while (pos < buf.length) {
      const scanned = this.#scan(buf, pos, line, final);
      if (!scanned) break;
      // A blank line is skipped; a line holding only `""` is a record of one empty cell.
      if (scanned.end > pos) records.push({ line, cells: scanned.cells, raw: buf.slice(pos, scanned.end) });
      line += scanned.lines;
      pos = scanned.next;
      if (scanned.crAtEnd) this.#skipLf = true;
    }
    this.#buf = pos === 0 ? buf : buf.slice(pos);
    this.#line = line;
    if (this.#buf.length > this.#maxRecordChars) {
      this.#failed = new CsvError(
        line,
        `a record runs over ${this.#maxRecordChars} characters (is a quoted field not closed?)`,
      );
    }
    return records;
  }

  /** One record from `start`, or null when the text so far does not complete it. */
  #scan(buf: string, start: number, line: number, final: boolean): Scanned | null {
    const n = buf.length;
    const delimiter = this.#delimiter;
    const cells: string[] = [];
    let lines = 0;
    let i = start;
    for (;;) {
      let cell = '';
      if (i < n && buf.charCodeAt(i) === QUOTE) {
        const open = i;
        let segment = i + 1;
        let from = i + 1;
        for (;;) {
          const q = buf.indexOf('"', from);
          if (q === -1 || (q + 1 >= n && !final)) {
            if (q === -1 && final) throw new CsvError(line, 'a quoted field is not closed');
            return null;
          }
          if (buf.charCodeAt(q + 1) === QUOTE) {
            cell += buf.slice(segment, q + 1);
            from = q + 2;
            segment = from;
            continue;
          }
          cell += buf.slice(segment, q);
          i = q + 1;
          break;
        }
        for (let nl = buf.indexOf('\n', open); nl !== -1 && nl < i; nl = buf.indexOf('\n', nl + 1))
          lines += 1;
      }
      let j = i;
      while (j < n) {
        const c = buf.charCodeAt(j);
        if (c === delimiter || c === LF || c === CR) break;
        j += 1;
      }
      if (j >= n && !final) return null;
      cells.push(j === i ? cell : cell + buf.slice(i, j));
      if (j >= n) return { cells, end: n, next: n, lines, crAtEnd: false };
      const c = buf.charCodeAt(j);
      if (c === delimiter) {
        i = j + 1;
        continue;
      }
      if (c === LF) return { cells, end: j, next: j + 1, lines: lines + 1, crAtEnd: false };
      // CR, alone or before LF.
      if (j + 1 < n) {
        const next = buf.charCodeAt(j + 1) === LF ? j + 2 : j + 1;
        return { cells, end: j, next, lines: lines + 1, crAtEnd: false };
      }
      return { cells, end: j, next: j + 1, lines: lines + 1, crAtEnd: !final };
    }
  }
}

/**
 * Parses a whole RFC 4180 text (the rules of CsvStreamParser). Returns each record with the 1-based line
 * it starts on; blank lines are skipped.
 */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const parser = new CsvStreamParser();
  return [...parser.push(text), ...parser.end()].map(({ line, cells }) => ({ line, cells }));
}

/** Quotes a cell for CSV output when it needs it (delimiter, quote, line break, or leading space). */
export function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n;\t]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * csvCell for text from outside (an uploaded row) in a file people open in a spreadsheet: a cell that
 * starts with = + - @ (or a tab or CR) gets a leading single quote, so it is shown as text and never
 * run as a formula (CSV injection).
 */
export function csvTextCell(value: string | null | undefined): string {
  const text = value ?? '';
  return csvCell(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
}
