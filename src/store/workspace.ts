import type { Database } from './db.js';

/** Times are epoch milliseconds. */

/** A callback an agent promised: the lead waiting in state callback, given to them. */
export interface PromisedCallback {
  leadId: string;
  campaignId: string;
  name: string | null;
  /** The lead's full number: the service masks it before anyone sees it. */
  phone: string;
  dueAt: number;
  /** The notes of the lead's latest disposition (where the callback was promised). */
  notes: string | null;
}

/** An agent's dial attempts of a day, grouped by campaign and disposition (null: none given). */
export interface AgentDayAttempts {
  campaignId: string;
  disposition: string | null;
  attempts: number;
  dialed: number;
  answered: number;
  talkMs: number;
  /** Sales recorded with these dispositions, and what they are worth in cents. */
  sales: number;
  saleCents: number;
}

/** One call an agent had, dialer or hotline, as their recent calls list it. */
export interface AgentCall {
  id: string;
  kind: 'dialer' | 'hotline';
  at: number;
  numberMasked: string;
  name: string | null;
  campaignId: string | null;
  outcome: string | null;
  disposition: string | null;
  talkMs: number;
}

/** What an agent's workspace reads across the dialer's and the hotline's records. */
export class WorkspaceRepository {
  readonly #callbacks;
  readonly #dayAttempts;
  readonly #dayHotline;
  readonly #recentCalls;

  constructor(db: Database) {
    // leads_callbacks (agent_id, due_at) WHERE state = 'callback' serves it.
    this.#callbacks = db.prepare<{ agentId: string; before: number; limit: number }, PromisedCallback>(
      `SELECT l.id AS leadId, l.campaign_id AS campaignId, l.name, l.phone, l.due_at AS dueAt,
         (SELECT a.notes FROM dial_attempts AS a WHERE a.lead_id = l.id AND a.disposed_at IS NOT NULL
          ORDER BY a.disposed_at DESC LIMIT 1) AS notes
       FROM leads AS l
       WHERE l.agent_id = @agentId AND l.state = 'callback' AND l.due_at < @before
       ORDER BY l.due_at, l.rowid LIMIT @limit`,
    );
    this.#dayAttempts = db.prepare<{ agentId: string; from: number; to: number }, AgentDayAttempts>(
      `SELECT campaign_id AS campaignId, disposition, count(*) AS attempts, count(dialed_at) AS dialed,
         count(answered_at) AS answered,
         coalesce(sum(CASE WHEN answered_at IS NOT NULL AND ended_at IS NOT NULL THEN ended_at - answered_at END), 0)
           AS talkMs,
         count(sale_amount_cents) AS sales, coalesce(sum(sale_amount_cents), 0) AS saleCents
       FROM dial_attempts WHERE agent_id = @agentId AND offered_at >= @from AND offered_at < @to
       GROUP BY campaign_id, disposition ORDER BY campaign_id, disposition`,
    );
    this.#dayHotline = db.prepare<
      { agentId: string; from: number; to: number },
      { answered: number; talkMs: number }
    >(
      `SELECT count(*) AS answered, coalesce(sum(talk_ms), 0) AS talkMs FROM hotline_calls
       WHERE agent_id = @agentId AND answered_at >= @from AND answered_at < @to`,
    );
    // Each side newest first and cut to the limit on its own index, then merged.
    this.#recentCalls = db.prepare<{ agentId: string; limit: number }, AgentCall>(
      `SELECT * FROM (
         SELECT * FROM (
           SELECT a.id, 'dialer' AS kind, a.dialed_at AS at, a.number_masked AS numberMasked, l.name AS name,
             a.campaign_id AS campaignId, a.outcome, a.disposition,
             CASE WHEN a.answered_at IS NOT NULL AND a.ended_at IS NOT NULL THEN a.ended_at - a.answered_at
               ELSE 0 END AS talkMs
           FROM dial_attempts AS a LEFT JOIN leads AS l ON l.id = a.lead_id
           WHERE a.agent_id = @agentId AND a.dialed_at IS NOT NULL
           ORDER BY a.offered_at DESC LIMIT @limit)
         UNION ALL
         SELECT * FROM (
           SELECT h.call_id AS id, 'hotline' AS kind, h.answered_at AS at, h.caller_masked AS numberMasked,
             NULL AS name, NULL AS campaignId, h.outcome, NULL AS disposition, coalesce(h.talk_ms, 0) AS talkMs
           FROM hotline_calls AS h WHERE h.agent_id = @agentId AND h.answered_at IS NOT NULL
           ORDER BY h.answered_at DESC LIMIT @limit))
       ORDER BY at DESC, id LIMIT @limit`,
    );
  }

  /** The callbacks an agent promised that fall due before `before`, soonest first, at most `limit`. */
  callbacks(agentId: string, before: number, limit: number): PromisedCallback[] {
    return this.#callbacks.all({ agentId, before, limit });
  }

  /** The agent's dial attempts offered in [from, to), by campaign and disposition. */
  dayAttempts(agentId: string, from: number, to: number): AgentDayAttempts[] {
    return this.#dayAttempts.all({ agentId, from, to });
  }

  /** The hotline calls the agent took in [from, to): how many, and their talk time. */
  dayHotline(agentId: string, from: number, to: number): { answered: number; talkMs: number } {
    return this.#dayHotline.get({ agentId, from, to }) ?? { answered: 0, talkMs: 0 };
  }

  /** The agent's latest calls (dialed attempts and hotline calls taken), newest first, at most `limit`. */
  recentCalls(agentId: string, limit: number): AgentCall[] {
    return this.#recentCalls.all({ agentId, limit });
  }
}
