import { randomUUID } from 'node:crypto';
import type { CallDirection } from './calls.js';
import type { Database } from './db.js';

/** Times are epoch milliseconds. */

/**
 * How long recordings are kept, from the call's start: per campaign, else the default. Declared here, as
 * the shape purgeCandidates queries by; the retention job (src/recording/retention.ts) applies it.
 */
export interface RetentionRules {
  defaultDays: number;
  /** By campaign id. */
  campaignDays: Record<string, number>;
}

export const RECORDING_STATUSES = ['recording', 'finalizing', 'stored', 'failed', 'purged'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/** 'mixed' is both parties in one file; 'agent' and 'customer' are the two halves of a split recording. */
export const RECORDING_LAYOUTS = ['mixed', 'agent', 'customer'] as const;
export type RecordingLayout = (typeof RECORDING_LAYOUTS)[number];

/** A stretch left out on request (e.g. while a card number was read), in ms from the recording's start. */
export interface RecordingPause {
  from: number;
  to: number;
}

/** Who the call was with, as known when it was recorded (copied, so later edits do not rewrite history). */
export interface RecordingParties {
  agentId?: string | null;
  teamId?: string | null;
  campaignId?: string | null;
  leadId?: string | null;
  /** Already masked (see maskNumber): the full customer number is never stored. */
  numberMasked?: string | null;
}

export interface NewRecording extends RecordingParties {
  /** Generated when omitted. */
  id?: string;
  callId: string;
  /** The recording's name on Asterisk: unique, and how the capture side finds the row again. */
  name: string;
  direction: CallDirection;
  startedAt: number;
  format?: string;
  layout?: RecordingLayout;
}

export interface StoredFile {
  /** Relative to the recordings folder (or absolute). */
  filePath: string;
  sizeBytes: number;
  sha256: string;
  durationSec: number;
  endedAt: number;
}

export interface RecordingRecord {
  id: string;
  callId: string;
  name: string;
  direction: CallDirection;
  agentId: string | null;
  teamId: string | null;
  campaignId: string | null;
  leadId: string | null;
  numberMasked: string | null;
  startedAt: number;
  endedAt: number | null;
  durationSec: number | null;
  sizeBytes: number | null;
  sha256: string | null;
  filePath: string | null;
  format: string;
  layout: RecordingLayout;
  disposition: string | null;
  pauses: RecordingPause[];
  legalHold: boolean;
  status: RecordingStatus;
  error: string | null;
  createdAt: number;
  storedAt: number | null;
  purgedAt: number | null;
}

/** Whose recordings a caller may see: their own agent's, or any of these teams'. */
export interface RecordingScope {
  agentId: string | null;
  teamIds: readonly string[];
}

export interface RecordingFilter {
  /** started_at, inclusive. */
  from?: number;
  /** started_at, exclusive. */
  to?: number;
  agentId?: string;
  teamId?: string;
  teamIds?: readonly string[];
  campaignId?: string;
  /** Matched against the last (up to 4) digits of the masked number; other characters are ignored. */
  number?: string;
  direction?: CallDirection;
  disposition?: string;
  /** Seconds, inclusive. */
  minDuration?: number;
  maxDuration?: number;
  status?: RecordingStatus;
  /** Limits the result to what the caller may see (AND with the rest). */
  visibleTo?: RecordingScope;
  /** Default 100. */
  limit?: number;
  offset?: number;
}

const DEFAULT_LIMIT = 100;
const DAY_MS = 86_400_000;

export const RECORDING_COLUMNS = `id, call_id AS callId, name, direction, agent_id AS agentId,
  team_id AS teamId, campaign_id AS campaignId, lead_id AS leadId, number_masked AS numberMasked,
  started_at AS startedAt, ended_at AS endedAt, duration_sec AS durationSec, size_bytes AS sizeBytes,
  sha256, file_path AS filePath, format, layout, disposition, pauses, legal_hold AS legalHold, status,
  error, created_at AS createdAt, stored_at AS storedAt, purged_at AS purgedAt`;

type RecordingRow = Omit<RecordingRecord, 'pauses' | 'legalHold'> & { pauses: string; legalHold: number };

const decode = ({ pauses, legalHold, ...row }: RecordingRow): RecordingRecord => ({
  ...row,
  pauses: JSON.parse(pauses) as RecordingPause[],
  legalHold: legalHold === 1,
});

type Params = Record<string, string | number>;

/**
 * The WHERE clause (and its named parameters) for a filter, on the recordings table as `alias`; shared
 * with QA sampling. limit and offset are not part of it.
 */
export function recordingConditions(filter: RecordingFilter, alias = 'recordings'): [string, Params] {
  const c = (column: string) => `${alias}.${column}`;
  const where: string[] = [];
  const params: Params = {};
  const eq = (column: string, key: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(`${c(column)} = @${key}`);
    params[key] = value;
  };
  const inList = (column: string, key: string, values: readonly string[]) => {
    const names = values.map((v, i) => {
      params[`${key}${i}`] = v;
      return `@${key}${i}`;
    });
    return names.length ? `${c(column)} IN (${names.join(', ')})` : '0';
  };

  if (filter.from !== undefined) {
    where.push(`${c('started_at')} >= @from`);
    params.from = filter.from;
  }
  if (filter.to !== undefined) {
    where.push(`${c('started_at')} < @to`);
    params.to = filter.to;
  }
  eq('agent_id', 'agentId', filter.agentId);
  eq('team_id', 'teamId', filter.teamId);
  if (filter.teamIds) where.push(inList('team_id', 'teamIds', filter.teamIds));
  eq('campaign_id', 'campaignId', filter.campaignId);
  eq('direction', 'direction', filter.direction);
  eq('disposition', 'disposition', filter.disposition);
  eq('status', 'status', filter.status);
  if (filter.number !== undefined) {
    // Only the last 4 digits are kept, so only they can match; digits need no LIKE escaping.
    const digits = filter.number.replace(/\D/g, '').slice(-4);
    where.push(`${c('number_masked')} LIKE '%' || @number`);
    params.number = digits;
  }
  if (filter.minDuration !== undefined) {
    where.push(`${c('duration_sec')} >= @minDuration`);
    params.minDuration = filter.minDuration;
  }
  if (filter.maxDuration !== undefined) {
    where.push(`${c('duration_sec')} <= @maxDuration`);
    params.maxDuration = filter.maxDuration;
  }
  if (filter.visibleTo) {
    const { agentId, teamIds } = filter.visibleTo;
    const own = agentId === null ? '0' : `${c('agent_id')} = @scopeAgentId`;
    if (agentId !== null) params.scopeAgentId = agentId;
    where.push(`(${own} OR ${inList('team_id', 'scopeTeamIds', teamIds)})`);
  }
  return [where.length ? where.join(' AND ') : '1', params];
}

/**
 * The index of call recordings, from the moment capture starts to the purge. A row is written when the
 * recording starts, so a crash at any point leaves a trace the finalizer can pick up again.
 */
export class RecordingRepository {
  readonly #db: Database;
  readonly #insert;
  readonly #get;
  readonly #byName;
  readonly #byCall;
  readonly #unfinished;
  readonly #finalizing;
  readonly #stored;
  readonly #failed;
  readonly #addPause;
  readonly #setDisposition;
  readonly #setCallInfo;
  readonly #setLegalHold;
  readonly #markPurged;

  constructor(db: Database) {
    this.#db = db;
    // Capture may announce a recording again after a restart: the first row stands.
    this.#insert = db.prepare(
      `INSERT INTO recordings (id, call_id, name, direction, agent_id, team_id, campaign_id, lead_id,
         number_masked, started_at, format, layout, status, created_at)
       VALUES (@id, @callId, @name, @direction, @agentId, @teamId, @campaignId, @leadId, @numberMasked,
         @startedAt, @format, @layout, 'recording', @createdAt)
       ON CONFLICT (name) DO NOTHING`,
    );
    this.#get = db.prepare<[string], RecordingRow>(
      `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE id = ?`,
    );
    this.#byName = db.prepare<[string], RecordingRow>(
      `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE name = ?`,
    );
    this.#byCall = db.prepare<[string], RecordingRow>(
      `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE call_id = ? ORDER BY started_at, layout, id`,
    );
    this.#unfinished = db.prepare<[], RecordingRow>(
      `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE status IN ('recording', 'finalizing')
       ORDER BY started_at, id`,
    );
    // A failed recording may still have a file on Asterisk worth fetching, so it can be finalized again.
    this.#finalizing = db.prepare<[string]>(
      `UPDATE recordings SET status = 'finalizing'
       WHERE name = ? AND status IN ('recording', 'finalizing', 'failed')`,
    );
    // Finalizing is retried and idempotent: storing again overwrites the same facts.
    this.#stored = db.prepare(
      `UPDATE recordings SET status = 'stored', file_path = @filePath, size_bytes = @sizeBytes,
         sha256 = @sha256, duration_sec = @durationSec, ended_at = @endedAt, stored_at = @now, error = NULL
       WHERE name = @name AND status != 'purged'`,
    );
    this.#failed = db.prepare<[string, string]>(
      `UPDATE recordings SET status = 'failed', error = ? WHERE name = ? AND status NOT IN ('stored', 'purged')`,
    );
    this.#addPause = db.prepare<[string, string]>(
      `UPDATE recordings SET pauses = json_insert(pauses, '$[#]', json(?)) WHERE name = ?`,
    );
    this.#setDisposition = db.prepare<[string, string]>(
      'UPDATE recordings SET disposition = ? WHERE call_id = ?',
    );
    this.#setCallInfo = db.prepare(
      `UPDATE recordings SET
         agent_id = CASE WHEN @hasAgentId THEN @agentId ELSE agent_id END,
         team_id = CASE WHEN @hasTeamId THEN @teamId ELSE team_id END,
         campaign_id = CASE WHEN @hasCampaignId THEN @campaignId ELSE campaign_id END,
         lead_id = CASE WHEN @hasLeadId THEN @leadId ELSE lead_id END,
         number_masked = CASE WHEN @hasNumberMasked THEN @numberMasked ELSE number_masked END
       WHERE call_id = @callId`,
    );
    this.#setLegalHold = db.prepare<[number, string]>('UPDATE recordings SET legal_hold = ? WHERE id = ?');
    // Re-checked here so a hold set after the purge chose its candidates still wins.
    this.#markPurged = db.prepare<[number, string]>(
      `UPDATE recordings SET status = 'purged', purged_at = ?
       WHERE id = ? AND status = 'stored' AND legal_hold = 0`,
    );
  }

  /** Records that capture began (status 'recording'); returns the row, the existing one if the name is known. */
  started(r: NewRecording, now = Date.now()): RecordingRecord {
    this.#insert.run({
      id: r.id ?? randomUUID(),
      callId: r.callId,
      name: r.name,
      direction: r.direction,
      agentId: r.agentId ?? null,
      teamId: r.teamId ?? null,
      campaignId: r.campaignId ?? null,
      leadId: r.leadId ?? null,
      numberMasked: r.numberMasked ?? null,
      startedAt: r.startedAt,
      format: r.format ?? 'wav',
      layout: r.layout ?? 'mixed',
      createdAt: now,
    });
    return this.byName(r.name)!;
  }

  /** Capture stopped and the file is being fetched. False if unknown, stored or purged. */
  finalizing(name: string): boolean {
    return this.#finalizing.run(name).changes > 0;
  }

  /** The file is kept and checked. False if unknown or purged. */
  stored(name: string, file: StoredFile, now: number): boolean {
    return this.#stored.run({ ...file, name, now }).changes > 0;
  }

  /** Capture or finalizing failed for good. False if unknown, or already stored or purged. */
  failed(name: string, error: string): boolean {
    return this.#failed.run(error, name).changes > 0;
  }

  addPause(name: string, pause: RecordingPause): boolean {
    return this.#addPause.run(JSON.stringify({ from: pause.from, to: pause.to }), name).changes > 0;
  }

  /** Sets the disposition on every recording of the call; returns how many. */
  setDisposition(callId: string, disposition: string): number {
    return this.#setDisposition.run(disposition, callId).changes;
  }

  /**
   * Fills in parties learnt after capture began (e.g. the agent, when recording from answer); only the
   * fields given change, on every recording of the call. Returns how many.
   */
  setCallInfo(callId: string, info: RecordingParties): number {
    const given = (value: unknown) => (value === undefined ? 0 : 1);
    return this.#setCallInfo.run({
      callId,
      hasAgentId: given(info.agentId),
      agentId: info.agentId ?? null,
      hasTeamId: given(info.teamId),
      teamId: info.teamId ?? null,
      hasCampaignId: given(info.campaignId),
      campaignId: info.campaignId ?? null,
      hasLeadId: given(info.leadId),
      leadId: info.leadId ?? null,
      hasNumberMasked: given(info.numberMasked),
      numberMasked: info.numberMasked ?? null,
    }).changes;
  }

  /** The updated row, or null if there is no such recording. */
  setLegalHold(id: string, hold: boolean): RecordingRecord | null {
    this.#setLegalHold.run(hold ? 1 : 0, id);
    return this.get(id);
  }

  get(id: string): RecordingRecord | null {
    const row = this.#get.get(id);
    return row ? decode(row) : null;
  }

  byName(name: string): RecordingRecord | null {
    const row = this.#byName.get(name);
    return row ? decode(row) : null;
  }

  /** Every recording of the call (two for a split layout), oldest first. */
  byCall(callId: string): RecordingRecord[] {
    return this.#byCall.all(callId).map(decode);
  }

  /** Recordings still being captured or finalized: what a restart must pick up. Oldest first. */
  unfinished(): RecordingRecord[] {
    return this.#unfinished.all().map(decode);
  }

  /** Newest first. */
  search(filter: RecordingFilter = {}): RecordingRecord[] {
    const [where, params] = recordingConditions(filter);
    return this.#db
      .prepare<Params, RecordingRow>(
        `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE ${where}
         ORDER BY started_at DESC, id LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit: filter.limit ?? DEFAULT_LIMIT, offset: filter.offset ?? 0 })
      .map(decode);
  }

  /** How many recordings match, ignoring limit and offset. */
  count(filter: RecordingFilter = {}): number {
    const [where, params] = recordingConditions(filter);
    return this.#db
      .prepare<Params, number>(`SELECT count(*) FROM recordings WHERE ${where}`)
      .pluck()
      .get(params)!;
  }

  /**
   * Stored recordings not on legal hold whose retention (the campaign's days, else the default) has run
   * out by `now`, oldest first. Same rule as purgeDueAt.
   */
  purgeCandidates(now: number, rules: RetentionRules, limit = 500): RecordingRecord[] {
    const params: Params = { now, limit, defaultDays: rules.defaultDays };
    const cases = Object.entries(rules.campaignDays).map(([campaign, days], i) => {
      params[`campaign${i}`] = campaign;
      params[`days${i}`] = days;
      return `WHEN @campaign${i} THEN @days${i}`;
    });
    const days = cases.length ? `CASE campaign_id ${cases.join(' ')} ELSE @defaultDays END` : '@defaultDays';
    return this.#db
      .prepare<Params, RecordingRow>(
        `SELECT ${RECORDING_COLUMNS} FROM recordings
         WHERE status = 'stored' AND legal_hold = 0 AND started_at + (${days}) * ${DAY_MS} <= @now
         ORDER BY started_at, id LIMIT @limit`,
      )
      .all(params)
      .map(decode);
  }

  /** False unless the recording was stored and not on legal hold. */
  markPurged(id: string, at: number): boolean {
    return this.#markPurged.run(at, id).changes > 0;
  }
}
