import type { Logger } from 'pino';
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
}

/**
 * The call recordings as people reach them: search, metadata, legal hold, pausing a live one while a
 * card number is given; and the audit log every access (or refused attempt) is written to, at the
 * service's clock.
 */
export class RecordingLibrary {
  private readonly store: Store;
  private readonly log: Logger;

  constructor(private readonly deps: RecordingLibraryDeps) {
    this.store = deps.store;
    this.log = deps.logger.child({ component: 'recordings' });
  }

  get(id: string): RecordingRecord | null {
    return this.store.recordings.get(id);
  }

  /**
   * A page of the recordings matching `filter` (newest first) that `scope` lets the actor see, and how
   * many match in all. A search touches many recordings: it is audited with target '*' and `detail`.
   */
  search(
    filter: Omit<RecordingFilter, 'visibleTo'> & { limit: number; offset: number },
    scope: RecordingScope | null,
    actor: AuditActor,
    detail: Record<string, unknown>,
  ): { recordings: RecordingRecord[]; total: number } {
    const { limit, offset, ...criteria } = filter;
    const where = { ...criteria, visibleTo: scope ?? undefined };
    const recordings = this.store.recordings.search({ ...where, limit, offset });
    const total = this.store.recordings.count(where);
    this.audit(actor, { action: 'search', targetId: '*', allowed: true, detail: { ...detail, total } });
    return { recordings, total };
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

  /** The audit log, newest first. */
  auditLog(query: AuditQuery): AuditRecord[] {
    return this.store.audit.list(query);
  }
}
