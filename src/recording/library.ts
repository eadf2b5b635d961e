import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { maskNumber } from '../lib/mask.js';
import type {
  AuditEntry,
  AuditQuery,
  AuditRecord,
  RecordingFilter,
  RecordingRecord,
  RecordingScope,
  Store,
} from '../store/index.js';

/** Who does (or tries) something, as the audit log keeps it: an API key and its role and agent. */
export type AuditActor = Pick<AuditEntry, 'keyId' | 'keyName' | 'role'> & { agentId: string | null };

/** What was done to what, for the audit log; the target is a recording unless said otherwise. */
export interface AuditedAction {
  action: string;
  targetType?: string;
  targetId: string;
  allowed: boolean;
  detail?: unknown;
}

/** Pausing and resuming a live call's recording (CallRecorder); false when it is already so, or ended. */
export interface RecordingControl {
  pause(callId: string): Promise<boolean>;
  resume(callId: string): Promise<boolean>;
}

export interface RecordingLibraryDeps {
  store: Store;
  logger: Logger;
  now: () => number;
  /** Absent without a PBX (tests): then no call is being recorded. */
  control?: RecordingControl;
  /** How long a search or a playback repeated by the same caller is one audit row (AUDIT_SESSION_MS). */
  auditSessionMs?: number;
}

/**
 * A search repeated by the same caller with the same filters (paging, refreshing), or a recording played
 * again by the same caller (a player's range requests, seeking), within this long of its audit row is
 * that row's session: not written again. A busy QA page so writes a row per search, not per request.
 */
export const AUDIT_SESSION_MS = 10 * 60_000;
/** Sessions remembered at most; the oldest are forgotten first (at worst, one row more). */
const MAX_AUDIT_SESSIONS = 10_000;

type SearchCriteria = Omit<RecordingFilter, 'visibleTo' | 'limit' | 'offset'>;

/**
 * The call recordings as people reach them: search, metadata, legal hold, pausing a live one while a
 * card number is given; and the audit log every access (or refused attempt) is written to, at the
 * service's clock.
 */
export class RecordingLibrary {
  private readonly store: Store;
  private readonly log: Logger;
  /** Audit sessions (see auditOnce): key -> when its row was written, oldest first. */
  private readonly auditSessions = new Map<string, number>();

  constructor(private readonly deps: RecordingLibraryDeps) {
    this.store = deps.store;
    this.log = deps.logger.child({ component: 'recordings' });
  }

  get(id: string): RecordingRecord | null {
    return this.store.recordings.get(id);
  }

  /**
   * A page of the recordings matching `filter` (newest first) that `scope` lets the actor see, and how
   * many match in all. A search touches many recordings: it is audited with target '*', the filters
   * (the number by its last 4 digits only) and the total in `detail`, once per search session.
   */
  search(
    filter: SearchCriteria & { limit: number; offset: number },
    scope: RecordingScope | null,
    actor: AuditActor,
  ): { recordings: RecordingRecord[]; total: number } {
    const { limit, offset, ...criteria } = filter;
    const where = { ...criteria, visibleTo: scope ?? undefined };
    const recordings = this.store.recordings.search({ ...where, limit, offset });
    const total = this.store.recordings.count(where);
    const query = auditedQuery(criteria);
    this.auditOnce(
      actor,
      { action: 'search', targetId: '*', allowed: true, detail: { query, total } },
      query,
    );
    return { recordings, total };
  }

  /**
   * Audits a recording's audio sent to the actor (`listen` or `download`), once per playback session: a
   * player's range requests while it plays and seeks are one row, with the first request's range.
   */
  auditPlayback(
    actor: AuditActor,
    id: string,
    action: 'listen' | 'download',
    range: string | undefined,
  ): void {
    this.auditOnce(actor, {
      action,
      targetId: id,
      allowed: true,
      detail: range ? { range: range.slice(0, 100) } : undefined,
    });
  }

  /** Sets or lifts the legal hold (a held recording is never purged); audited. Null if unknown. */
  setLegalHold(id: string, hold: boolean, actor: AuditActor): RecordingRecord | null {
    const recording = this.store.recordings.setLegalHold(id, hold);
    if (!recording) return null;
    this.audit(actor, { action: 'legal-hold', targetId: id, allowed: true, detail: { hold } });
    this.log.info({ recordingId: id, hold, by: actor.keyName }, 'recording legal hold set');
    return recording;
  }

  /**
   * Pauses or resumes the recording of a live call, for the agent on the call or anyone else `mayAlways`
   * lets (a supervisor); audited, refusals included. Answers what happened.
   */
  async setPaused(
    callId: string,
    pause: boolean,
    actor: AuditActor,
    mayAlways: boolean,
  ): Promise<'not-recording' | 'refused' | 'unchanged' | 'done'> {
    const { control } = this.deps;
    const rows = this.store.recordings.byCall(callId);
    if (rows.length === 0 || !control) return 'not-recording';
    const action = {
      action: pause ? 'recording-pause' : 'recording-resume',
      targetType: 'call',
      targetId: callId,
    };
    const onCall = actor.agentId !== null && rows.some((r) => r.agentId === actor.agentId);
    if (!mayAlways && !onCall) {
      this.audit(actor, { ...action, allowed: false });
      return 'refused';
    }
    if (!(pause ? await control.pause(callId) : await control.resume(callId))) return 'unchanged';
    this.audit(actor, { ...action, allowed: true });
    return 'done';
  }

  /** Writes who did (or tried) what to the audit log. */
  audit(actor: AuditActor, entry: AuditedAction): void {
    this.store.audit.add({
      ...entry,
      at: this.deps.now(),
      keyId: actor.keyId,
      keyName: actor.keyName,
      role: actor.role,
      agentId: actor.agentId,
      targetType: entry.targetType ?? 'recording',
    });
  }

  /**
   * Writes the row unless the actor's same action on the same target (and `session`, e.g. the filters)
   * already has one written less than the session length ago. Sessions are kept in write order, so the
   * expired ones are always the first.
   */
  private auditOnce(actor: AuditActor, entry: AuditedAction, session: unknown = null): void {
    // Hashed: the filters are the caller's text, and 10,000 sessions must stay small whatever they hold.
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          actor.keyId,
          actor.agentId,
          actor.role,
          entry.action,
          entry.targetType ?? 'recording',
          entry.targetId,
          session,
        ]),
      )
      .digest('base64');
    const now = this.deps.now();
    const length = this.deps.auditSessionMs ?? AUDIT_SESSION_MS;
    for (const [oldest, at] of this.auditSessions) {
      if (now - at < length && this.auditSessions.size < MAX_AUDIT_SESSIONS) break;
      this.auditSessions.delete(oldest);
    }
    const last = this.auditSessions.get(key);
    if (last !== undefined && now - last < length && now >= last) return;
    this.auditSessions.delete(key);
    this.auditSessions.set(key, now);
    this.audit(actor, entry);
  }

  /** The audit log, newest first. */
  auditLog(query: AuditQuery): AuditRecord[] {
    return this.store.audit.list(query);
  }
}

/**
 * A search's filters as the audit log keeps them: in a fixed order (the same search asked in another
 * order is the same session) and the number by its last 4 digits, the only ones it is matched on.
 */
function auditedQuery(criteria: SearchCriteria): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const key of Object.keys(criteria).sort() as (keyof SearchCriteria)[]) {
    const value = criteria[key];
    if (value === undefined) continue;
    query[key] = key === 'number' ? maskNumber(String(value)) : value;
  }
  return query;
}
