import type { Database } from './db.js';

export type CallDirection = 'inbound' | 'outbound' | 'internal';

/** Coarse lifecycle as recorded; the live session keeps the finer one. */
export type CallState = 'ringing' | 'up' | 'ended';

/** Times are epoch milliseconds. */
export interface NewCall {
  /** The callId, stable across the call's channels. */
  id: string;
  channelId: string;
  instanceId: string;
  direction: CallDirection;
  /** Already masked (see maskNumber): the full customer number is never stored. */
  callerMasked: string | null;
  dnis: string | null;
  startedAt: number;
}

export interface CallRecord extends NewCall {
  state: CallState;
  answeredAt: number | null;
  endedAt: number | null;
  endReason: string | null;
}

/** An earlier call of the same caller (found by the keyed number), as the hotline's screen-pop shows it. */
export interface EarlierCall {
  at: number;
  /** The hotline agent who took it; null when no agent did. */
  agentId: string | null;
  /** The hotline's outcome, else the IVR's (message, callback, caller-hangup...), else ended. */
  outcome: string;
  talkMs: number;
}

export interface CallEvent {
  at: number;
  event: string;
  detail: unknown;
}

const CALL_COLUMNS = `id, channel_id AS channelId, instance_id AS instanceId, direction,
  caller_masked AS callerMasked, dnis, state, started_at AS startedAt, answered_at AS answeredAt,
  ended_at AS endedAt, end_reason AS endReason`;

export class CallRepository {
  readonly #open;
  readonly #answer;
  readonly #end;
  readonly #addEvent;
  readonly #events;
  readonly #get;
  readonly #listOpen;
  readonly #findByChannel;
  readonly #earlierBySameCaller;

  constructor(db: Database) {
    // A resync after restart may open a call that is already recorded: the first record stands.
    this.#open = db.prepare<NewCall & { callerKey: string | null }>(
      `INSERT INTO calls (id, channel_id, instance_id, direction, caller_masked, caller_key, dnis, state,
         started_at)
       VALUES (@id, @channelId, @instanceId, @direction, @callerMasked, @callerKey, @dnis, 'ringing',
         @startedAt)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.#answer = db.prepare<[number, string]>(
      `UPDATE calls SET answered_at = ?, state = 'up'
       WHERE id = ? AND answered_at IS NULL AND ended_at IS NULL`,
    );
    this.#end = db.prepare<[string, number, string]>(
      `UPDATE calls SET end_reason = ?, ended_at = ?, state = 'ended' WHERE id = ? AND ended_at IS NULL`,
    );
    this.#addEvent = db.prepare<[string, number, string, string | null]>(
      'INSERT INTO call_events (call_id, at, event, detail) VALUES (?, ?, ?, ?)',
    );
    this.#events = db.prepare<[string], { at: number; event: string; detail: string | null }>(
      'SELECT at, event, detail FROM call_events WHERE call_id = ? ORDER BY at, id',
    );
    this.#get = db.prepare<[string], CallRecord>(`SELECT ${CALL_COLUMNS} FROM calls WHERE id = ?`);
    this.#listOpen = db.prepare<{ instanceId: string | null }, CallRecord>(
      `SELECT ${CALL_COLUMNS} FROM calls
       WHERE ended_at IS NULL AND (@instanceId IS NULL OR instance_id = @instanceId)
       ORDER BY started_at, id`,
    );
    this.#findByChannel = db.prepare<[string], CallRecord>(
      `SELECT ${CALL_COLUMNS} FROM calls WHERE channel_id = ? ORDER BY started_at DESC LIMIT 1`,
    );
    // The key never leaves SQL: the call's own key finds the calls that started before it.
    this.#earlierBySameCaller = db.prepare<[string, number], EarlierCall>(
      `SELECT earlier.started_at AS at, h.agent_id AS agentId,
         coalesce(h.outcome, i.outcome, CASE WHEN earlier.ended_at IS NULL THEN 'in-progress' ELSE 'ended' END)
           AS outcome,
         coalesce(h.talk_ms, 0) AS talkMs
       FROM calls AS asked
       JOIN calls AS earlier ON earlier.caller_key = asked.caller_key AND earlier.started_at < asked.started_at
       LEFT JOIN hotline_calls AS h ON h.call_id = earlier.id
       LEFT JOIN ivr_sessions AS i ON i.call_id = earlier.id
       WHERE asked.id = ? AND asked.caller_key IS NOT NULL
       ORDER BY earlier.started_at DESC, earlier.id LIMIT ?`,
    );
  }

  /**
   * Records a new call; false if a call with this id was already recorded. `callerKey`: the keyed hash
   * of the caller's full number (src/lib/caller-key.ts), to find their earlier calls.
   */
  open(call: NewCall, callerKey: string | null = null): boolean {
    return this.#open.run({ ...call, callerKey }).changes > 0;
  }

  /** Marks the call answered; false if it was already answered, has ended or is unknown. */
  markAnswered(id: string, at = Date.now()): boolean {
    return this.#answer.run(at, id).changes > 0;
  }

  /** Ends the call; only the first end sticks (hangup events may race), later ones return false. */
  markEnded(id: string, reason: string, at = Date.now()): boolean {
    return this.#end.run(reason, at, id).changes > 0;
  }

  /** Appends to the call's audit trail; `detail` is stored as JSON. */
  addEvent(callId: string, event: string, detail?: unknown, at = Date.now()): void {
    this.#addEvent.run(callId, at, event, detail === undefined ? null : JSON.stringify(detail));
  }

  /** The call's audit trail, oldest first. */
  events(callId: string): CallEvent[] {
    return this.#events.all(callId).map((row) => ({
      at: row.at,
      event: row.event,
      detail: row.detail === null ? null : JSON.parse(row.detail),
    }));
  }

  get(id: string): CallRecord | null {
    return this.#get.get(id) ?? null;
  }

  /** Calls not yet ended, oldest first; only this instance's when `instanceId` is given. */
  listOpen(instanceId?: string): CallRecord[] {
    return this.#listOpen.all({ instanceId: instanceId ?? null });
  }

  /**
   * Calls the same caller made before this one (their keyed numbers match), newest first, at most
   * `limit`; none when the call has no key (an outbound call, an anonymous caller).
   */
  earlierBySameCaller(callId: string, limit: number): EarlierCall[] {
    return this.#earlierBySameCaller.all(callId, limit);
  }

  /** The latest call on this channel, if any. */
  findByChannel(channelId: string): CallRecord | null {
    return this.#findByChannel.get(channelId) ?? null;
  }
}
