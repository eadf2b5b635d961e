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

/**
 * One record: the 1-based line it starts on, its cells, and its text as it was in the file. A record
 * that could not be read has `error` (why) and no cells; its `raw` is then its first line, cut at
 * ERROR_RAW_CHARS. Reading goes on after it: one bad record never hides the good ones after it.
 */
export interface CsvRecord {
  line: number;
  cells: string[];
  /** The record's source text, without its line end (quoted line breaks included). */
  raw: string;
  error?: string;
}

export interface CsvParserOptions {
  /** Cell separator; RFC 4180 says comma, spreadsheets in many locales write semicolons. */
  delimiter?: ',' | ';' | '\t';
  /** A longer record is not read but returned with `error`, and reading goes on after it. */
  maxRecordChars?: number;
  /**
   * A record running over this many characters is taken as a quote that is never closed: reported at its
   * first line, and reading resumes at the line after that one, so a stray quote costs one row. No more
   * than this (plus one piece of input) is ever held: a 300 MB line costs no memory. Default: 1,000,000,
   * or 4 × maxRecordChars if that is more.
   */
  resyncChars?: number;
}

/** The raw text kept of a record that could not be read (or resyncChars, if less). */
export const ERROR_RAW_CHARS = 2_000;

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

/** Why a record is not complete: more text may end it, or (at the end of input) a quote is open. */
type Unfinished = 'more' | 'open-quote';

/** The first line end (CR or LF) at or after `from`, or -1. */
function lineEnd(buf: string, from: number): number {
  const lf = buf.indexOf('\n', from);
  const cr = buf.indexOf('\r', from);
  return lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
}

/** Whether `text`, added to an unfinished record, may finish it: a record ends at a line end only. */
const mayEnd = (text: string, waiting: Unfinished) =>
  lineEnd(text, 0) >= 0 && (waiting === 'more' || text.includes('"'));

/**
 * Incremental RFC 4180 parser: feed it text in chunks of any size (a chunk may end anywhere, even inside
 * a quoted field or between CR and LF) and it returns the records each chunk completes. Rules: comma-
 * separated (or `delimiter`), fields optionally in double quotes (a quote inside doubled, line breaks
 * allowed), LF, CRLF or CR line ends, an optional UTF-8 byte order mark (spreadsheets write one). A quote
 * only opens a quoted field at the start of a cell; text after the closing quote is kept as written.
 * Blank lines are skipped (a line of only `""` is a record: one empty cell).
 *
 * Never throws on what the text holds: a record over maxRecordChars, or with a quote that is not closed
 * by the end of input, comes back with `error`, and reading goes on: after a long record; at the line
 * after the first line of a record with an open quote, or of one running over resyncChars. The result
 * does not depend on how the text is cut into chunks.
 */
export class CsvStreamParser {
  /** Unparsed text; always starts at a record start (or, when #skipping, inside an over-long line). */
  #buf = '';
  /** The line #buf starts on. */
  #line = 1;
  #started = false;
  /** The last record ended with a CR at the end of a chunk: skip an LF starting the next one. */
  #skipLf = false;
  /** Inside a line that was reported as too long: its text is dropped up to its end. */
  #skipping = false;
  #ended = false;
  /**
   * How #buf's record was unfinished when last scanned: it is scanned again only when new text may end
   * it (a line end; and a quote, if a quote was open), so a long record arriving in many pieces is not
   * scanned again for each.
   */
  #waiting: Unfinished | null = null;
  readonly #delimiter: number;
  readonly #maxRecordChars: number;
  readonly #resyncChars: number;

  constructor(options: CsvParserOptions = {}) {
    this.#delimiter = (options.delimiter ?? ',').charCodeAt(0);
    this.#maxRecordChars = options.maxRecordChars ?? Number.POSITIVE_INFINITY;
    this.#resyncChars = Math.max(
      options.resyncChars ?? Math.max(1_000_000, 4 * this.#maxRecordChars),
      this.#maxRecordChars,
    );
  }

  /** The line the next record starts on (where parsing stands). */
  get line(): number {
    return this.#line;
  }

  push(text: string): CsvRecord[] {
    if (this.#ended) throw new Error('CsvStreamParser: push after end');
    return this.#parse(text, false);
  }

  end(): CsvRecord[] {
    if (this.#ended) return [];
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
    /** Continues after the first line end from `from`; false when it is not in the text yet. */
    const nextLine = (from: number): boolean => {
      const end = lineEnd(buf, from);
      if (end < 0) return false;
      pos = end + 1;
      line += 1;
      if (buf.charCodeAt(end) === CR) {
        if (pos < buf.length) {
          if (buf.charCodeAt(pos) === LF) pos += 1;
        } else if (!final) this.#skipLf = true;
      }
      return true;
    };
    const unreadable = (at: number, error: string) => {
      const end = lineEnd(buf, at);
      // Never more than resyncChars: what is known of a record given up, however the text came in.
      const cut = at + Math.min(ERROR_RAW_CHARS, this.#resyncChars);
      const raw = buf.slice(at, Math.min(end < 0 ? buf.length : end, cut));
      records.push({ line, cells: [], raw, error });
    };
    /** Reports the record at `pos` as too long; over resyncChars, reading resumes at its second line. */
    const tooLong = (resync: boolean) => {
      unreadable(pos, `row longer than ${this.#maxRecordChars} characters`);
      const record = records.at(-1)!;
      if (resync && record.raw.includes('"')) record.error += ' (is a quote not closed?)';
      if (resync && !nextLine(pos)) this.#skipping = true;
    };

    if (this.#skipping) {
      if (!nextLine(pos)) pos = buf.length;
      else this.#skipping = false;
    }
    const first = pos;
    while (!this.#skipping && pos < buf.length) {
      const rest = buf.length - pos;
      if (
        pos === first &&
        !final &&
        rest <= this.#resyncChars &&
        this.#waiting &&
        !mayEnd(text, this.#waiting)
      )
        break;
      this.#waiting = null;
      const scanned = this.#scan(buf, pos, final);
      if (scanned === 'open-quote' && final) {
        unreadable(pos, 'a quoted field is not closed');
        if (!nextLine(pos)) pos = buf.length;
        continue;
      }
      if (typeof scanned === 'string') {
        // Unfinished: wait for more text, unless it has run on too long already.
        if (rest <= this.#resyncChars) {
          this.#waiting = scanned;
          break;
        }
        tooLong(true);
        continue;
      }
      const length = scanned.end - pos;
      if (length > this.#resyncChars) {
        // As if it had come in pieces: the same answer whatever the chunks.
        tooLong(true);
        continue;
      }
      if (length > this.#maxRecordChars) tooLong(false);
      else if (length > 0) {
        // A blank line is skipped; a line holding only `""` is a record of one empty cell.
        records.push({ line, cells: scanned.cells, raw: buf.slice(pos, scanned.end) });
      }
      line += scanned.lines;
      pos = scanned.next;
      if (scanned.crAtEnd) this.#skipLf = true;
    }
    // A line given up (#skipping) is dropped as it comes; an unfinished record is kept (resyncChars at most).
    this.#buf = this.#skipping || pos >= buf.length ? '' : pos === 0 ? buf : buf.slice(pos);
    this.#line = line;
    return records;
  }

  /** One record from `start`, or why the text so far does not complete it. */
  #scan(buf: string, start: number, final: boolean): Scanned | Unfinished {
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
          if (q === -1) return 'open-quote';
          if (q + 1 >= n && !final) return 'more';
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
      if (j >= n && !final) return 'more';
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
 * it starts on; blank lines are skipped. Strict: throws CsvError at the first record that cannot be read
 * (a quote not closed), for small files taken whole or not at all (the agents list).
 */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const parser = new CsvStreamParser();
  return [...parser.push(text), ...parser.end()].map(({ line, cells, error }) => {
    if (error !== undefined) throw new CsvError(line, error);
    return { line, cells };
  });
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
