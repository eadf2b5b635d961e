import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AgentStateName, NotReadyReason } from '../agents/state.js';
import type { InboundRole, LineKind, LineMode } from '../agents/types.js';
import type { Database } from './db.js';
import { StoreError } from './errors.js';

/** Times are epoch milliseconds. */

export const AGENT_ROLES = ['agent', 'team-leader'] as const;
export const LINE_MODES = ['persistent', 'per-call'] as const satisfies readonly LineMode[];
export const INBOUND_ROLES = ['primary', 'overflow', 'none'] as const satisfies readonly InboundRole[];
export const LINE_KINDS = ['sip', 'webrtc', 'remote'] as const satisfies readonly LineKind[];
export type AgentRole = (typeof AGENT_ROLES)[number];

/** Agent and team ids are chosen by the admin and appear in CSV files, URLs and logs. */
const idSchema = (example: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, "-" or "_"')
    .describe(`e.g. ${example}`);
export const agentIdSchema = idSchema('a101');
export const teamIdSchema = idSchema('sales-north');

const agentFields = {
  name: z.string().trim().min(1).max(100),
  teamId: z.string().min(1).nullable().describe('The team, or null for none'),
  role: z.enum(AGENT_ROLES).describe('A team leader may also take calls'),
  endpoint: z
    .string()
    .trim()
    .regex(/^[A-Za-z][A-Za-z0-9]*\/\S+$/, 'must be a dial string TECH/resource, e.g. PJSIP/1001')
    .max(200)
    .nullable()
    .describe("Dial string of the agent's phone, e.g. PJSIP/1001 (lineKind sip only)"),
  lineKind: z
    .enum(LINE_KINDS)
    .describe(
      "sip: a phone the PBX knows (endpoint); webrtc: the agent's browser; remote: any phone number, " +
        'called through the trunk (remoteNumber)',
    ),
  remoteNumber: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .nullable()
    .describe(
      'The phone number a remote line calls (lineKind remote only), e.g. +8613812345678 or a national ' +
        'number of dialer.defaultCountry; stored in E.164',
    ),
  lineMode: z
    .enum(LINE_MODES)
    .describe('persistent: one line held open for the shift; per-call: rung per call'),
  inboundRole: z.enum(INBOUND_ROLES).describe('Part in the 400 hotline: first choice, overflow, or none'),
};

/** The fields that make a seat's line. */
export interface SeatLine {
  lineKind: LineKind;
  endpoint: string | null;
  remoteNumber: string | null;
  lineMode: LineMode;
}

/**
 * Why a seat's line fields do not fit together (the field and why), or undefined. A SIP phone needs its
 * dial string; a browser line has neither (the service names its own endpoint); a remote line needs its
 * number and is always persistent (kept up across calls: calling a mobile per call would be too slow).
 */
export function lineIssue(line: SeatLine): { field: keyof SeatLine; message: string } | undefined {
  const { lineKind, endpoint, remoteNumber, lineMode } = line;
  if (lineKind === 'sip' && !endpoint)
    return {
      field: 'endpoint',
      message: 'a SIP line (lineKind sip) needs the dial string of the phone, e.g. PJSIP/1001',
    };
  if (lineKind !== 'sip' && endpoint)
    return {
      field: 'endpoint',
      message:
        lineKind === 'webrtc'
          ? "a browser line (lineKind webrtc) has no endpoint: the service makes the agent's own"
          : 'a remote line (lineKind remote) is called through the trunk: give remoteNumber instead',
    };
  if (lineKind === 'remote' && !remoteNumber)
    return {
      field: 'remoteNumber',
      message: 'a remote line (lineKind remote) needs the phone number to call',
    };
  if (lineKind !== 'remote' && remoteNumber)
    return {
      field: 'remoteNumber',
      message: `only a remote line (lineKind remote) has a number, not lineKind ${lineKind}`,
    };
  if (lineKind === 'remote' && lineMode === 'per-call')
    return {
      field: 'lineMode',
      message: 'a remote line is always persistent (kept up across calls), not per-call',
    };
  return undefined;
}

/**
 * A seat as created or imported (upserted); shared by the API, the import and the repository. Strict, so
 * a misspelt column or field is reported rather than ignored. lineMode defaults to per-call, or
 * persistent for a remote line.
 */
export const agentInputSchema = z
  .strictObject({
    id: agentIdSchema,
    name: agentFields.name,
    teamId: agentFields.teamId.default(null),
    role: agentFields.role.default('agent'),
    lineKind: agentFields.lineKind.default('sip'),
    endpoint: agentFields.endpoint.default(null),
    remoteNumber: agentFields.remoteNumber.default(null),
    lineMode: agentFields.lineMode.optional(),
    inboundRole: agentFields.inboundRole.default('none'),
  })
  .superRefine((seat, ctx) => {
    const issue = lineIssue(withLineDefaults(seat));
    if (issue) ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
  });
type ParsedAgentInput = z.infer<typeof agentInputSchema>;
/** A seat to write: the line fields may be left out (a SIP phone, per-call, as before line kinds). */
export type AgentInput = Omit<ParsedAgentInput, 'lineKind' | 'remoteNumber' | 'endpoint'> &
  Partial<Pick<ParsedAgentInput, 'lineKind' | 'remoteNumber' | 'endpoint'>>;

/** An input with its line fields' defaults. */
function withLineDefaults<T extends AgentInput>(input: T): T & SeatLine {
  const lineKind = input.lineKind ?? 'sip';
  return {
    ...input,
    lineKind,
    endpoint: input.endpoint ?? null,
    remoteNumber: input.remoteNumber ?? null,
    lineMode: input.lineMode ?? (lineKind === 'remote' ? 'persistent' : 'per-call'),
  };
}

/** A partial edit; `active: true` brings a deactivated agent back. */
export const agentPatchSchema = z.strictObject({ ...agentFields, active: z.boolean() }).partial();
export type AgentPatch = z.infer<typeof agentPatchSchema>;

export interface AgentRecord extends Omit<ParsedAgentInput, keyof SeatLine>, SeatLine {
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Team {
  id: string;
  name: string;
  leaderAgentId: string | null;
  createdAt: number;
}

export interface ImportResult {
  created: number;
  updated: number;
  /** `row` is 1-based among the rows given (a CSV header is not a row). */
  errors: { row: number; message: string }[];
}

// ---- Teams --------------------------------------------------------------------------------------------

const TEAM_COLUMNS = 'id, name, leader_agent_id AS leaderAgentId, created_at AS createdAt';

export class TeamRepository {
  readonly #insert;
  readonly #update;
  readonly #get;
  readonly #byName;
  readonly #list;
  readonly #activeMembers;
  readonly #delete;
  readonly #agentExists;

  constructor(db: Database) {
    this.#insert = db.prepare<Team>(
      'INSERT INTO teams (id, name, leader_agent_id, created_at) VALUES (@id, @name, @leaderAgentId, @createdAt)',
    );
    this.#update = db.prepare<Omit<Team, 'createdAt'>>(
      'UPDATE teams SET name = @name, leader_agent_id = @leaderAgentId WHERE id = @id',
    );
    this.#get = db.prepare<[string], Team>(`SELECT ${TEAM_COLUMNS} FROM teams WHERE id = ?`);
    this.#byName = db.prepare<[string], Team>(`SELECT ${TEAM_COLUMNS} FROM teams WHERE name = ?`);
    this.#list = db.prepare<[], Team>(`SELECT ${TEAM_COLUMNS} FROM teams ORDER BY name`);
    this.#activeMembers = db
      .prepare<[string], number>('SELECT count(*) FROM agents WHERE team_id = ? AND active = 1')
      .pluck();
    this.#delete = db.prepare<[string]>('DELETE FROM teams WHERE id = ?');
    this.#agentExists = db.prepare<[string], number>('SELECT 1 FROM agents WHERE id = ?').pluck();
  }

  /**
   * Throws StoreError TEAM_EXISTS (id or name taken) or UNKNOWN_AGENT (leader). The service passes its
   * clock; the default is for seeding scripts and test fixtures.
   */
  create(input: { id?: string; name: string; leaderAgentId?: string | null }, now = Date.now()): Team {
    const team: Team = {
      id: input.id ?? randomUUID(),
      name: input.name,
      leaderAgentId: input.leaderAgentId ?? null,
      createdAt: now,
    };
    if (this.#get.get(team.id)) throw new StoreError('TEAM_EXISTS', `A team with id ${team.id} exists`);
    this.#check(team);
    this.#insert.run(team);
    return team;
  }

  /** Null if there is no such team; throws like create. */
  update(id: string, patch: { name?: string; leaderAgentId?: string | null }): Team | null {
    const current = this.#get.get(id);
    if (!current) return null;
    const team = { ...current, ...patch };
    this.#check(team);
    this.#update.run({ id, name: team.name, leaderAgentId: team.leaderAgentId });
    return team;
  }

  get(id: string): Team | null {
    return this.#get.get(id) ?? null;
  }

  byName(name: string): Team | null {
    return this.#byName.get(name) ?? null;
  }

  /** By name. */
  list(): Team[] {
    return this.#list.all();
  }

  /** False if there is no such team; throws StoreError TEAM_NOT_EMPTY while active agents are in it. */
  remove(id: string): boolean {
    const members = this.#activeMembers.get(id)!;
    if (members > 0) {
      throw new StoreError('TEAM_NOT_EMPTY', `Team ${id} has ${members} active agent(s); move them first`);
    }
    return this.#delete.run(id).changes > 0;
  }

  #check(team: Team): void {
    const named = this.#byName.get(team.name);
    if (named && named.id !== team.id)
      throw new StoreError('TEAM_EXISTS', `A team named ${team.name} exists`);
    if (team.leaderAgentId !== null && !this.#agentExists.get(team.leaderAgentId)) {
      throw new StoreError('UNKNOWN_AGENT', `No agent with id ${team.leaderAgentId}`);
    }
  }
}

// ---- Agents -------------------------------------------------------------------------------------------

const AGENT_COLUMNS = `id, name, team_id AS teamId, role, endpoint, line_kind AS lineKind,
  remote_number AS remoteNumber, line_mode AS lineMode, inbound_role AS inboundRole, active,
  created_at AS createdAt, updated_at AS updatedAt`;

/** The endpoint column is NOT NULL (from before line kinds): '' there means none. */
type AgentRow = Omit<AgentRecord, 'active' | 'endpoint'> & { active: number; endpoint: string };

const decodeAgent = ({ active, endpoint, ...row }: AgentRow): AgentRecord => ({
  ...row,
  endpoint: endpoint === '' ? null : endpoint,
  active: active === 1,
});
const encodeAgent = (agent: AgentRecord): AgentRow => ({
  ...agent,
  endpoint: agent.endpoint ?? '',
  active: agent.active ? 1 : 0,
});

const lineError = (id: string, issue: { field: string; message: string }) =>
  new StoreError('INVALID_LINE', `agent ${id}: ${issue.field}: ${issue.message}`, issue.field);

/** The seats: who may log in, with which phone, in which team and hotline role. */
export class AgentRepository {
  readonly #insert;
  readonly #update;
  readonly #get;
  readonly #list;
  readonly #deactivate;
  readonly #teamExists;
  readonly #importMany;

  constructor(db: Database) {
    this.#insert = db.prepare<AgentRow>(
      `INSERT INTO agents (id, name, team_id, role, endpoint, line_kind, remote_number, line_mode,
         inbound_role, active, created_at, updated_at)
       VALUES (@id, @name, @teamId, @role, @endpoint, @lineKind, @remoteNumber, @lineMode, @inboundRole,
         @active, @createdAt, @updatedAt)`,
    );
    this.#update = db.prepare<AgentRow>(
      `UPDATE agents SET name = @name, team_id = @teamId, role = @role, endpoint = @endpoint,
         line_kind = @lineKind, remote_number = @remoteNumber, line_mode = @lineMode,
         inbound_role = @inboundRole, active = @active, updated_at = @updatedAt
       WHERE id = @id`,
    );
    this.#get = db.prepare<[string], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = ?`);
    this.#list = db.prepare<{ teamId: string | null; active: number | null }, AgentRow>(
      `SELECT ${AGENT_COLUMNS} FROM agents
       WHERE (@teamId IS NULL OR team_id = @teamId) AND (@active IS NULL OR active = @active)
       ORDER BY id`,
    );
    // A deactivated agent no longer leads a team.
    const deactivate = db.prepare<[number, string]>(
      'UPDATE agents SET active = 0, updated_at = ? WHERE id = ? AND active = 1',
    );
    const dropLeader = db.prepare<[string]>(
      'UPDATE teams SET leader_agent_id = NULL WHERE leader_agent_id = ?',
    );
    this.#deactivate = db.transaction((id: string, now: number): boolean => {
      if (deactivate.run(now, id).changes === 0) return false;
      dropLeader.run(id);
      return true;
    });
    this.#teamExists = db.prepare<[string], number>('SELECT 1 FROM teams WHERE id = ?').pluck();
    this.#importMany = db.transaction(
      (rows: readonly unknown[], now: number, prepare: (input: AgentInput) => AgentInput | string) =>
        this.#import(rows, now, prepare),
    );
  }

  /**
   * Throws StoreError AGENT_EXISTS, UNKNOWN_TEAM or INVALID_LINE (see lineIssue). The default time is for
   * seeding scripts and fixtures.
   */
  create(input: AgentInput, now = Date.now()): AgentRecord {
    if (this.#get.get(input.id)) throw new StoreError('AGENT_EXISTS', `An agent with id ${input.id} exists`);
    this.#checkTeam(input.teamId);
    const agent: AgentRecord = { ...withLineDefaults(input), active: true, createdAt: now, updatedAt: now };
    const issue = lineIssue(agent);
    if (issue) throw lineError(input.id, issue);
    this.#insert.run(encodeAgent(agent));
    return agent;
  }

  /** Null if there is no such agent; throws StoreError UNKNOWN_TEAM or INVALID_LINE (see lineIssue). */
  update(id: string, patch: AgentPatch, now: number): AgentRecord | null {
    const current = this.get(id);
    if (!current) return null;
    if (patch.teamId !== undefined) this.#checkTeam(patch.teamId);
    const agent: AgentRecord = { ...current, ...patch, updatedAt: now };
    const issue = lineIssue(agent);
    if (issue) throw lineError(id, issue);
    this.#update.run(encodeAgent(agent));
    return agent;
  }

  get(id: string): AgentRecord | null {
    const row = this.#get.get(id);
    return row ? decodeAgent(row) : null;
  }

  /** By id; every agent unless filtered. */
  list(filter: { teamId?: string; active?: boolean } = {}): AgentRecord[] {
    const active = filter.active === undefined ? null : Number(filter.active);
    return this.#list.all({ teamId: filter.teamId ?? null, active }).map(decodeAgent);
  }

  /** Soft delete: the agent's history stays for reports. False if unknown or already inactive. */
  deactivate(id: string, now: number): boolean {
    return this.#deactivate(id, now);
  }

  /**
   * Upserts rows by id in one transaction. Each row is validated with agentInputSchema, then given to
   * `prepare` (the caller's own checks: a message refuses the row); good rows are written, bad ones
   * reported with why. An existing agent keeps its active flag and creation time.
   */
  importMany(
    rows: readonly unknown[],
    now: number,
    prepare: (input: AgentInput) => AgentInput | string = (input) => input,
  ): ImportResult {
    return this.#importMany(rows, now, prepare);
  }

  #import(
    rows: readonly unknown[],
    now: number,
    prepare: (input: AgentInput) => AgentInput | string,
  ): ImportResult {
    const result: ImportResult = { created: 0, updated: 0, errors: [] };
    const seen = new Map<string, number>();
    rows.forEach((raw, index) => {
      const row = index + 1;
      const parsed = agentInputSchema.safeParse(raw);
      if (!parsed.success) {
        const message = parsed.error.issues
          .map((i) => `${i.path.map(String).join('.') || 'row'}: ${i.message}`)
          .join('; ');
        result.errors.push({ row, message });
        return;
      }
      const prepared = prepare(parsed.data);
      if (typeof prepared === 'string') {
        result.errors.push({ row, message: prepared });
        return;
      }
      const input = withLineDefaults(prepared);
      const earlier = seen.get(input.id);
      if (earlier !== undefined) {
        result.errors.push({ row, message: `id ${input.id} already appears in row ${earlier}` });
        return;
      }
      if (input.teamId !== null && !this.#teamExists.get(input.teamId)) {
        result.errors.push({ row, message: `teamId: no team ${input.teamId}` });
        return;
      }
      seen.set(input.id, row);
      const current = this.get(input.id);
      if (current) {
        this.#update.run(encodeAgent({ ...current, ...input, updatedAt: now }));
        result.updated++;
      } else {
        this.#insert.run(encodeAgent({ ...input, active: true, createdAt: now, updatedAt: now }));
        result.created++;
      }
    });
    return result;
  }

  #checkTeam(teamId: string | null): void {
    if (teamId !== null && !this.#teamExists.get(teamId)) {
      throw new StoreError('UNKNOWN_TEAM', `No team with id ${teamId}`);
    }
  }
}

// ---- State log ----------------------------------------------------------------------------------------

export interface AgentLogEntry {
  agentId: string;
  at: number;
  fromState: AgentStateName;
  /** The event type that made the move (login, reserve, hangup, ...). */
  event: string;
  toState: AgentStateName;
  reason: NotReadyReason | null;
  callId: string | null;
  /** Who asked: an API key, or the service part that decided (queue, line supervision, timer). */
  by: string;
}

const LOG_COLUMNS = `agent_id AS agentId, at, from_state AS fromState, event, to_state AS toState, reason,
  call_id AS callId, "by"`;

/** Every state change of every agent, kept for attendance (see AgentRoster.attendance) and reports. */
export class AgentLogRepository {
  readonly #add;
  readonly #window;
  readonly #lastBefore;

  constructor(db: Database) {
    this.#add = db.prepare<AgentLogEntry>(
      `INSERT INTO agent_state_log (agent_id, at, from_state, event, to_state, reason, call_id, "by")
       VALUES (@agentId, @at, @fromState, @event, @toState, @reason, @callId, @by)`,
    );
    this.#window = db.prepare<[string, number, number], AgentLogEntry>(
      `SELECT ${LOG_COLUMNS} FROM agent_state_log WHERE agent_id = ? AND at >= ? AND at < ? ORDER BY at, id`,
    );
    this.#lastBefore = db.prepare<[string, number], AgentLogEntry>(
      `SELECT ${LOG_COLUMNS} FROM agent_state_log WHERE agent_id = ? AND at < ?
       ORDER BY at DESC, id DESC LIMIT 1`,
    );
  }

  add(entry: AgentLogEntry): void {
    this.#add.run(entry);
  }

  /** Changes in [from, to), oldest first. */
  forAgent(agentId: string, from: number, to: number): AgentLogEntry[] {
    return this.#window.all(agentId, from, to);
  }

  /** The agent's latest change (their last known state), if any. */
  latest(agentId: string): AgentLogEntry | undefined {
    return this.#lastBefore.get(agentId, Number.MAX_SAFE_INTEGER);
  }

  /** Changes in [from, to), oldest first, led by the last change before `from` (the state at `from`). */
  window(agentId: string, from: number, to: number): AgentLogEntry[] {
    const before = this.#lastBefore.get(agentId, from);
    const entries = this.forAgent(agentId, from, to);
    return before ? [before, ...entries] : entries;
  }
}
