import type { Database } from './db.js';
import type { Role } from './roles.js';

/** Times are epoch milliseconds. */

export interface AuditEntry {
  at: number;
  keyId: string;
  keyName: string;
  /** The caller's role, or 'system' for the service's own jobs (e.g. retention). */
  role: Role | 'system';
  agentId?: string | null;
  /** What was done or attempted: search, metadata, listen, download, legal-hold, purge, score, ... */
  action: string;
  targetType: string;
  targetId: string;
  /** False for an attempt that was refused: those are the ones worth reading. */
  allowed: boolean;
  /** Stored as JSON. */
  detail?: unknown;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'detail'>> {
  id: number;
  agentId: string | null;
  detail: unknown;
}

export interface AuditQuery {
  targetType?: string;
  targetId?: string;
  /** Inclusive. */
  from?: number;
  /** Exclusive. */
  to?: number;
  /** Default 100. */
  limit?: number;
}

type AuditRow = Omit<AuditRecord, 'allowed' | 'detail'> & { allowed: number; detail: string | null };

const AUDIT_COLUMNS = `id, at, key_id AS keyId, key_name AS keyName, role, agent_id AS agentId, action,
  target_type AS targetType, target_id AS targetId, allowed, detail`;

/** Who accessed what, allowed or not. Append-only: nothing here updates or deletes an entry. */
export class AuditRepository {
  readonly #add;
  readonly #list;

  constructor(db: Database) {
    this.#add = db.prepare(
      `INSERT INTO audit_log (at, key_id, key_name, role, agent_id, action, target_type, target_id, allowed,
         detail)
       VALUES (@at, @keyId, @keyName, @role, @agentId, @action, @targetType, @targetId, @allowed, @detail)`,
    );
    this.#list = db.prepare<
      {
        targetType: string | null;
        targetId: string | null;
        from: number | null;
        to: number | null;
        limit: number;
      },
      AuditRow
    >(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log
       WHERE (@targetType IS NULL OR target_type = @targetType) AND (@targetId IS NULL OR target_id = @targetId)
         AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to)
       ORDER BY at DESC, id DESC LIMIT @limit`,
    );
  }

  add(entry: AuditEntry): void {
    this.#add.run({
      at: entry.at,
      keyId: entry.keyId,
      keyName: entry.keyName,
      role: entry.role,
      agentId: entry.agentId ?? null,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      allowed: entry.allowed ? 1 : 0,
      detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
    });
  }

  /** Newest first. */
  list(query: AuditQuery = {}): AuditRecord[] {
    return this.#list
      .all({
        targetType: query.targetType ?? null,
        targetId: query.targetId ?? null,
        from: query.from ?? null,
        to: query.to ?? null,
        limit: query.limit ?? 100,
      })
      .map(({ allowed, detail, ...row }) => ({
        ...row,
        allowed: allowed === 1,
        detail: detail === null ? null : JSON.parse(detail),
      }));
  }
}
