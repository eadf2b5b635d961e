import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CsvRecord } from '../lib/csv.js';
import { type CsvEncoding, type CsvInput, CsvSource, CsvTooLargeError } from '../lib/csv-source.js';
import type { Logger } from '../lib/logger.js';
import { maskedExcerpt } from '../lib/mask.js';

/** Any pino-like logger (a request's, the service's). */
type LogSink = Pick<Logger, 'info' | 'warn'>;

import type { Store } from '../store/index.js';
import { normalizePhone } from './phone.js';

/** The scope of the do-not-call list every campaign obeys; any other scope is a campaign id. */
export const DNC_GLOBAL = 'global';

export const DNC_REASON_CHARS = 200;
/** A longer row is reported, not read (a number and a reason are far shorter). */
const DNC_ROW_CHARS = 16_384;

export interface DncImportResult {
  /** Data rows read (a header row not counted). */
  rowsRead: number;
  /** Numbers newly on the list. */
  added: number;
  /** Valid numbers that were on it already. */
  existing: number;
  /** Rows without a usable number. */
  invalid: number;
  /** Waiting leads (new, retry, callback) moved to state dnc. */
  leadsMarked: number;
  /** The invalid rows, up to the first 1,000; `raw` with its phone-like runs masked. */
  errors: { line: number; reason: string; raw: string }[];
}

export interface DncImportOptions {
  /** 'global' or a campaign id. */
  scope: string;
  by: string;
  defaultCountry: string;
  now?: () => number;
  logger?: LogSink;
  batchSize?: number;
  maxBytes?: number;
  delimiter?: ',' | ';' | '\t';
  encoding?: CsvEncoding;
  /**
   * Whether the first row is a header. Absent: only when it has no digit and names a number column
   * (phone, number, tel…); a first row that is neither stays a data row (reported if it holds no number).
   */
  header?: boolean;
}

const MAX_REPORTED_ERRORS = 1_000;
/** An error row keeps this much of the row, its phone-like runs masked. */
const REPORT_RAW_CHARS = 500;
const PHONE_HEADERS =
  /^(phone|phone[ _-]?number|number|tel|telephone|telefon|rufnummer|nummer|msisdn|e164)$/i;
const REASON_HEADERS = /^(reason|grund|note|notes|comment)$/i;

/** The campaign a list's entries bind: null (every campaign) for the global list. */
const campaignOf = (scope: string): string | null => (scope === DNC_GLOBAL ? null : scope);

/**
 * Puts one number (already E.164) on a list and takes its waiting leads out of the dialer. Returns
 * whether it was new on the list, and how many leads moved to dnc.
 */
export function addDncNumber(
  store: Store,
  entry: { scope: string; phone: string; reason: string | null; by: string },
  now: number,
): { added: boolean; leadsMarked: number } {
  return store.db.transaction(() => {
    const added = store.dnc.addMany([entry], now) === 1;
    const leadsMarked = store.leads.markDnc(entry.phone, campaignOf(entry.scope), now);
    return { added, leadsMarked };
  })();
}

/**
 * Imports a do-not-call list from CSV, streamed: one column of numbers and an optional second column
 * with a reason. The first row is a header with `header: true`, none with false; by default only when
 * none of its cells has a digit and one names a number column (phone, number, tel, msisdn…). With a
 * header the number column is the one so named (else the first), the reason column the one named
 * reason (if any). Numbers are normalized to E.164 like lead numbers; a row without a valid number, or
 * one that cannot be read (too long, a quote not closed, bytes not UTF-8), is reported, not added. Waiting leads with a listed number move to state dnc. Rows are written in
 * batches with a turn of the event loop in between; on a failure the numbers before it stay added and
 * the rest of the upload is abandoned.
 */
export async function importDnc(
  store: Store,
  input: CsvInput,
  options: DncImportOptions,
): Promise<DncImportResult> {
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? 1_000;
  const source = new CsvSource(input, {
    delimiter: options.delimiter,
    encoding: options.encoding,
    maxBytes: options.maxBytes,
    maxRecordChars: DNC_ROW_CHARS,
  });
  const result: DncImportResult = {
    rowsRead: 0,
    added: 0,
    existing: 0,
    invalid: 0,
    leadsMarked: 0,
    errors: [],
  };
  let columns: { phone: number; reason: number } | null = null;
  let batch: { scope: string; phone: string; reason: string | null; by: string }[] = [];

  const flush = () => {
    if (batch.length === 0) return;
    const at = now();
    const entries = batch;
    batch = [];
    store.db.transaction(() => {
      const added = store.dnc.addMany(entries, at);
      result.added += added;
      result.existing += entries.length - added;
      result.leadsMarked += store.leads.markDncMany(
        entries.map((e) => e.phone),
        campaignOf(options.scope),
        at,
      );
    })();
  };

  const report = (record: CsvRecord, reason: string) => {
    result.invalid += 1;
    if (result.errors.length < MAX_REPORTED_ERRORS) {
      result.errors.push({ line: record.line, reason, raw: maskedExcerpt(record.raw, REPORT_RAW_CHARS) });
    }
  };

  const take = (record: CsvRecord) => {
    if (record.error !== undefined) {
      // Unreadable (too long, a quote not closed, not UTF-8): reported, and the rows after it go on.
      result.rowsRead += 1;
      return report(record, record.error);
    }
    if (!columns) {
      const names = record.cells.map((c) => c.trim());
      const phone = names.findIndex((n) => PHONE_HEADERS.test(n));
      const isHeader = options.header ?? (phone >= 0 && !record.cells.some((c) => /\d/.test(c)));
      if (isHeader) {
        columns = { phone: Math.max(phone, 0), reason: names.findIndex((n) => REASON_HEADERS.test(n)) };
        return;
      }
      columns = { phone: 0, reason: record.cells.length > 1 ? 1 : -1 };
    }
    result.rowsRead += 1;
    const fail = (reason: string) => report(record, reason);
    const normalized = normalizePhone(record.cells[columns.phone] ?? '', options.defaultCountry);
    if (!normalized.ok) return fail(`phone: ${normalized.reason}`);
    const reason = columns.reason >= 0 ? (record.cells[columns.reason] ?? '').trim() : '';
    if (reason.length > DNC_REASON_CHARS) return fail(`reason longer than ${DNC_REASON_CHARS} characters`);
    batch.push({ scope: options.scope, phone: normalized.e164, reason: reason || null, by: options.by });
  };

  try {
    for (let records = await source.next(); records !== null; records = await source.next()) {
      for (const record of records) {
        take(record);
        if (batch.length >= batchSize) {
          flush();
          await nextTurn(); // calls and requests go on during a large list
        }
      }
      await nextTurn();
    }
  } catch (err) {
    // Stop reading: a file too large is cut off, any other failure's rest is drained (the client
    // still gets its answer).
    source.abandon(err instanceof CsvTooLargeError);
    throw err;
  } finally {
    flush(); // what was read before a failure stays on the list
  }
  options.logger?.info(
    {
      scope: options.scope,
      by: options.by,
      rowsRead: result.rowsRead,
      added: result.added,
      existing: result.existing,
      invalid: result.invalid,
      leadsMarked: result.leadsMarked,
    },
    'do-not-call list imported',
  );
  return result;
}
