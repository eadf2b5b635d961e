import type { Database } from './db.js';

/** Times are epoch milliseconds. */

/** How a call left the hotline queue; 'overflowed-out' went on to the outbound seats. */
export const HOTLINE_OUTCOMES = ['answered', 'abandoned', 'timeout', 'overflowed-out'] as const;
export type HotlineOutcome = (typeof HOTLINE_OUTCOMES)[number];

export interface HotlineCallRecord {
  callId: string;
  enqueuedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  agentId: string | null;
  /** Null while the call is waiting or connected. */
  outcome: HotlineOutcome | null;
  /** Queue time: set when answered, or when the call left the queue unanswered. */
  waitMs: number | null;
  /** Answer to hang-up; null until an answered call ends. */
  talkMs: number | null;
  /** The agent's after-call work; null until it is done. */
  wrapMs: number | null;
  callerMasked: string;
}

const COLUMNS = `call_id AS callId, enqueued_at AS enqueuedAt, answered_at AS answeredAt, ended_at AS endedAt,
  agent_id AS agentId, outcome, wait_ms AS waitMs, talk_ms AS talkMs, wrap_ms AS wrapMs,
  caller_masked AS callerMasked`;

/** One record per call that entered the 400 hotline queue, for its KPIs. */
export class HotlineCallRepository {
  readonly #enqueued;
  readonly #answered;
  readonly #ended;
  readonly #wrapped;
  readonly #requeued;
  readonly #get;
  readonly #forDay;

  constructor(db: Database) {
    // A resync may enqueue a call again: the first record stands.
    this.#enqueued = db.prepare<{ callId: string; at: number; callerMasked: string }>(
      `INSERT INTO hotline_calls (call_id, enqueued_at, caller_masked) VALUES (@callId, @at, @callerMasked)
       ON CONFLICT (call_id) DO NOTHING`,
    );
    this.#answered = db.prepare<{ callId: string; agentId: string; at: number }>(
      `UPDATE hotline_calls SET answered_at = @at, agent_id = @agentId, wait_ms = @at - enqueued_at
       WHERE call_id = @callId AND answered_at IS NULL AND ended_at IS NULL`,
    );
    this.#ended = db.prepare<{ callId: string; at: number; outcome: HotlineOutcome }>(
      `UPDATE hotline_calls SET ended_at = @at, outcome = @outcome,
         wait_ms = coalesce(wait_ms, @at - enqueued_at),
         talk_ms = CASE WHEN answered_at IS NULL THEN NULL ELSE @at - answered_at END
       WHERE call_id = @callId AND ended_at IS NULL`,
    );
    this.#requeued = db.prepare<[string]>(
      `UPDATE hotline_calls SET answered_at = NULL, agent_id = NULL, wait_ms = NULL
       WHERE call_id = ? AND ended_at IS NULL`,
    );
    this.#wrapped = db.prepare<[number, string]>(
      'UPDATE hotline_calls SET wrap_ms = ? WHERE call_id = ? AND answered_at IS NOT NULL',
    );
    this.#get = db.prepare<[string], HotlineCallRecord>(
      `SELECT ${COLUMNS} FROM hotline_calls WHERE call_id = ?`,
    );
    this.#forDay = db.prepare<[number, number], HotlineCallRecord>(
      `SELECT ${COLUMNS} FROM hotline_calls WHERE enqueued_at >= ? AND enqueued_at < ?
       ORDER BY enqueued_at, call_id`,
    );
  }

  /** False if the call was already recorded. */
  enqueued(call: { callId: string; at: number; callerMasked: string }): boolean {
    return this.#enqueued.run(call).changes > 0;
  }

  /** False if the call is unknown, already answered or ended. */
  answered(callId: string, agentId: string, at: number): boolean {
    return this.#answered.run({ callId, agentId, at }).changes > 0;
  }

  /** Computes wait and talk time; only the first end sticks (hang-ups may race). */
  ended(callId: string, { at, outcome }: { at: number; outcome: HotlineOutcome }): boolean {
    return this.#ended.run({ callId, at, outcome }).changes > 0;
  }

  /**
   * The agent's line dropped mid-call and the caller is back in the queue: the call counts as waiting
   * again (from its first enqueue), so it ends as answered by the next agent, or abandoned — not both.
   */
  requeued(callId: string): boolean {
    return this.#requeued.run(callId).changes > 0;
  }

  /** Records the after-call work of an answered call. */
  wrapped(callId: string, wrapMs: number): boolean {
    return this.#wrapped.run(wrapMs, callId).changes > 0;
  }

  get(callId: string): HotlineCallRecord | null {
    return this.#get.get(callId) ?? null;
  }

  /** Calls enqueued in [from, to), oldest first. */
  forDay(from: number, to: number): HotlineCallRecord[] {
    return this.#forDay.all(from, to);
  }
}
