import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from './db.js';

/** Times are epoch milliseconds; days are YYYY-MM-DD in the center's time zone. */

/** A window of records by time (from inclusive, to exclusive), newest first. */
export interface TimeWindow {
  from?: number;
  to?: number;
  /** Default 100. */
  limit?: number;
}

const DEFAULT_LIMIT = 100;

const windowParams = ({ from, to, limit }: TimeWindow) => ({
  from: from ?? null,
  to: to ?? null,
  limit: limit ?? DEFAULT_LIMIT,
});
type WindowParams = ReturnType<typeof windowParams>;

// ---- Flows --------------------------------------------------------------------------------------------

/**
 * One saved version of a flow, its document as it was stored: the flow catalog validates it on reading
 * (the schema may have moved on since it was saved).
 */
export interface FlowVersion {
  name: string;
  version: number;
  document: unknown;
  createdAt: number;
  createdBy: string;
}

export interface FlowSummary {
  name: string;
  version: number;
  numbers: string[];
  description?: string;
  createdAt: number;
}

interface FlowRow {
  name: string;
  version: number;
  document: string;
  createdAt: number;
  createdBy: string;
}

const FLOW_COLUMNS = 'name, version, document, created_at AS createdAt, created_by AS createdBy';

/** Every saved version of every flow; versions are never changed or deleted. */
export class IvrFlowRepository {
  readonly #save;
  readonly #current;
  readonly #version;
  readonly #list;

  constructor(db: Database) {
    const nextVersion = db
      .prepare<[string], number>('SELECT coalesce(max(version), 0) + 1 FROM ivr_flows WHERE name = ?')
      .pluck();
    const insert = db.prepare<[string, number, string, number, string]>(
      'INSERT INTO ivr_flows (name, version, document, created_at, created_by) VALUES (?, ?, ?, ?, ?)',
    );
    this.#save = db.transaction((document: { name: string }, createdBy: string, at: number): number => {
      const version = nextVersion.get(document.name)!;
      insert.run(document.name, version, JSON.stringify(document), at, createdBy);
      return version;
    });
    this.#current = db.prepare<[string], FlowRow>(
      `SELECT ${FLOW_COLUMNS} FROM ivr_flows WHERE name = ? ORDER BY version DESC LIMIT 1`,
    );
    this.#version = db.prepare<[string, number], FlowRow>(
      `SELECT ${FLOW_COLUMNS} FROM ivr_flows WHERE name = ? AND version = ?`,
    );
    // Summaries read the few fields they need, so one stale document does not break the listing.
    this.#list = db.prepare<
      [],
      { name: string; version: number; numbers: string | null; description: string | null; createdAt: number }
    >(
      `SELECT name, version, json_extract(document, '$.numbers') AS numbers,
         json_extract(document, '$.description') AS description, created_at AS createdAt
       FROM ivr_flows AS f
       WHERE version = (SELECT max(version) FROM ivr_flows WHERE name = f.name)
       ORDER BY name`,
    );
  }

  /** Saves a flow document (validated by the caller) as the flow's next version (1 for a new name). */
  save(document: { name: string }, createdBy: string, at: number): { name: string; version: number } {
    // IMMEDIATE: two writers cannot both read the same max(version).
    return { name: document.name, version: this.#save.immediate(document, createdBy, at) };
  }

  /** The latest version, or null if the flow was never saved. */
  current(name: string): FlowVersion | null {
    const row = this.#current.get(name);
    return row ? decodeFlow(row) : null;
  }

  version(name: string, version: number): FlowVersion | null {
    const row = this.#version.get(name, version);
    return row ? decodeFlow(row) : null;
  }

  /** The latest version of each flow, by name. */
  list(): FlowSummary[] {
    return this.#list.all().map(({ numbers, description, ...row }) => ({
      ...row,
      numbers: numbers === null ? [] : JSON.parse(numbers),
      ...(description === null ? {} : { description }),
    }));
  }
}

const decodeFlow = ({ document, ...row }: FlowRow): FlowVersion => ({
  ...row,
  document: JSON.parse(document),
});

// ---- Sessions -----------------------------------------------------------------------------------------

/** How a caller left the IVR. */
export type IvrOutcome =
  | 'queue'
  | 'agent'
  | 'message'
  | 'callback'
  | 'hangup'
  | 'caller-hangup'
  | 'overflow'
  | 'error';

/** One node a caller passed through. */
export interface IvrPathStep {
  node: string;
  type: string;
  at: number;
  digits?: string;
  result?: string;
}

export interface IvrSessionStart {
  callId: string;
  flow: string;
  version: number;
  /** Already masked: the full caller number is never stored here. */
  callerMasked: string | null;
  dnis: string | null;
  startedAt: number;
}

export interface IvrSessionEnd {
  endedAt: number;
  outcome: IvrOutcome;
  path: IvrPathStep[];
  variables: Record<string, string>;
  tags: string[];
}

export interface IvrSessionRecord extends IvrSessionStart {
  /** Null while the caller is still in the IVR (or for good, if the service stopped before it ended). */
  end: IvrSessionEnd | null;
}

interface SessionRow extends IvrSessionStart {
  endedAt: number | null;
  outcome: IvrOutcome | null;
  path: string | null;
  variables: string | null;
  tags: string | null;
}

const SESSION_COLUMNS = `call_id AS callId, flow, version, caller_masked AS callerMasked, dnis,
  started_at AS startedAt, ended_at AS endedAt, outcome, path, variables, tags`;

/** One record per call that entered the IVR: which flow version, the way through it, how it ended. */
export class IvrSessionRepository {
  readonly #open;
  readonly #close;
  readonly #get;
  readonly #list;

  constructor(db: Database) {
    // A resync may open a session again: the first record stands.
    this.#open = db.prepare<IvrSessionStart>(
      `INSERT INTO ivr_sessions (call_id, flow, version, caller_masked, dnis, started_at)
       VALUES (@callId, @flow, @version, @callerMasked, @dnis, @startedAt)
       ON CONFLICT (call_id) DO NOTHING`,
    );
    this.#close = db.prepare<[number, string, string, string, string, string]>(
      `UPDATE ivr_sessions SET ended_at = ?, outcome = ?, path = ?, variables = ?, tags = ?
       WHERE call_id = ? AND ended_at IS NULL`,
    );
    this.#get = db.prepare<[string], SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM ivr_sessions WHERE call_id = ?`,
    );
    this.#list = db.prepare<WindowParams & { outcome: string | null }, SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM ivr_sessions
       WHERE (@from IS NULL OR started_at >= @from) AND (@to IS NULL OR started_at < @to)
         AND (@outcome IS NULL OR outcome = @outcome)
       ORDER BY started_at DESC, call_id LIMIT @limit`,
    );
  }

  /** False if the call already has a session. */
  open(session: IvrSessionStart): boolean {
    return this.#open.run(session).changes > 0;
  }

  /** Ends the session; only the first close sticks, later ones return false. */
  close(callId: string, { endedAt, outcome, path, variables, tags }: IvrSessionEnd): boolean {
    const json = JSON.stringify;
    return this.#close.run(endedAt, outcome, json(path), json(variables), json(tags), callId).changes > 0;
  }

  get(callId: string): IvrSessionRecord | null {
    const row = this.#get.get(callId);
    return row ? decodeSession(row) : null;
  }

  /** Sessions by start time, newest first. */
  list(query: TimeWindow & { outcome?: IvrOutcome } = {}): IvrSessionRecord[] {
    return this.#list.all({ ...windowParams(query), outcome: query.outcome ?? null }).map(decodeSession);
  }
}

function decodeSession({ endedAt, outcome, path, variables, tags, ...start }: SessionRow): IvrSessionRecord {
  // close() writes the end columns together, so an ended session has them all.
  if (endedAt === null) return { ...start, end: null };
  return {
    ...start,
    end: {
      endedAt,
      outcome: outcome!,
      path: JSON.parse(path!),
      variables: JSON.parse(variables!),
      tags: JSON.parse(tags!),
    },
  };
}

// ---- Stats --------------------------------------------------------------------------------------------

export const IVR_NODE_COUNTERS = ['entries', 'timeouts', 'invalid', 'hangups'] as const;
export type IvrNodeCounter = (typeof IVR_NODE_COUNTERS)[number];

export type IvrNodeStats = { flow: string; node: string } & Record<IvrNodeCounter, number>;

export interface IvrDayStats {
  nodes: IvrNodeStats[];
  /** Calls that found every IVR line busy. */
  overflowed: number;
}

type BumpStatement = BetterSqlite3.Statement<[day: string, flow: string, node: string]>;

/** Daily counters per node and per dialed number, bumped on the call path. */
export class IvrStatsRepository {
  readonly #bump: Record<IvrNodeCounter, BumpStatement>;
  readonly #bumpOverflow;
  readonly #nodes;
  readonly #overflowed;

  constructor(db: Database) {
    // One statement per counter, prepared once: a column name cannot be a bound parameter.
    this.#bump = Object.fromEntries(
      IVR_NODE_COUNTERS.map((field) => [
        field,
        db.prepare<[string, string, string]>(
          `INSERT INTO ivr_node_stats (day, flow, node, ${field}) VALUES (?, ?, ?, 1)
           ON CONFLICT (day, flow, node) DO UPDATE SET ${field} = ${field} + 1`,
        ),
      ]),
    ) as Record<IvrNodeCounter, BumpStatement>;
    this.#bumpOverflow = db.prepare<[string, string]>(
      `INSERT INTO ivr_overflow (day, dnis, overflowed) VALUES (?, ?, 1)
       ON CONFLICT (day, dnis) DO UPDATE SET overflowed = overflowed + 1`,
    );
    this.#nodes = db.prepare<[string], IvrNodeStats>(
      `SELECT flow, node, ${IVR_NODE_COUNTERS.join(', ')} FROM ivr_node_stats WHERE day = ? ORDER BY flow, node`,
    );
    this.#overflowed = db
      .prepare<[string], number>('SELECT coalesce(sum(overflowed), 0) FROM ivr_overflow WHERE day = ?')
      .pluck();
  }

  bump(day: string, flow: string, node: string, field: IvrNodeCounter): void {
    this.#bump[field].run(day, flow, node);
  }

  bumpOverflow(day: string, dnis: string): void {
    this.#bumpOverflow.run(day, dnis);
  }

  forDay(day: string): IvrDayStats {
    return { nodes: this.#nodes.all(day), overflowed: this.#overflowed.get(day)! };
  }
}

// ---- Voice messages -----------------------------------------------------------------------------------

export interface VoiceMessage {
  id: string;
  callId: string;
  flow: string;
  node: string;
  /** Already masked. */
  callerMasked: string | null;
  dnis: string | null;
  /** The stored recording's name on the PBX. */
  recordingName: string;
  filePath: string;
  /** Null when the PBX did not report it. */
  durationSec: number | null;
  sizeBytes: number | null;
  createdAt: number;
}

const MESSAGE_COLUMNS = `id, call_id AS callId, flow, node, caller_masked AS callerMasked, dnis,
  recording_name AS recordingName, file_path AS filePath, duration_sec AS durationSec,
  size_bytes AS sizeBytes, created_at AS createdAt`;

/** Messages callers left in the IVR. */
export class VoiceMessageRepository {
  readonly #add;
  readonly #get;
  readonly #byRecordingName;
  readonly #list;

  constructor(db: Database) {
    this.#add = db.prepare<VoiceMessage>(
      `INSERT INTO voice_messages (id, call_id, flow, node, caller_masked, dnis, recording_name, file_path,
         duration_sec, size_bytes, created_at)
       VALUES (@id, @callId, @flow, @node, @callerMasked, @dnis, @recordingName, @filePath, @durationSec,
         @sizeBytes, @createdAt)`,
    );
    this.#get = db.prepare<[string], VoiceMessage>(
      `SELECT ${MESSAGE_COLUMNS} FROM voice_messages WHERE id = ?`,
    );
    this.#byRecordingName = db.prepare<[string], VoiceMessage>(
      `SELECT ${MESSAGE_COLUMNS} FROM voice_messages WHERE recording_name = ?`,
    );
    this.#list = db.prepare<WindowParams, VoiceMessage>(
      `SELECT ${MESSAGE_COLUMNS} FROM voice_messages
       WHERE (@from IS NULL OR created_at >= @from) AND (@to IS NULL OR created_at < @to)
       ORDER BY created_at DESC, id LIMIT @limit`,
    );
  }

  add(message: VoiceMessage): void {
    this.#add.run(message);
  }

  get(id: string): VoiceMessage | null {
    return this.#get.get(id) ?? null;
  }

  byRecordingName(recordingName: string): VoiceMessage | null {
    return this.#byRecordingName.get(recordingName) ?? null;
  }

  /** By creation time, newest first. */
  list(query: TimeWindow = {}): VoiceMessage[] {
    return this.#list.all(windowParams(query));
  }
}

// ---- Callback requests --------------------------------------------------------------------------------

export type CallbackSource = 'caller-id' | 'entered';
export type CallbackStatus = 'pending' | 'done' | 'cancelled';

export interface NewCallbackRequest {
  id: string;
  callId: string;
  /** The full number to dial back: confidential, never logged. */
  number: string;
  numberMasked: string;
  source: CallbackSource;
  requestedAt: number;
  /** When to call back; as soon as possible (requestedAt) when absent. */
  dueAt?: number;
}

/** A callback request as most readers see it: the number masked. */
export interface CallbackRequest {
  id: string;
  callId: string;
  numberMasked: string;
  source: CallbackSource;
  requestedAt: number;
  dueAt: number;
  status: CallbackStatus;
}

/** For the dialer only: with the full number. */
export interface CallbackRequestWithNumber extends CallbackRequest {
  number: string;
}

export interface CallbackReadOptions {
  /** Include the full number (the dialer needs it; nothing that displays or logs does). */
  withNumbers?: boolean;
}

const CALLBACK_COLUMNS = `id, call_id AS callId, number, number_masked AS numberMasked, source,
  requested_at AS requestedAt, due_at AS dueAt, status`;

/** Callers who asked to be called back. */
export class CallbackRequestRepository {
  readonly #add;
  readonly #get;
  readonly #listPending;

  constructor(db: Database) {
    this.#add = db.prepare<Required<NewCallbackRequest>>(
      `INSERT INTO callback_requests (id, call_id, number, number_masked, source, requested_at, due_at)
       VALUES (@id, @callId, @number, @numberMasked, @source, @requestedAt, @dueAt)`,
    );
    this.#get = db.prepare<[string], CallbackRequestWithNumber>(
      `SELECT ${CALLBACK_COLUMNS} FROM callback_requests WHERE id = ?`,
    );
    this.#listPending = db.prepare<[number], CallbackRequestWithNumber>(
      `SELECT ${CALLBACK_COLUMNS} FROM callback_requests WHERE status = 'pending'
       ORDER BY due_at, requested_at, id LIMIT ?`,
    );
  }

  add(request: NewCallbackRequest): void {
    this.#add.run({ ...request, dueAt: request.dueAt ?? request.requestedAt });
  }

  get(id: string, options: { withNumbers: true }): CallbackRequestWithNumber | null;
  get(id: string, options?: CallbackReadOptions): CallbackRequest | null;
  get(id: string, options: CallbackReadOptions = {}): CallbackRequest | null {
    const row = this.#get.get(id);
    return row ? present(row, options) : null;
  }

  /** Pending requests, the earliest due first (at most `limit`, default 100). */
  listPending(limit: number | undefined, options: { withNumbers: true }): CallbackRequestWithNumber[];
  listPending(limit?: number, options?: CallbackReadOptions): CallbackRequest[];
  listPending(limit = DEFAULT_LIMIT, options: CallbackReadOptions = {}): CallbackRequest[] {
    return this.#listPending.all(limit).map((row) => present(row, options));
  }
}

function present(row: CallbackRequestWithNumber, options: CallbackReadOptions): CallbackRequest {
  if (options.withNumbers) return row;
  const { number: _number, ...masked } = row;
  return masked;
}
