import type { Database } from './db.js';

/** Times are epoch milliseconds. States are the fax domain's (src/fax/state.ts); the store only keeps them. */
export type FaxDirection = 'in' | 'out';

export interface FaxRecord {
  id: string;
  direction: FaxDirection;
  state: string;
  /** The full E.164 number (or the caller's number as the PBX gave it): never shown, never logged. */
  number: string;
  numberMasked: string;
  remoteStation: string | null;
  leadId: string | null;
  /** Pages of the document (sent) or received. */
  pages: number | null;
  /** Pages that went through on the last call. */
  pagesDone: number;
  attempts: number;
  dueAt: number;
  error: string | null;
  /** The PDF, relative to fax.dir. */
  pdfPath: string | null;
  fileName: string | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface FaxSearch {
  direction?: FaxDirection;
  state?: string;
  leadId?: string;
  from?: number;
  to?: number;
  limit: number;
  offset: number;
}

const COLUMNS = `id, direction, state, number, number_masked AS numberMasked, remote_station AS remoteStation,
  lead_id AS leadId, pages, pages_done AS pagesDone, attempts, due_at AS dueAt, error, pdf_path AS pdfPath,
  file_name AS fileName, created_by AS createdBy, created_at AS createdAt, updated_at AS updatedAt`;

/** The faxes table (migration 12). */
export class FaxRepository {
  constructor(private readonly db: Database) {}

  insert(fax: Omit<FaxRecord, 'leadId' | 'pagesDone' | 'attempts' | 'dueAt' | 'updatedAt'>): void {
    this.db
      .prepare(
        `INSERT INTO faxes (id, direction, state, number, number_masked, remote_station, lead_id, pages, error,
           pdf_path, file_name, created_by, created_at, updated_at)
         VALUES (@id, @direction, @state, @number, @numberMasked, @remoteStation,
           (SELECT id FROM leads WHERE phone = @number ORDER BY created_at DESC LIMIT 1),
           @pages, @error, @pdfPath, @fileName, @createdBy, @createdAt, @createdAt)`,
      )
      .run(fax);
  }

  get(id: string): FaxRecord | undefined {
    return this.db.prepare<[string], FaxRecord>(`SELECT ${COLUMNS} FROM faxes WHERE id = ?`).get(id);
  }

  /**
   * Moves a fax from `from` to `to` with the fields given, as a compare-and-set: false when it was no
   * longer in `from` (another move came first).
   */
  move(
    id: string,
    from: string,
    to: string,
    at: number,
    fields: Partial<
      Pick<FaxRecord, 'pages' | 'pagesDone' | 'attempts' | 'dueAt' | 'error' | 'pdfPath' | 'remoteStation'>
    > = {},
  ): boolean {
    const sets = Object.keys(fields).map(
      (k) => `${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} = @${k}`,
    );
    const result = this.db
      .prepare(
        `UPDATE faxes SET state = @to, updated_at = @at${sets.map((s) => `, ${s}`).join('')}
         WHERE id = @id AND state = @from`,
      )
      .run({ ...fields, id, from, to, at });
    return result.changes === 1;
  }

  search(q: FaxSearch): { items: FaxRecord[]; total: number } {
    const where: string[] = [];
    if (q.direction) where.push('direction = @direction');
    if (q.state) where.push('state = @state');
    if (q.leadId) where.push('lead_id = @leadId');
    if (q.from !== undefined) where.push('created_at >= @from');
    if (q.to !== undefined) where.push('created_at < @to');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const items = this.db
      .prepare<FaxSearch, FaxRecord>(
        `SELECT ${COLUMNS} FROM faxes ${clause} ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset`,
      )
      .all(q);
    const total =
      this.db.prepare<FaxSearch, number>(`SELECT count(*) FROM faxes ${clause}`).pluck().get(q) ?? 0;
    return { items, total };
  }

  /** Faxes in the given states (a start picks up what a stop left queued, converting or sending). */
  inStates(states: readonly string[]): FaxRecord[] {
    return this.db
      .prepare<[string], FaxRecord>(
        `SELECT ${COLUMNS} FROM faxes WHERE state IN (SELECT value FROM json_each(?)) ORDER BY created_at`,
      )
      .all(JSON.stringify(states));
  }
}
