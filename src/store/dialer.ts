import type { Database } from './db.js';
import { StoreError } from './errors.js';

/** Times are epoch milliseconds. Phone numbers are E.164. */

export const LEAD_STATES = [
  'new',
  'reserved',
  'in-progress',
  'retry',
  'callback',
  'done',
  'dnc',
  'failed',
] as const;
export type LeadState = (typeof LEAD_STATES)[number];

/**
 * Lead states still to be dialed: what a do-not-call entry takes out of the dialer (a lead in a call
 * finishes it first).
 */
export const WAITING_LEAD_STATES = ['new', 'retry', 'callback'] as const satisfies readonly LeadState[];

export interface CampaignRow {
  id: string;
  name: string;
  state: string;
  settings: string;
  createdAt: number;
  updatedAt: number;
}

export interface LeadRecord {
  id: string;
  campaignId: string;
  importId: string | null;
  phone: string;
  name: string | null;
  fields: Record<string, string>;
  state: LeadState;
  teamId: string | null;
  agentId: string | null;
  dueAt: number;
  attempts: number;
  reservedBy: string | null;
  reservedAt: number | null;
  lastOutcome: string | null;
  lastDisposition: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A lead as an import (or a test) adds it: new, not yet distributed unless team or agent is given. */
export type NewLead = Pick<
  LeadRecord,
  'id' | 'campaignId' | 'importId' | 'phone' | 'name' | 'fields' | 'createdAt'
> &
  Partial<Pick<LeadRecord, 'teamId' | 'agentId'>>;

export interface AttemptRecord {
  id: string;
  leadId: string;
  campaignId: string;
  agentId: string;
  teamId: string | null;
  activePhone: string | null;
  numberMasked: string;
  attemptNo: number;
  state: AttemptState;
  callId: string | null;
  outcome: string | null;
  skipReason: string | null;
  disposition: string | null;
  notes: string | null;
  callbackAt: number | null;
  /** A sale recorded with the disposition: its amount in cents (exact) and product; null otherwise. */
  saleAmountCents: number | null;
  saleProduct: string | null;
  offeredAt: number;
  dialedAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  disposedAt: number | null;
}

/** previewing -> dialing -> connected -> ended -> disposed; or previewing -> skipped; dialing -> ended. */
export type AttemptState = 'previewing' | 'dialing' | 'connected' | 'ended' | 'skipped' | 'disposed';

export interface ImportRecord {
  id: string;
  campaignId: string;
  listName: string;
  status: 'running' | 'done' | 'failed';
  rowsRead: number;
  imported: number;
  rejected: number;
  duplicates: number;
  dnc: number;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
  by: string;
}

export interface ImportError {
  line: number;
  kind: 'invalid' | 'duplicate' | 'dnc';
  reason: string;
  raw: string;
}

const LEAD_COLUMNS = `id, campaign_id AS campaignId, import_id AS importId, phone, name, fields, state,
  team_id AS teamId, agent_id AS agentId, due_at AS dueAt, attempts, reserved_by AS reservedBy,
  reserved_at AS reservedAt, last_outcome AS lastOutcome, last_disposition AS lastDisposition,
  created_at AS createdAt, updated_at AS updatedAt`;

const ATTEMPT_COLUMNS = `id, lead_id AS leadId, campaign_id AS campaignId, agent_id AS agentId, team_id AS teamId,
  active_phone AS activePhone, number_masked AS numberMasked, attempt_no AS attemptNo, state,
  call_id AS callId, outcome, skip_reason AS skipReason, disposition, notes, callback_at AS callbackAt,
  sale_amount_cents AS saleAmountCents, sale_product AS saleProduct, offered_at AS offeredAt, dialed_at AS dialedAt, answered_at AS answeredAt, ended_at AS endedAt,
  disposed_at AS disposedAt`;

const IMPORT_COLUMNS = `id, campaign_id AS campaignId, list_name AS listName, status, rows_read AS rowsRead,
  imported, rejected, duplicates, dnc, error, started_at AS startedAt, finished_at AS finishedAt, by`;

type LeadRow = Omit<LeadRecord, 'fields'> & { fields: string };

function toLead(row: LeadRow | undefined): LeadRecord | undefined {
  return row && { ...row, fields: JSON.parse(row.fields) as Record<string, string> };
}

export class CampaignRepository {
  constructor(private readonly db: Database) {}

  create(row: CampaignRow): void {
    try {
      this.db
        .prepare(
          `INSERT INTO campaigns (id, name, state, settings, created_at, updated_at)
           VALUES (@id, @name, @state, @settings, @createdAt, @updatedAt)`,
        )
        .run(row);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
        throw new StoreError('CAMPAIGN_EXISTS', `campaign ${row.id} exists`);
      throw err;
    }
  }

  update(id: string, patch: { name?: string; state?: string; settings?: string }, at: number): void {
    this.db
      .prepare(
        `UPDATE campaigns SET name = coalesce(@name, name), state = coalesce(@state, state),
           settings = coalesce(@settings, settings), updated_at = @at WHERE id = @id`,
      )
      .run({
        id,
        name: patch.name ?? null,
        state: patch.state ?? null,
        settings: patch.settings ?? null,
        at,
      });
  }

  get(id: string): CampaignRow | undefined {
    return this.db
      .prepare(`SELECT id, name, state, settings, created_at AS createdAt, updated_at AS updatedAt
                FROM campaigns WHERE id = ?`)
      .get(id) as CampaignRow | undefined;
  }

  list(): CampaignRow[] {
    return this.db
      .prepare(`SELECT id, name, state, settings, created_at AS createdAt, updated_at AS updatedAt
                FROM campaigns ORDER BY created_at, id`)
      .all() as CampaignRow[];
  }
}

/** What a lead move may change besides the state. */
export interface LeadMoveDetails {
  dueAt?: number;
  addAttempt?: boolean;
  outcome?: string;
  disposition?: string;
  /** Personal callback: the lead goes to this agent; null: back to the team or pool. */
  agentId?: string | null;
  /** Moving from 'reserved': the agent who must hold the reservation. */
  reservedBy?: string;
}

/** Lead selection order for an agent: due callbacks, due retries, then new leads. */
export const OVERDUE_CALLBACK_MS = 30 * 60_000;

/** Longest time between a lead's offer and its dial: the longest preview (600 s) and the channel wait. */
const OFFER_TO_DIAL_MAX_MS = 3_600_000;

const PICK_ORDER: readonly LeadState[] = ['callback', 'retry', 'new'];

export class LeadRepository {
  readonly #insert;
  readonly #get;
  readonly #pick: Record<'agent' | 'team' | 'pool' | 'overdue', ReturnType<Database['prepare']>>;
  readonly #claim;
  readonly #setState;
  readonly #markDnc;
  readonly #markDncEverywhere;

  constructor(private readonly db: Database) {
    this.#insert = db.prepare(
      `INSERT INTO leads (id, campaign_id, import_id, phone, name, fields, state, team_id, agent_id, due_at,
         created_at, updated_at)
       VALUES (@id, @campaignId, @importId, @phone, @name, @fields, 'new', @teamId, @agentId, 0, @createdAt, @createdAt)
       ON CONFLICT (campaign_id, phone) DO NOTHING`,
    );
    this.#get = db.prepare(`SELECT ${LEAD_COLUMNS} FROM leads WHERE id = ?`);
    const base = `SELECT ${LEAD_COLUMNS} FROM leads WHERE campaign_id = @campaignId AND state = @state AND due_at <= @now`;
    this.#pick = {
      agent: db.prepare(`${base} AND agent_id = @agentId ORDER BY due_at, rowid LIMIT 1`),
      team: db.prepare(`${base} AND agent_id IS NULL AND team_id = @teamId ORDER BY due_at, rowid LIMIT 1`),
      pool: db.prepare(`${base} AND agent_id IS NULL AND team_id IS NULL ORDER BY due_at, rowid LIMIT 1`),
      // A promised callback overdue by OVERDUE_CALLBACK_MS (its agent or team away, or moved off the
      // campaign) goes to whoever works the campaign rather than waiting for ever.
      overdue: db.prepare(`${base} AND due_at <= @overdueBefore ORDER BY due_at, rowid LIMIT 1`),
    };
    this.#claim = db.prepare(
      `UPDATE leads SET state = 'reserved', reserved_by = @agentId, reserved_at = @now, updated_at = @now
       WHERE id = @id AND state = @state`,
    );
    this.#setState = db.prepare(
      `UPDATE leads SET state = @state, due_at = @dueAt, attempts = attempts + @addAttempt,
         reserved_by = NULL, reserved_at = NULL, last_outcome = coalesce(@outcome, last_outcome),
         last_disposition = coalesce(@disposition, last_disposition), updated_at = @now,
         agent_id = CASE WHEN @keepAgent = 1 THEN agent_id ELSE @agentId END
       WHERE id = @id AND state = @from AND (@reservedBy IS NULL OR reserved_by = @reservedBy)`,
    );
    const waiting = WAITING_LEAD_STATES.map((state) => `'${state}'`).join(', ');
    // `+state`: the state test must not use an index, or the planner takes leads_next (campaign, state)
    // and reads all the campaign's waiting leads instead of looking each number up.
    const markDnc = (campaigns: string) =>
      db.prepare(
        `UPDATE leads SET state = 'dnc', updated_at = @now
         WHERE ${campaigns} AND phone IN (SELECT value FROM json_each(@phones)) AND +state IN (${waiting})`,
      );
    this.#markDnc = markDnc('campaign_id = @campaignId');
    this.#markDncEverywhere = markDnc('campaign_id IN (SELECT id FROM campaigns)');
  }

  /** Inserts leads; a number already in the campaign is skipped. Returns whether each row was inserted. */
  insertMany(leads: NewLead[]): boolean[] {
    const run = this.db.transaction((batch: NewLead[]) =>
      batch.map(
        (l) =>
          this.#insert.run({
            ...l,
            fields: JSON.stringify(l.fields),
            teamId: l.teamId ?? null,
            agentId: l.agentId ?? null,
          }).changes === 1,
      ),
    );
    return run(leads);
  }

  get(id: string): LeadRecord | undefined {
    return toLead(this.#get.get(id) as LeadRow | undefined);
  }

  /** The leads with this number, one per campaign at most: each looked up in the (campaign, phone) index. */
  byPhone(phone: string, limit = 50): LeadRecord[] {
    const rows = this.db
      .prepare(
        `SELECT ${LEAD_COLUMNS} FROM leads WHERE campaign_id IN (SELECT id FROM campaigns) AND phone = ? LIMIT ?`,
      )
      .all(phone, limit) as LeadRow[];
    return rows.map((row) => toLead(row)!);
  }

  /**
   * The next lead for an agent in a campaign (due callbacks, due retries, new), claimed for them in the
   * same step so no other agent gets it. The lead is returned as it was before the claim (its state is
   * where a skip puts it back). `accept` may refuse a candidate (a number on do-not-call): it is
   * then passed over for this pick only if `accept` moved it out of its state.
   */
  claimNext(
    campaignId: string,
    agentId: string,
    teamId: string | null,
    now: number,
    accept: (lead: LeadRecord) => boolean,
  ): LeadRecord | undefined {
    return this.db.transaction(() => {
      for (const state of PICK_ORDER) {
        for (const scope of ['agent', 'team', 'pool', 'overdue'] as const) {
          if (scope === 'team' && !teamId) continue;
          if (scope === 'overdue' && state !== 'callback') continue;
          const overdueBefore = now - OVERDUE_CALLBACK_MS;
          for (let guard = 0; guard < 100; guard++) {
            const row = this.#pick[scope].get({ campaignId, state, now, agentId, teamId, overdueBefore }) as
              | LeadRow
              | undefined;
            const lead = toLead(row);
            if (!lead) break;
            if (!accept(lead)) continue; // accept() moved it to another state (dnc) or later
            const claimed = this.#claim.run({ id: lead.id, agentId, now, state }).changes === 1;
            if (claimed) return { ...lead, reservedBy: agentId, reservedAt: now };
          }
        }
      }
      return undefined;
    })();
  }

  /**
   * Moves a lead on (the dialer's lead state function decides the state), only if it is still in
   * `from` (and, from 'reserved', still reserved by `reservedBy`): false when it moved meanwhile.
   */
  setState(id: string, from: LeadState, next: { state: LeadState } & LeadMoveDetails, now: number): boolean {
    return (
      this.#setState.run({
        id,
        from,
        reservedBy: next.reservedBy ?? null,
        state: next.state,
        dueAt: next.dueAt ?? 0,
        addAttempt: next.addAttempt ? 1 : 0,
        outcome: next.outcome ?? null,
        disposition: next.disposition ?? null,
        agentId: next.agentId ?? null,
        keepAgent: next.agentId === undefined ? 1 : 0,
        now,
      }).changes === 1
    );
  }

  /** Leads a dead run left reserved or in progress (restart recovery). */
  listHeld(): LeadRecord[] {
    return (
      this.db
        .prepare(`SELECT ${LEAD_COLUMNS} FROM leads WHERE state IN ('reserved', 'in-progress')`)
        .all() as LeadRow[]
    ).map((r) => toLead(r)!);
  }

  countsByState(campaignId: string): Record<string, number> {
    const rows = this.db
      .prepare('SELECT state, count(*) AS n FROM leads WHERE campaign_id = ? GROUP BY state')
      .all(campaignId) as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** Leads an agent or a team holds now (new, due or not). */
  list(filter: {
    campaignId: string;
    state?: LeadState;
    agentId?: string;
    teamId?: string;
    limit: number;
    offset: number;
  }): LeadRecord[] {
    const where = ['campaign_id = @campaignId'];
    if (filter.state) where.push('state = @state');
    if (filter.agentId) where.push('agent_id = @agentId');
    if (filter.teamId) where.push('team_id = @teamId');
    return (
      this.db
        .prepare(
          `SELECT ${LEAD_COLUMNS} FROM leads WHERE ${where.join(' AND ')} ORDER BY rowid LIMIT @limit OFFSET @offset`,
        )
        .all({ agentId: null, teamId: null, state: null, ...filter }) as LeadRow[]
    ).map((r) => toLead(r)!);
  }

  /**
   * Distribution: up to `count` new, unassigned leads of the campaign's pool (or of `fromTeam`) are given
   * to a team, or to an agent, in pick order (due_at, then oldest first: the index's order, so no sort).
   * Returns how many moved. Keep `count` to a few thousand per call (lead-distribution's assignLeads
   * moves more in such steps).
   */
  assign(
    campaignId: string,
    to: { teamId: string; agentId?: string },
    count: number,
    now: number,
    fromTeamOnly: boolean,
  ): number {
    const source = fromTeamOnly
      ? 'agent_id IS NULL AND team_id = @teamId'
      : 'agent_id IS NULL AND team_id IS NULL';
    return this.db
      .prepare(
        `UPDATE leads SET team_id = @teamId, agent_id = @agentId, updated_at = @now
         WHERE rowid IN (SELECT rowid FROM leads WHERE campaign_id = @campaignId AND state = 'new' AND ${source}
                         ORDER BY due_at, rowid LIMIT @count)`,
      )
      .run({ campaignId, teamId: to.teamId, agentId: to.agentId ?? null, count, now }).changes;
  }

  /**
   * Returns a team's or an agent's unused new leads to the pool (or to the team): up to `limit` of them
   * (all when absent). Returns how many moved.
   */
  unassign(
    campaignId: string,
    from: { teamId?: string; agentId?: string },
    now: number,
    limit?: number,
  ): number {
    const params = { campaignId, now, limit: limit ?? -1 };
    if (from.agentId) {
      // With the team too: only the agent's leads of that team (an agent moved keeps its old team's leads).
      return this.db
        .prepare(`UPDATE leads SET agent_id = NULL, updated_at = @now
                  WHERE rowid IN (SELECT rowid FROM leads
                    WHERE campaign_id = @campaignId AND state = 'new' AND agent_id = @agentId
                      AND (@teamId IS NULL OR team_id = @teamId) LIMIT @limit)`)
        .run({ ...params, agentId: from.agentId, teamId: from.teamId ?? null }).changes;
    }
    return this.db
      .prepare(`UPDATE leads SET team_id = NULL, agent_id = NULL, updated_at = @now
                WHERE rowid IN (SELECT rowid FROM leads
                  WHERE campaign_id = @campaignId AND state = 'new' AND team_id = @teamId LIMIT @limit)`)
      .run({ ...params, teamId: from.teamId ?? null }).changes;
  }

  /**
   * Marks every waiting lead (WAITING_LEAD_STATES) with one of these numbers as do-not-call: in the
   * campaign, or in every campaign when campaignId is null (the global list). One statement for the
   * whole list; it looks the numbers up in the UNIQUE (campaign_id, phone) index (the global case once
   * per campaign), never scanning the leads. Returns how many leads moved.
   */
  markDncMany(phones: readonly string[], campaignId: string | null, now: number): number {
    if (phones.length === 0) return 0;
    const list = JSON.stringify(phones);
    return campaignId === null
      ? this.#markDncEverywhere.run({ phones: list, now }).changes
      : this.#markDnc.run({ phones: list, campaignId, now }).changes;
  }

  /** markDncMany for one number. */
  markDnc(phone: string, campaignId: string | null, now: number): number {
    return this.markDncMany([phone], campaignId, now);
  }

  /**
   * Deletes up to `limit` leads (all when absent) of a purge: the used ones (done, dnc, failed), or with
   * `all` every lead not in a call; never a lead with a live dial attempt (its number still held).
   * `olderThan`: only leads untouched since then, a retry or callback due later counting as touched
   * when due (a promised callback is kept until its time has passed by as long). Attempts of the deleted
   * leads lose their notes. Returns the anonymized counts of what it deleted; call again while it
   * deletes `limit` (lead-purge's purgeLeads does, letting the event loop run in between).
   */
  purge(filter: {
    campaignId?: string;
    importId?: string;
    olderThan?: number;
    all?: boolean;
    limit?: number;
  }): {
    leads: number;
    byState: Record<string, number>;
    byDisposition: Record<string, number>;
  } {
    return this.db.transaction(() => {
      const where = [
        filter.all ? "state NOT IN ('reserved', 'in-progress')" : "state IN ('done', 'dnc', 'failed')",
      ];
      if (filter.campaignId) where.push('campaign_id = @campaignId');
      if (filter.importId) where.push('import_id = @importId');
      if (filter.olderThan !== undefined) where.push('max(updated_at, due_at) < @olderThan');
      where.push(
        'NOT EXISTS (SELECT 1 FROM dial_attempts a WHERE a.lead_id = leads.id AND a.active_phone IS NOT NULL)',
      );
      const params = {
        campaignId: filter.campaignId ?? null,
        importId: filter.importId ?? null,
        olderThan: filter.olderThan ?? null,
        limit: filter.limit ?? -1,
      };
      const rows = this.db
        .prepare(
          `SELECT rowid AS rid, id, state, coalesce(last_disposition, last_outcome, 'none') AS d FROM leads
           WHERE ${where.join(' AND ')} LIMIT @limit`,
        )
        .all(params) as { rid: number; id: string; state: string; d: string }[];
      const byState: Record<string, number> = {};
      const byDisposition: Record<string, number> = {};
      for (const r of rows) {
        byState[r.state] = (byState[r.state] ?? 0) + 1;
        byDisposition[r.d] = (byDisposition[r.d] ?? 0) + 1;
      }
      if (rows.length === 0) return { leads: 0, byState, byDisposition };
      this.db
        .prepare(
          `UPDATE dial_attempts SET notes = NULL
           WHERE lead_id IN (SELECT value FROM json_each(?)) AND notes IS NOT NULL`,
        )
        .run(JSON.stringify(rows.map((r) => r.id)));
      const leads = this.db
        .prepare('DELETE FROM leads WHERE rowid IN (SELECT value FROM json_each(?))')
        .run(JSON.stringify(rows.map((r) => r.rid))).changes;
      return { leads, byState, byDisposition };
    })();
  }
}

export class AttemptRepository {
  readonly #open;
  readonly #get;
  readonly #awaitingDisposition;
  readonly #countDialed;
  readonly #countDialedByAgent;

  constructor(private readonly db: Database) {
    this.#open = db.prepare(
      `INSERT INTO dial_attempts (id, lead_id, campaign_id, agent_id, team_id, active_phone, number_masked,
         attempt_no, state, offered_at)
       VALUES (@id, @leadId, @campaignId, @agentId, @teamId, @phone, @numberMasked, @attemptNo, 'previewing', @at)`,
    );
    this.#get = db.prepare(`SELECT ${ATTEMPT_COLUMNS} FROM dial_attempts WHERE id = ?`);
    this.#awaitingDisposition = db.prepare(
      `SELECT ${ATTEMPT_COLUMNS} FROM dial_attempts WHERE agent_id = ? AND state IN ('connected', 'ended')
         AND answered_at IS NOT NULL ORDER BY offered_at DESC LIMIT 1`,
    );
    this.#countDialed = db
      .prepare(
        // offered_at bounds the index range (a call is dialed at most a preview time after its offer),
        // so the count reads the window only, not the campaign's whole history.
        'SELECT count(*) FROM dial_attempts WHERE campaign_id = ? AND offered_at >= ? AND dialed_at >= ?',
      )
      .pluck();
    this.#countDialedByAgent = db
      .prepare(
        'SELECT count(*) FROM dial_attempts WHERE agent_id = ? AND offered_at >= ? AND campaign_id = ? AND dialed_at >= ?',
      )
      .pluck();
  }

  /** Opens an attempt holding the number; false if the number is in another live attempt. */
  open(a: {
    id: string;
    leadId: string;
    campaignId: string;
    agentId: string;
    teamId: string | null;
    phone: string;
    numberMasked: string;
    attemptNo: number;
    at: number;
  }): boolean {
    try {
      this.#open.run(a);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw err;
    }
  }

  get(id: string): AttemptRecord | undefined {
    return this.#get.get(id) as AttemptRecord | undefined;
  }

  update(
    id: string,
    patch: Partial<
      Pick<
        AttemptRecord,
        | 'state'
        | 'callId'
        | 'outcome'
        | 'skipReason'
        | 'disposition'
        | 'notes'
        | 'callbackAt'
        | 'saleAmountCents'
        | 'saleProduct'
        | 'dialedAt'
        | 'answeredAt'
        | 'endedAt'
        | 'disposedAt'
      >
    > & { releasePhone?: boolean },
  ): void {
    const columns: Record<string, string> = {
      state: 'state',
      callId: 'call_id',
      outcome: 'outcome',
      skipReason: 'skip_reason',
      disposition: 'disposition',
      notes: 'notes',
      callbackAt: 'callback_at',
      saleAmountCents: 'sale_amount_cents',
      saleProduct: 'sale_product',
      dialedAt: 'dialed_at',
      answeredAt: 'answered_at',
      endedAt: 'ended_at',
      disposedAt: 'disposed_at',
    };
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    for (const [key, column] of Object.entries(columns)) {
      const value = (patch as Record<string, unknown>)[key];
      if (value === undefined) continue;
      sets.push(`${column} = @${key}`);
      params[key] = value;
    }
    if (patch.releasePhone) sets.push('active_phone = NULL');
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE dial_attempts SET ${sets.join(', ')} WHERE id = @id`).run(params);
  }

  /** Attempts still live (held a number) when the service stopped. */
  listLive(): AttemptRecord[] {
    return this.db
      .prepare(`SELECT ${ATTEMPT_COLUMNS} FROM dial_attempts WHERE active_phone IS NOT NULL`)
      .all() as AttemptRecord[];
  }

  /** The agent's attempt waiting for a disposition (ended, answered), newest first. */
  awaitingDisposition(agentId: string): AttemptRecord | undefined {
    return this.#awaitingDisposition.get(agentId) as AttemptRecord | undefined;
  }

  /** The lead's latest attempt (the agent who called it last), if any. */
  latestForLead(leadId: string): AttemptRecord | undefined {
    return this.db
      .prepare(
        `SELECT ${ATTEMPT_COLUMNS} FROM dial_attempts WHERE lead_id = ? ORDER BY offered_at DESC LIMIT 1`,
      )
      .get(leadId) as AttemptRecord | undefined;
  }

  forLead(leadId: string): AttemptRecord[] {
    return this.db
      .prepare(`SELECT ${ATTEMPT_COLUMNS} FROM dial_attempts WHERE lead_id = ? ORDER BY offered_at`)
      .all(leadId) as AttemptRecord[];
  }

  /** Calls a campaign placed since `from` (dialed attempts), for caps and stats. */
  countDialed(campaignId: string, from: number): number {
    return this.#countDialed.get(campaignId, from - OFFER_TO_DIAL_MAX_MS, from) as number;
  }

  countDialedByAgent(agentId: string, campaignId: string, from: number): number {
    return this.#countDialedByAgent.get(agentId, from - OFFER_TO_DIAL_MAX_MS, campaignId, from) as number;
  }

  /** Figures for the live stats, over attempts offered in [from, to). */
  stats(
    campaignId: string,
    from: number,
    to: number,
  ): {
    offered: number;
    dialed: number;
    answered: number;
    skipped: number;
    abandoned: number;
    talkMs: number;
    /** What the sales recorded with the dispositions are worth, in cents. */
    saleCents: number;
    byOutcome: Record<string, number>;
    byDisposition: Record<string, number>;
    byAgent: { agentId: string; dialed: number; answered: number; talkMs: number }[];
  } {
    const p = { campaignId, from, to };
    const where = 'campaign_id = @campaignId AND offered_at >= @from AND offered_at < @to';
    const totals = this.db
      .prepare(
        `SELECT count(*) AS offered, count(dialed_at) AS dialed, count(answered_at) AS answered,
           sum(state = 'skipped') AS skipped, sum(skip_reason = 'abandoned') AS abandoned,
           coalesce(sum(CASE WHEN answered_at IS NOT NULL AND ended_at IS NOT NULL THEN ended_at - answered_at END), 0) AS talkMs,
           coalesce(sum(sale_amount_cents), 0) AS saleCents
         FROM dial_attempts WHERE ${where}`,
      )
      .get(p) as {
      offered: number;
      dialed: number;
      answered: number;
      skipped: number | null;
      abandoned: number | null;
      talkMs: number;
      saleCents: number;
    };
    const group = (column: string) =>
      Object.fromEntries(
        (
          this.db
            .prepare(
              `SELECT ${column} AS k, count(*) AS n FROM dial_attempts WHERE ${where} AND ${column} IS NOT NULL GROUP BY k`,
            )
            .all(p) as { k: string; n: number }[]
        ).map((r) => [r.k, r.n]),
      );
    const byAgent = this.db
      .prepare(
        `SELECT agent_id AS agentId, count(dialed_at) AS dialed, count(answered_at) AS answered,
           coalesce(sum(CASE WHEN answered_at IS NOT NULL AND ended_at IS NOT NULL THEN ended_at - answered_at END), 0) AS talkMs
         FROM dial_attempts WHERE ${where} GROUP BY agent_id ORDER BY agent_id`,
      )
      .all(p) as { agentId: string; dialed: number; answered: number; talkMs: number }[];
    return {
      ...totals,
      skipped: totals.skipped ?? 0,
      abandoned: totals.abandoned ?? 0,
      byOutcome: group('outcome'),
      byDisposition: group('disposition'),
      byAgent,
    };
  }
}

export class DncRepository {
  readonly #has;
  readonly #add;

  constructor(private readonly db: Database) {
    this.#has = db.prepare(
      `SELECT 1 FROM dnc WHERE phone = @phone AND (scope = 'global' OR scope = @campaignId) LIMIT 1`,
    );
    this.#add = db.prepare(
      `INSERT INTO dnc (scope, phone, reason, added_by, added_at) VALUES (@scope, @phone, @reason, @by, @at)
       ON CONFLICT (scope, phone) DO NOTHING`,
    );
  }

  /** True if the number may not be called by this campaign (global list or the campaign's own). */
  blocked(phone: string, campaignId: string): boolean {
    return this.#has.get({ phone, campaignId }) !== undefined;
  }

  addMany(
    entries: { scope: string; phone: string; reason: string | null; by: string }[],
    at: number,
  ): number {
    return this.db.transaction(() => entries.reduce((n, e) => n + this.#add.run({ ...e, at }).changes, 0))();
  }

  remove(scope: string, phone: string): boolean {
    return this.db.prepare('DELETE FROM dnc WHERE scope = ? AND phone = ?').run(scope, phone).changes === 1;
  }

  list(
    scope: string,
    limit: number,
    offset: number,
  ): { phone: string; reason: string | null; addedBy: string; addedAt: number }[] {
    return this.db
      .prepare(
        `SELECT phone, reason, added_by AS addedBy, added_at AS addedAt FROM dnc WHERE scope = ?
         ORDER BY added_at, phone LIMIT ? OFFSET ?`,
      )
      .all(scope, limit, offset) as {
      phone: string;
      reason: string | null;
      addedBy: string;
      addedAt: number;
    }[];
  }

  count(scope: string): number {
    return this.db.prepare('SELECT count(*) FROM dnc WHERE scope = ?').pluck().get(scope) as number;
  }
}

export class LeadImportRepository {
  readonly #progress;
  readonly #addError;

  constructor(private readonly db: Database) {
    this.#progress = db.prepare(
      `UPDATE lead_imports SET rows_read = @rowsRead, imported = @imported, rejected = @rejected,
         duplicates = @duplicates, dnc = @dnc WHERE id = @id`,
    );
    this.#addError = db.prepare(
      'INSERT INTO lead_import_errors (import_id, line, kind, reason, raw) VALUES (?, ?, ?, ?, ?)',
    );
  }

  start(r: { id: string; campaignId: string; listName: string; by: string; at: number }): void {
    this.db
      .prepare(
        `INSERT INTO lead_imports (id, campaign_id, list_name, status, started_at, by)
         VALUES (@id, @campaignId, @listName, 'running', @at, @by)`,
      )
      .run(r);
  }

  progress(
    id: string,
    p: { rowsRead: number; imported: number; rejected: number; duplicates: number; dnc: number },
    errors: ImportError[],
  ): void {
    this.db.transaction(() => {
      this.#progress.run({ id, ...p });
      for (const e of errors) this.#addError.run(id, e.line, e.kind, e.reason, e.raw);
    })();
  }

  finish(id: string, status: 'done' | 'failed', at: number, error: string | null = null): void {
    this.db
      .prepare('UPDATE lead_imports SET status = ?, finished_at = ?, error = ? WHERE id = ?')
      .run(status, at, error, id);
  }

  get(id: string): ImportRecord | undefined {
    return this.db.prepare(`SELECT ${IMPORT_COLUMNS} FROM lead_imports WHERE id = ?`).get(id) as
      | ImportRecord
      | undefined;
  }

  list(campaignId: string): ImportRecord[] {
    return this.db
      .prepare(`SELECT ${IMPORT_COLUMNS} FROM lead_imports WHERE campaign_id = ? ORDER BY started_at`)
      .all(campaignId) as ImportRecord[];
  }

  /** The error report, by line: all of it, or a page (`limit`, `offset`), of one kind or all. */
  errors(
    id: string,
    page: { kind?: ImportError['kind']; limit?: number; offset?: number } = {},
  ): ImportError[] {
    return this.db
      .prepare(
        `SELECT line, kind, reason, raw FROM lead_import_errors
         WHERE import_id = @id AND (@kind IS NULL OR kind = @kind) ORDER BY line, rowid LIMIT @limit OFFSET @offset`,
      )
      .all({
        id,
        kind: page.kind ?? null,
        limit: page.limit ?? -1,
        offset: page.offset ?? 0,
      }) as ImportError[];
  }

  /**
   * Up to `limit` rows of the error report after `cursor` (from the start when null), by line, and the
   * cursor of the next page (null at the end): for reading a large report in steps without holding a
   * statement open in between.
   */
  errorsAfter(
    id: string,
    cursor: { line: number; rowid: number } | null,
    limit: number,
    kind?: ImportError['kind'],
  ): { errors: ImportError[]; next: { line: number; rowid: number } | null } {
    const rows = this.db
      .prepare(
        `SELECT rowid AS rid, line, kind, reason, raw FROM lead_import_errors
         WHERE import_id = @id AND (@kind IS NULL OR kind = @kind) AND (line, rowid) > (@line, @rid)
         ORDER BY line, rowid LIMIT @limit`,
      )
      .all({
        id,
        kind: kind ?? null,
        line: cursor?.line ?? -1,
        rid: cursor?.rowid ?? -1,
        limit,
      }) as (ImportError & { rid: number })[];
    const last = rows.at(-1);
    return {
      errors: rows.map(({ rid: _, ...e }) => e),
      next: last && rows.length === limit ? { line: last.line, rowid: last.rid } : null,
    };
  }

  /** How many rows the error report has (of one kind). */
  countErrors(id: string, kind?: ImportError['kind']): number {
    return this.db
      .prepare(
        'SELECT count(*) FROM lead_import_errors WHERE import_id = @id AND (@kind IS NULL OR kind = @kind)',
      )
      .pluck()
      .get({ id, kind: kind ?? null }) as number;
  }

  /**
   * The error report holds customer rows: it goes with the leads' purge. Deletes up to `limit` rows (all
   * when absent) and returns how many; call again while it deletes `limit`.
   */
  dropErrors(filter: { campaignId?: string; importId?: string }, limit?: number): number {
    return this.db
      .prepare(
        `DELETE FROM lead_import_errors WHERE rowid IN (SELECT rowid FROM lead_import_errors
           WHERE import_id IN (SELECT id FROM lead_imports
             WHERE (@campaignId IS NULL OR campaign_id = @campaignId) AND (@importId IS NULL OR id = @importId))
           LIMIT @limit)`,
      )
      .run({ campaignId: filter.campaignId ?? null, importId: filter.importId ?? null, limit: limit ?? -1 })
      .changes;
  }
}

export interface LeadPurgeRecord {
  id: string;
  at: number;
  campaignId: string | null;
  by: string;
  reason: string;
  leads: number;
  stats: Record<string, unknown>;
}

export class LeadPurgeLog {
  constructor(private readonly db: Database) {}

  add(r: LeadPurgeRecord): void {
    this.db
      .prepare(
        `INSERT INTO lead_purges (id, at, campaign_id, by, reason, leads, stats)
         VALUES (@id, @at, @campaignId, @by, @reason, @leads, @stats)`,
      )
      .run({ ...r, stats: JSON.stringify(r.stats) });
  }

  list(campaignId?: string): LeadPurgeRecord[] {
    return (
      this.db
        .prepare(
          `SELECT id, at, campaign_id AS campaignId, by, reason, leads, stats FROM lead_purges
           WHERE (@campaignId IS NULL OR campaign_id = @campaignId) ORDER BY at`,
        )
        .all({ campaignId: campaignId ?? null }) as (Omit<LeadPurgeRecord, 'stats'> & { stats: string })[]
    ).map((r) => ({ ...r, stats: JSON.parse(r.stats) as Record<string, unknown> }));
  }
}
