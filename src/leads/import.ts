import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CsvRecord } from '../lib/csv.js';
import {
  CSV_PIECE_CHARS,
  type CsvEncoding,
  type CsvInput,
  CsvInputError,
  CsvSource,
  CsvTooLargeError,
  spoolToFile,
} from '../lib/csv-source.js';
import { uuidv7 } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { maskedExcerpt } from '../lib/mask.js';
import type { ImportError, ImportRecord, NewLead, Store } from '../store/index.js';
import { normalizePhone } from './phone.js';

/** Custom field name -> CSV column, or 'rest': every column besides phone and name, under its header. */
export type LeadFieldMapping = Record<string, string> | 'rest';

/** Which CSV columns (by header) hold what. */
export interface LeadColumnMapping {
  phone: string;
  name?: string;
  fields?: LeadFieldMapping;
}

export interface LeadImportOptions {
  campaignId: string;
  /** The list's name, kept with the import (e.g. the file name or the batch's week). */
  listName: string;
  mapping: LeadColumnMapping;
  /** Who imports (an API key's name), kept with the import. */
  by: string;
  /** Leads go straight to this team (and agent) instead of the campaign's shared pool. */
  teamId?: string | null;
  agentId?: string | null;
  delimiter?: ',' | ';' | '\t';
  encoding?: CsvEncoding;
}

/** The import cannot start: unknown campaign, a header that does not fit the mapping, unreadable file. */
export class LeadImportError extends Error {
  constructor(
    readonly code: 'CAMPAIGN_NOT_FOUND' | 'MAPPING_INVALID' | 'CSV_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'LeadImportError';
  }
}

export interface LeadImporterOptions {
  store: Store;
  logger: Logger;
  /** Country of numbers written without a country code (ISO 3166 alpha-2, e.g. DE). */
  defaultCountry: string;
  /**
   * Rows handled (checked and written, in one transaction) before the import lets the event loop run
   * again; progress is stored after each. At most (and by default) MAX_IMPORT_BATCH.
   */
  batchSize?: number;
  /** A larger file fails the import (what was read before stays imported). */
  maxBytes?: number;
  /** Progress is stored at least this often while rows arrive slowly. */
  progressEveryMs?: number;
  /** Where receive() keeps an upload until it is imported (the system's temporary folder by default). */
  spoolDir?: string;
  now?: () => number;
}

/** Limits a row must keep. */
export const LEAD_LIMITS = {
  nameChars: 200,
  fieldChars: 1_000,
  fieldNameChars: 64,
  fields: 50,
  rowChars: 16_384,
  /** The raw line kept in the error report is cut here. */
  reportRawChars: 2_000,
} as const;

export const DEFAULT_MAX_IMPORT_BYTES = 200 * 1024 * 1024;

/**
 * Rows checked and written between two turns of the event loop: about 20 ms of work, so calls, timers
 * and requests never wait long for a large import.
 */
export const MAX_IMPORT_BATCH = 500;

/** Checking rows stops for a write and a turn of the event loop after this long (a cold start is slow). */
const TURN_MS = 10;

/** The temporary folders of uploads being received start so (see removeStaleUploads). */
export const UPLOAD_DIR_PREFIX = 'cc-lead-upload-';

/** Where each wanted value is in a row. */
export interface RowPlan {
  width: number;
  phone: number;
  name: number;
  fields: [name: string, index: number][];
}

interface Counters {
  rowsRead: number;
  imported: number;
  rejected: number;
  duplicates: number;
  dnc: number;
}

interface GoodRow {
  line: number;
  raw: string;
  phone: string;
  name: string | null;
  fields: Record<string, string>;
}

/** A started import: its id at once, its end later. `done` never rejects: a failure ends as status failed. */
export interface StartedImport {
  id: string;
  done: Promise<ImportRecord>;
}

/**
 * A row as kept in the error report: phone-like digit runs masked but for their last 4 digits (the
 * report outlives the leads a purge deletes, and must not keep their numbers), cut at reportRawChars.
 */
const reportRaw = (raw: string) => maskedExcerpt(raw, LEAD_LIMITS.reportRawChars);

/**
 * Streams a lead list (CSV, header row first) into a campaign: each row validated (phone present and
 * valid, normalized to E.164; name and field sizes; cell count), deduplicated within the file and
 * against the campaign, scrubbed against the do-not-call lists, and written in batches with the import's
 * progress stored after each. Every row not imported is kept in the import's error report with its line,
 * kind (invalid, duplicate, dnc), reason and raw text: no row is dropped silently. A row the reader
 * cannot read (too long, a quote never closed, bytes not UTF-8) is reported the same way, and the
 * import goes on after it.
 */
export class LeadImporter {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #country: string;
  readonly #batchSize: number;
  readonly #maxBytes: number;
  readonly #progressEveryMs: number;
  readonly #now: () => number;
  readonly #spoolDir: string;
  readonly #running = new Map<string, { stop: () => void; done: Promise<ImportRecord> }>();
  readonly #duplicateOf;
  readonly #dncOf;

  constructor(options: LeadImporterOptions) {
    this.#store = options.store;
    this.#logger = options.logger.child({ component: 'lead-import' });
    this.#country = options.defaultCountry;
    this.#batchSize = Math.max(1, Math.min(options.batchSize ?? MAX_IMPORT_BATCH, MAX_IMPORT_BATCH));
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_IMPORT_BYTES;
    this.#progressEveryMs = options.progressEveryMs ?? 500;
    this.#now = options.now ?? Date.now;
    this.#spoolDir = options.spoolDir ?? tmpdir();
    // The leads a batch's numbers are already in (where they came from), asked once per batch.
    this.#duplicateOf = this.#store.db.prepare<
      [string, string],
      { phone: string; importId: string | null; listName: string | null }
    >(
      `SELECT l.phone, l.import_id AS importId, i.list_name AS listName FROM leads l
         LEFT JOIN lead_imports i ON i.id = l.import_id
       WHERE l.campaign_id = ? AND l.phone IN (SELECT value FROM json_each(?))`,
    );
    // The rule of store.dnc.blocked (the global list or the campaign's), asked once per batch.
    this.#dncOf = this.#store.db.prepare<[string, string], { phone: string; global: number }>(
      `SELECT phone, max(scope = 'global') AS global FROM dnc
         WHERE scope IN ('global', ?) AND phone IN (SELECT value FROM json_each(?)) GROUP BY phone`,
    );
  }

  /** Imports running now. */
  running(): string[] {
    return [...this.#running.keys()];
  }

  /** Imports the whole input; resolves with the finished import (status done or failed). */
  async import(input: CsvInput, options: LeadImportOptions): Promise<ImportRecord> {
    return (await this.start(input, options)).done;
  }

  /**
   * For an upload (the REST route): takes the whole input into a temporary file at the speed it arrives,
   * then starts the import from that file (see start()) and resolves with its id once the header is
   * checked, while the rows are imported in the background; the file is deleted at the end. A client
   * thus gets its answer as soon as its upload is in, whatever the file's size, and nothing is recorded
   * for an upload that breaks off. Throws LeadImportError (unknown campaign, header), CsvTooLargeError (over maxBytes),
   * CsvInputError (the upload stopped before its end), or the file's error (disk full).
   */
  async receive(input: CsvInput, options: LeadImportOptions): Promise<StartedImport> {
    this.#check(options);
    const dir = await mkdtemp(join(this.#spoolDir, UPLOAD_DIR_PREFIX));
    const remove = () => rm(dir, { recursive: true, force: true }).catch(() => undefined);
    let file: ReadStream | undefined;
    try {
      const path = join(dir, 'upload.csv');
      await spoolToFile(input, path, this.#maxBytes);
      file = createReadStream(path, { highWaterMark: CSV_PIECE_CHARS });
      const started = await this.#start(file, options, true);
      void started.done.then(remove);
      return started;
    } catch (err) {
      file?.destroy();
      await remove();
      throw err;
    }
  }

  #check(options: LeadImportOptions): void {
    if (!this.#store.campaigns.get(options.campaignId)) {
      throw new LeadImportError('CAMPAIGN_NOT_FOUND', `No campaign with id ${options.campaignId}`);
    }
    const explicit = options.mapping.fields;
    if (explicit && explicit !== 'rest') checkFieldNames(Object.keys(explicit));
  }

  /**
   * Reads the header, checks it against the mapping and records the import; then resolves with its id
   * while the rows go on streaming in the background (`done`). Throws LeadImportError, recording
   * nothing, when the campaign is unknown or the header does not fit the mapping; a stream input is then
   * read to its end and discarded.
   */
  async start(input: CsvInput, options: LeadImportOptions): Promise<StartedImport> {
    return this.#start(input, options, false);
  }

  /**
   * start(); `local`: the input is our own spooled file, destroyed rather than drained when the import
   * stops reading it early (no client waits for its end).
   */
  async #start(input: CsvInput, options: LeadImportOptions, local: boolean): Promise<StartedImport> {
    const { campaignId } = options;
    this.#check(options);
    const source = new CsvSource(input, {
      delimiter: options.delimiter,
      encoding: options.encoding,
      maxBytes: this.#maxBytes,
      maxRecordChars: LEAD_LIMITS.rowChars,
    });
    let first: CsvRecord[] = [];
    let plan: RowPlan;
    try {
      let records: CsvRecord[] | null = [];
      while (records !== null && records.length === 0) records = await source.next();
      if (records === null)
        throw new LeadImportError('CSV_INVALID', 'The file is empty: expected a header row');
      const [header, ...rest] = records;
      if (header!.error !== undefined) {
        throw new LeadImportError('CSV_INVALID', `The header row cannot be read: ${header!.error}`);
      }
      plan = planRows(header!.cells, options.mapping);
      first = rest;
    } catch (err) {
      source.abandon(local || err instanceof CsvTooLargeError);
      if (err instanceof CsvTooLargeError) {
        throw new LeadImportError('CSV_INVALID', `The file cannot be read: ${err.message}`);
      }
      throw err;
    }

    const id = randomUUID();
    try {
      this.#store.leadImports.start({
        id,
        campaignId,
        listName: options.listName,
        by: options.by,
        at: this.#now(),
      });
    } catch (err) {
      source.abandon(local); // as for a bad header: a client's stream drained, our file closed
      throw err;
    }
    this.#logger.info(
      {
        importId: id,
        campaignId,
        listName: options.listName,
        teamId: options.teamId ?? undefined,
        agentId: options.agentId ?? undefined,
        by: options.by,
      },
      'lead import started',
    );
    let stopped = false;
    const done = this.#run(id, source, plan, first, options, local, () => stopped).finally(() =>
      this.#running.delete(id),
    );
    this.#running.set(id, {
      stop: () => {
        stopped = true;
        source.abandon(true); // wakes a read waiting on a stalled upload
      },
      done,
    });
    return { id, done };
  }

  /** Stops the running imports after their current batch (each ends failed, saying so) and waits for them. */
  async close(): Promise<void> {
    const running = [...this.#running.values()];
    for (const r of running) r.stop();
    await Promise.all(running.map((r) => r.done));
  }

  async #run(
    id: string,
    source: CsvSource,
    plan: RowPlan,
    first: CsvRecord[],
    options: LeadImportOptions,
    local: boolean,
    stopped: () => boolean,
  ): Promise<ImportRecord> {
    const { campaignId } = options;
    const counters: Counters = { rowsRead: 0, imported: 0, rejected: 0, duplicates: 0, dnc: 0 };
    let good: GoodRow[] = [];
    let errors: ImportError[] = [];
    let lastFlush = this.#now();

    /**
     * Writes the rows taken since the last flush, with the progress, in one transaction. The counts are
     * made on a copy and kept only once it is committed. If it fails, nothing of the batch is in the
     * store: its valid rows are reported as not imported ('write failed'), so that rowsRead = imported +
     * rejected + duplicates + dnc still holds, and the import fails (ImportWriteError).
     */
    const flush = () => {
      if (good.length === 0 && errors.length === 0) return;
      const batch = good;
      const report = errors;
      good = [];
      errors = [];
      lastFlush = this.#now();
      const next = { ...counters };
      try {
        this.#store.db.transaction(() => {
          const found: ImportError[] = [];
          this.#write(id, options, batch, found, next);
          this.#store.leadImports.progress(id, next, report.length === 0 ? found : [...report, ...found]);
        })();
      } catch (err) {
        const reason = `write failed: ${(err as Error).message}`;
        const failed = { ...counters, rejected: counters.rejected + batch.length };
        const lost: ImportError[] = batch.map((r) => ({
          line: r.line,
          kind: 'invalid',
          reason,
          raw: reportRaw(r.raw),
        }));
        try {
          this.#store.leadImports.progress(id, failed, [...report, ...lost]);
        } finally {
          Object.assign(counters, failed);
        }
        throw new ImportWriteError(reason, { cause: err });
      }
      Object.assign(counters, next);
    };

    /** Checks a row: an invalid one goes to the report, a valid one waits for flush(). */
    const take = (record: CsvRecord) => {
      counters.rowsRead += 1;
      const row =
        record.error === undefined ? readRow(record, plan, this.#country) : { reason: record.error };
      if ('reason' in row) {
        counters.rejected += 1;
        errors.push({ line: record.line, kind: 'invalid', reason: row.reason, raw: reportRaw(record.raw) });
      } else good.push(row);
    };

    /**
     * Every record read is handled, in turns of at most batchSize rows (or TURN_MS of work, whichever
     * comes first), each turn's rows written before the event loop gets a turn: calls and requests go on
     * during a large import. A stop asked meanwhile takes effect after the records read, so none is
     * read and then forgotten.
     */
    const handle = async (records: CsvRecord[]) => {
      let at = 0;
      while (at < records.length) {
        const turn = performance.now();
        let spent = false;
        while (at < records.length && good.length + errors.length < this.#batchSize) {
          take(records[at]!);
          at += 1;
          if (at % 32 === 0 && performance.now() - turn >= TURN_MS) {
            spent = true;
            break;
          }
        }
        const pending = good.length + errors.length;
        if (
          pending >= this.#batchSize ||
          (pending > 0 && (spent || this.#now() - lastFlush >= this.#progressEveryMs))
        ) {
          flush();
        }
        await nextTurn();
      }
    };

    let failure: string | null = null;
    try {
      await handle(first);
      for (;;) {
        if (stopped()) throw new CsvInputError('stopped');
        const records = await source.next();
        if (records === null) break;
        await handle(records);
      }
    } catch (err) {
      if (err instanceof ImportWriteError) {
        failure = `import failed: ${err.message}`;
        this.#logger.error(
          { importId: id, campaignId, err: err.cause },
          'lead import could not write a batch',
        );
      } else if (stopped()) {
        failure = `the service stopped during the import; the rows read before line ${source.line} were imported`;
      } else if (err instanceof CsvTooLargeError || err instanceof CsvInputError) {
        failure = `${err.message}; the rows read before line ${source.line} were imported`;
      } else {
        failure = `import failed: ${(err as Error).message}`;
        this.#logger.error({ importId: id, campaignId, err }, 'lead import failed');
      }
      // Our own file is just closed, not read to its end; a client's stream is drained unless too large
      // (the client still gets its answer).
      source.abandon(local || err instanceof CsvTooLargeError);
    }

    try {
      flush();
    } catch (err) {
      failure ??= `import failed: ${(err as Error).message}`;
      this.#logger.error({ importId: id, campaignId, err }, 'lead import failed writing its last batch');
    }
    let record: ImportRecord;
    try {
      this.#store.leadImports.finish(id, failure ? 'failed' : 'done', this.#now(), failure);
      record = this.#store.leadImports.get(id)!;
    } catch (err) {
      // The store is gone (closed under a running import): report what is known; `done` never rejects.
      this.#logger.error({ importId: id, campaignId, err }, 'lead import could not record its end');
      const at = this.#now();
      failure ??= `import failed: ${(err as Error).message}`;
      return {
        id,
        campaignId,
        listName: options.listName,
        status: 'failed',
        ...counters,
        error: failure,
        startedAt: at,
        finishedAt: at,
        by: options.by,
      };
    }
    this.#logger[failure ? 'warn' : 'info'](
      {
        importId: id,
        campaignId,
        status: record.status,
        rowsRead: record.rowsRead,
        imported: record.imported,
        rejected: record.rejected,
        duplicates: record.duplicates,
        dnc: record.dnc,
        bytes: source.bytes,
        ms: (record.finishedAt ?? 0) - record.startedAt,
        error: failure ?? undefined,
      },
      'lead import finished',
    );
    return record;
  }

  /** The batch's numbers on a do-not-call list that binds the campaign: number -> on the global list. */
  #blocked(campaignId: string, rows: GoodRow[]): Map<string, boolean> {
    const found = this.#dncOf.all(campaignId, JSON.stringify(rows.map((r) => r.phone)));
    return new Map(found.map((f) => [f.phone, f.global === 1]));
  }

  /** The leads these rows' numbers are already in: number -> the import and list it came from. */
  #existing(
    campaignId: string,
    rows: GoodRow[],
  ): Map<string, { importId: string | null; listName: string | null }> {
    if (rows.length === 0) return new Map();
    const found = this.#duplicateOf.all(campaignId, JSON.stringify(rows.map((r) => r.phone)));
    return new Map(found.map(({ phone, ...from }) => [phone, from]));
  }

  /** Scrubs and deduplicates a batch of valid rows, inserts what is left, and adds the rest to `report`. */
  #write(id: string, options: LeadImportOptions, rows: GoodRow[], report: ImportError[], c: Counters): void {
    if (rows.length === 0) return;
    const { campaignId } = options;
    const firstLine = new Map<string, number>();
    const blocked = this.#blocked(campaignId, rows);
    const leads: NewLead[] = [];
    const sources: GoodRow[] = [];
    const at = this.#now();
    for (const row of rows) {
      const earlier = firstLine.get(row.phone);
      if (earlier !== undefined) {
        c.duplicates += 1;
        report.push({
          line: row.line,
          kind: 'duplicate',
          reason: `same number as line ${earlier}`,
          raw: reportRaw(row.raw),
        });
        continue;
      }
      firstLine.set(row.phone, row.line);
      const onGlobalList = blocked.get(row.phone);
      if (onGlobalList !== undefined) {
        c.dnc += 1;
        report.push({
          line: row.line,
          kind: 'dnc',
          reason: onGlobalList
            ? 'the number is on the global do-not-call list'
            : "the number is on the campaign's do-not-call list",
          raw: reportRaw(row.raw),
        });
        continue;
      }
      leads.push({
        id: uuidv7(at),
        campaignId,
        importId: id,
        phone: row.phone,
        name: row.name,
        fields: row.fields,
        teamId: options.teamId ?? null,
        agentId: options.agentId ?? null,
        createdAt: at,
      });
      sources.push(row);
    }
    const inserted = this.#store.leads.insertMany(leads);
    const skipped = sources.filter((_, i) => !inserted[i]);
    const existingOf = this.#existing(campaignId, skipped);
    inserted.forEach((ok, i) => {
      if (ok) {
        c.imported += 1;
        return;
      }
      const row = sources[i]!;
      const existing = existingOf.get(row.phone);
      c.duplicates += 1;
      report.push({
        line: row.line,
        kind: 'duplicate',
        reason:
          existing?.importId === id
            ? 'same number as an earlier line of this file'
            : existing?.listName
              ? `the number is already in the campaign (list ${JSON.stringify(existing.listName)})`
              : 'the number is already in the campaign',
        raw: reportRaw(row.raw),
      });
    });
  }
}

/** A batch could not be written (its rows are in the report as 'write failed'). */
class ImportWriteError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'ImportWriteError';
  }
}

/**
 * Deletes what uploads a dead run was receiving (the `cc-lead-upload-*` folders in `dir`, the importer's
 * spoolDir). Only while no upload is being received: at start. Returns how many it deleted.
 */
export function removeStaleUploads(dir: string = tmpdir()): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(UPLOAD_DIR_PREFIX)) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed += 1;
    } catch {
      // not ours to delete (another user's temporary folder): left
    }
  }
  return removed;
}

/**
 * Imports a dead run left 'running' (the service stopped mid-import): marked failed; and the uploads it
 * left in `spoolDir` (the importer's, the system's temporary folder by default) are deleted. Call once
 * at start, before any import begins. Returns how many imports.
 */
export function failInterruptedImports(store: Store, now: number, spoolDir: string): number {
  removeStaleUploads(spoolDir);
  return store.db
    .prepare(
      `UPDATE lead_imports SET status = 'failed', finished_at = ?,
         error = 'the service stopped during the import; the rows read before were imported'
       WHERE status = 'running'`,
    )
    .run(now).changes;
}

function checkFieldNames(names: string[]): void {
  if (names.length > LEAD_LIMITS.fields) {
    throw new LeadImportError('MAPPING_INVALID', `At most ${LEAD_LIMITS.fields} custom fields`);
  }
  for (const name of names) {
    if (name.trim() === '' || name.length > LEAD_LIMITS.fieldNameChars || /\p{Cc}/u.test(name)) {
      throw new LeadImportError(
        'MAPPING_INVALID',
        `Custom field name ${JSON.stringify(name)}: expected 1 to ${LEAD_LIMITS.fieldNameChars} printable characters`,
      );
    }
  }
}

/** Where the mapping's columns are in the header; throws LeadImportError when they are not (all) there. */
export function planRows(header: string[], mapping: LeadColumnMapping): RowPlan {
  const names = header.map((h) => h.trim());
  const listed = names.map((n) => (n === '' ? '(unnamed)' : n)).join(', ');
  const find = (what: string, column: string): number => {
    const wanted = column.trim();
    const exact = names.filter((n) => n === wanted).length;
    let at = exact === 1 ? names.indexOf(wanted) : -1;
    if (exact > 1) {
      throw new LeadImportError(
        'MAPPING_INVALID',
        `Column ${JSON.stringify(wanted)} appears twice in the header`,
      );
    }
    if (at < 0) {
      const folded = names.flatMap((n, i) => (n.toLowerCase() === wanted.toLowerCase() ? [i] : []));
      if (folded.length > 1) {
        throw new LeadImportError(
          'MAPPING_INVALID',
          `Column ${JSON.stringify(wanted)} matches several header columns`,
        );
      }
      at = folded[0] ?? -1;
    }
    if (at < 0) {
      throw new LeadImportError(
        'MAPPING_INVALID',
        `The ${what} column ${JSON.stringify(wanted)} is not in the header (columns: ${listed})`,
      );
    }
    return at;
  };
  const phone = find('phone', mapping.phone);
  const name = mapping.name ? find('name', mapping.name) : -1;
  let fields: [string, number][] = [];
  if (mapping.fields === 'rest') {
    fields = names.flatMap((n, i): [string, number][] => {
      if (i === phone || i === name) return [];
      if (n === '') {
        throw new LeadImportError(
          'MAPPING_INVALID',
          `Column ${i + 1} has no name in the header: name it, or list the custom fields to keep`,
        );
      }
      return [[n, i]];
    });
    const twice = fields.find(([n], i) => fields.findIndex(([m]) => m === n) !== i);
    if (twice)
      throw new LeadImportError(
        'MAPPING_INVALID',
        `Column ${JSON.stringify(twice[0])} appears twice in the header`,
      );
    checkFieldNames(fields.map(([n]) => n));
  } else if (mapping.fields) {
    fields = Object.entries(mapping.fields).map(([field, column]) => [field, find(`field ${field}`, column)]);
  }
  return { width: names.length, phone, name, fields };
}

/** A row's lead values, or why it cannot be one. */
function readRow(record: CsvRecord, plan: RowPlan, country: string): GoodRow | { reason: string } {
  // Longer rows are reported by the reader (maxRecordChars), never read.
  const { cells, raw, line } = record;
  if (
    cells.length < plan.width ||
    (cells.length > plan.width && cells.slice(plan.width).some((c) => c.trim() !== ''))
  ) {
    return { reason: `${cells.length} cells where the header has ${plan.width}` };
  }
  const phone = normalizePhone(cells[plan.phone]!, country);
  if (!phone.ok) return { reason: `phone: ${phone.reason}` };
  const name = plan.name >= 0 ? cells[plan.name]!.trim() : '';
  if (name.length > LEAD_LIMITS.nameChars)
    return { reason: `name longer than ${LEAD_LIMITS.nameChars} characters` };
  const fields: Record<string, string> = {};
  for (const [field, index] of plan.fields) {
    const value = cells[index]!.trim();
    if (value.length > LEAD_LIMITS.fieldChars) {
      return { reason: `field ${field} longer than ${LEAD_LIMITS.fieldChars} characters` };
    }
    if (value !== '') fields[field] = value;
  }
  return { line, raw, phone: phone.e164, name: name === '' ? null : name, fields };
}
