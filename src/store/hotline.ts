import type { Database } from './db.js';

/** Times are epoch milliseconds. */

/**
 * How a call left the hotline queue; 'overflowed-out' went on to the outbound seats. After the agent's line
 * dropped mid-call (the caller requeued): 'requeued' was answered again by the next agent, 'dropped' left
 * (hung up or reached the maximum wait) before anyone answered again. Both were answered and talked.
 */
export const HOTLINE_OUTCOMES = [
  'answered',
  'abandoned',
  'timeout',
  'overflowed-out',
  'requeued',
  'dropped',
] as const;
export type HotlineOutcome = (typeof HOTLINE_OUTCOMES)[number];

export interface HotlineCallRecord {
  callId: string;
  enqueuedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  agentId: string | null;
  /** Null while the call is waiting or connected. */
  outcome: HotlineOutcome | null;
  /** Queue time before the first answer: set when answered, or when the call left the queue unanswered. */
  waitMs: number | null;
  /** The first agent's talk: answer to hang-up (or to the line drop); null until it ends. */
  talkMs: number | null;
  /** When the first agent's line dropped mid-call and the caller was requeued; null if it never did. */
  droppedAt: number | null;
  /** After a drop: the agent who answered the caller next, when, and their talk (null until it ends). */
  nextAgentId: string | null;
  nextAnsweredAt: number | null;
  nextTalkMs: number | null;
  /** The agent's after-call work; null until it is done. */
  wrapMs: number | null;
  callerMasked: string;
}

const COLUMNS = `call_id AS callId, enqueued_at AS enqueuedAt, answered_at AS answeredAt, ended_at AS endedAt,
  agent_id AS agentId, outcome, wait_ms AS waitMs, talk_ms AS talkMs, wrap_ms AS wrapMs,
  caller_masked AS callerMasked, dropped_at AS droppedAt, next_agent_id AS nextAgentId,
  next_answered_at AS nextAnsweredAt, next_talk_ms AS nextTalkMs`;

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
    // The first answer fills the call's agent and wait; an answer after a drop is the next leg's.
    this.#answered = db.prepare<{ callId: string; agentId: string; at: number }>(
      `UPDATE hotline_calls SET answered_at = coalesce(answered_at, @at), agent_id = coalesce(agent_id, @agentId),
         wait_ms = coalesce(wait_ms, @at - enqueued_at),
         next_agent_id = CASE WHEN answered_at IS NULL THEN NULL ELSE @agentId END,
         next_answered_at = CASE WHEN answered_at IS NULL THEN NULL ELSE @at END
       WHERE call_id = @callId AND ended_at IS NULL
         AND (answered_at IS NULL OR (dropped_at IS NOT NULL AND next_answered_at IS NULL))`,
    );
    // Talk ends at the drop (first leg) or the hang-up; legs after the first add up in next_talk_ms.
    this.#ended = db.prepare<{ callId: string; at: number; outcome: HotlineOutcome }>(
      `UPDATE hotline_calls SET ended_at = @at, outcome = @outcome,
         wait_ms = coalesce(wait_ms, @at - enqueued_at),
         talk_ms = CASE WHEN answered_at IS NULL THEN NULL WHEN dropped_at IS NULL THEN @at - answered_at
           ELSE talk_ms END,
         next_talk_ms = CASE WHEN next_answered_at IS NULL THEN next_talk_ms
           ELSE coalesce(next_talk_ms, 0) + @at - next_answered_at END
       WHERE call_id = @callId AND ended_at IS NULL`,
    );
    this.#requeued = db.prepare<{ callId: string; at: number }>(
      `UPDATE hotline_calls SET dropped_at = coalesce(dropped_at, @at),
         talk_ms = CASE WHEN dropped_at IS NULL THEN @at - answered_at ELSE talk_ms END,
         next_talk_ms = CASE WHEN next_answered_at IS NULL THEN next_talk_ms
           ELSE coalesce(next_talk_ms, 0) + @at - next_answered_at END,
         next_answered_at = NULL
       WHERE call_id = @callId AND ended_at IS NULL AND answered_at IS NOT NULL`,
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

  /** False if the call is unknown, ended, or answered (and not requeued since). */
  answered(callId: string, agentId: string, at: number): boolean {
    return this.#answered.run({ callId, agentId, at }).changes > 0;
  }

  /** Computes wait and talk time; only the first end sticks (hang-ups may race). */
  ended(callId: string, { at, outcome }: { at: number; outcome: HotlineOutcome }): boolean {
    return this.#ended.run({ callId, at, outcome }).changes > 0;
  }

  /**
   * The agent's line dropped mid-call and the caller is back in the queue: the first agent, answer, wait
   * and talk (up to now) are kept, and the drop is recorded; the next answer is the next leg's.
   */
  requeued(callId: string, at: number): boolean {
    return this.#requeued.run({ callId, at }).changes > 0;
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
