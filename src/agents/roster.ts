import type { Logger } from 'pino';
import { CsvError } from '../lib/csv.js';
import type { AgentInput, AgentPatch, AgentRecord, ImportResult, Store, Team } from '../store/index.js';
import { type Attendance, attendanceFromLog } from './attendance.js';
import { agentRowsFromCsv } from './import-csv.js';
import { linePatch } from './line.js';

/** Import size limit: far above a center's roster, low enough to keep one transaction short. */
export const MAX_AGENT_IMPORT_ROWS = 5_000;

/** An agents import the roster refuses whole: a CSV that cannot be read, or too many rows. */
export class AgentImportError extends Error {
  override readonly name = 'AgentImportError';
}

/** What changed in the roster, told to listeners once the live seats are reloaded. */
export type RosterChange =
  | { kind: 'team'; teamId: string; change: 'created' | 'updated' | 'deleted' }
  | { kind: 'agent'; agentId: string; change: 'created' | 'updated' | 'deactivated' }
  | { kind: 'import'; created: number; updated: number };

export interface AgentRosterDeps {
  store: Store;
  /** The live seats (AgentService): told after every change, so it applies to the very next call. */
  seats: { reload(): Promise<void> };
  logger: Logger;
  now: () => number;
  /**
   * A remote line's number as written (national, +, spaces) to E.164, or why it is none: the leads'
   * rules with the center's default country (src/leads/phone.ts, given by the wiring). Default: E.164 only.
   */
  normalizeNumber?: (raw: string) => { ok: true; e164: string } | { ok: false; reason: string };
}

/** A remote line's number written other than in E.164, refused without the wiring's normalizer. */
const e164Only = (raw: string) =>
  /^\+[1-9]\d{6,14}$/.test(raw.replace(/[\s-]/g, ''))
    ? { ok: true as const, e164: raw.replace(/[\s-]/g, '') }
    : { ok: false as const, reason: 'expected an international number such as +8613812345678' };

/** An agent's line given as the roster refuses it: a remote number that is no phone number (400). */
export class AgentLineError extends Error {
  override readonly name = 'AgentLineError';
  readonly code = 'INVALID_REMOTE_NUMBER';
}

/**
 * Teams and agent seats as stored: every write goes through here, is checked by the store (names and
 * ids taken, unknown references), reloads the live seats, is logged and told to listeners. Also answers
 * an agent's attendance from the state log.
 */
export class AgentRoster {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly listeners = new Set<(change: RosterChange) => void>();

  constructor(private readonly deps: AgentRosterDeps) {
    this.store = deps.store;
    this.log = deps.logger.child({ component: 'roster' });
  }

  onChange(listener: (change: RosterChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- teams -------------------------------------------------------------------------------------------

  /** By name. */
  teams(): Team[] {
    return this.store.teams.list();
  }

  /** Throws StoreError TEAM_EXISTS or UNKNOWN_AGENT (the leader). */
  async createTeam(
    input: { id?: string; name: string; leaderAgentId?: string | null },
    by: string,
  ): Promise<Team> {
    const team = this.store.teams.create(input, this.deps.now());
    this.log.info({ teamId: team.id, name: team.name, by }, 'team created');
    await this.changed({ kind: 'team', teamId: team.id, change: 'created' });
    return team;
  }

  /** Null if there is no such team; throws like createTeam. */
  async updateTeam(
    id: string,
    patch: { name?: string; leaderAgentId?: string | null },
    by: string,
  ): Promise<Team | null> {
    const team = this.store.teams.update(id, patch);
    if (!team) return null;
    this.log.info({ teamId: id, ...patch, by }, 'team updated');
    await this.changed({ kind: 'team', teamId: id, change: 'updated' });
    return team;
  }

  /** False if there is no such team; throws StoreError TEAM_NOT_EMPTY while active agents are in it. */
  async removeTeam(id: string, by: string): Promise<boolean> {
    if (!this.store.teams.remove(id)) return false;
    this.log.info({ teamId: id, by }, 'team deleted');
    await this.changed({ kind: 'team', teamId: id, change: 'deleted' });
    return true;
  }

  // --- agents ------------------------------------------------------------------------------------------

  /** The stored seat, deactivated ones included. */
  agent(id: string): AgentRecord | null {
    return this.store.agents.get(id);
  }

  /**
   * Throws StoreError AGENT_EXISTS, UNKNOWN_TEAM or INVALID_LINE (line fields that do not fit), or
   * AgentLineError (a remote number that is no phone number).
   */
  async createAgent(input: AgentInput, by: string): Promise<AgentRecord> {
    const agent = this.store.agents.create(this.withNumber(input), this.deps.now());
    this.log.info({ agentId: agent.id, by }, 'agent created');
    await this.changed({ kind: 'agent', agentId: agent.id, change: 'created' });
    return agent;
  }

  /**
   * Only the fields given change; a new line kind clears the old kind's fields (see linePatch). Null if
   * there is no such agent; throws like createAgent. `active: false` deactivates, with its keys revoked
   * as by deactivateAgent.
   */
  async updateAgent(id: string, patch: AgentPatch, by: string): Promise<AgentRecord | null> {
    const now = this.deps.now();
    const current = this.store.agents.get(id);
    if (!current) return null;
    const agent = this.store.agents.update(id, this.withNumber(linePatch(current, patch)), now);
    if (!agent) return null;
    if (!agent.active) this.revokeKeys(id, now, by);
    this.log.info({ agentId: id, fields: Object.keys(patch), by }, 'agent updated');
    await this.changed({ kind: 'agent', agentId: id, change: 'updated' });
    return agent;
  }

  /**
   * Soft delete: the agent can no longer log in or take calls, and no longer leads a team. Every
   * credential linked to it stops at once: its API keys are revoked (for good: a reactivated agent gets
   * new ones), and its people's sessions end (the listeners; sign-in is refused while it is inactive).
   * Null if there is no such agent; false if it was inactive already (its keys are revoked again anyway).
   */
  async deactivateAgent(id: string, by: string): Promise<boolean | null> {
    if (!this.store.agents.get(id)) return null;
    const now = this.deps.now();
    const deactivated = this.store.agents.deactivate(id, now);
    this.revokeKeys(id, now, by);
    if (!deactivated) return false;
    this.log.info({ agentId: id, by }, 'agent deactivated');
    await this.changed({ kind: 'agent', agentId: id, change: 'deactivated' });
    return true;
  }

  /**
   * Upserts agents by id: rows as for createAgent, or the text of a CSV file (see agentRowsFromCsv; its
   * team column may name a team by id or name). Good rows are written in one transaction, bad ones
   * reported by row. Throws AgentImportError, importing nothing, for a CSV that cannot be read or more
   * than MAX_AGENT_IMPORT_ROWS rows.
   */
  async importAgents(input: readonly unknown[] | string, by: string): Promise<ImportResult> {
    const rows = typeof input === 'string' ? this.csvRows(input) : input;
    const result = this.store.agents.importMany(rows, this.deps.now(), (row) => {
      try {
        return this.withNumber(row);
      } catch (err) {
        if (err instanceof AgentLineError) return err.message;
        throw err;
      }
    });
    this.log.info(
      { created: result.created, updated: result.updated, rejected: result.errors.length, by },
      'agents imported',
    );
    if (result.created + result.updated > 0) {
      await this.changed({ kind: 'import', created: result.created, updated: result.updated });
    }
    return result;
  }

  /**
   * Time per state in [from, to) from the state log; a window reaching into the future stops at now.
   * Null for an unknown agent (deactivated ones have attendance).
   */
  attendance(agentId: string, from: number, to: number): Attendance | null {
    if (!this.store.agents.get(agentId)) return null;
    const end = Math.min(to, this.deps.now());
    return attendanceFromLog(this.store.agentLog.window(agentId, from, end), from, end);
  }

  /** The seat or edit with its remote number in E.164; throws AgentLineError for one that is none. */
  private withNumber<T extends { remoteNumber?: string | null }>(input: T): T {
    if (!input.remoteNumber) return input;
    const normalized = (this.deps.normalizeNumber ?? e164Only)(input.remoteNumber);
    if (!normalized.ok) throw new AgentLineError(`remoteNumber: ${normalized.reason}`);
    return { ...input, remoteNumber: normalized.e164 };
  }

  private csvRows(text: string): Record<string, string>[] {
    let rows: Record<string, string>[];
    try {
      rows = agentRowsFromCsv(text, (team) => this.store.teams.byName(team)?.id ?? team);
    } catch (err) {
      if (err instanceof CsvError) throw new AgentImportError(err.message);
      throw err;
    }
    if (rows.length > MAX_AGENT_IMPORT_ROWS) {
      throw new AgentImportError(`${rows.length} rows; at most ${MAX_AGENT_IMPORT_ROWS} per import`);
    }
    return rows;
  }

  /** An inactive agent's API keys are revoked: no credential outlives the seat. */
  private revokeKeys(agentId: string, now: number, by: string): void {
    const keysRevoked = this.store.apiKeys.revokeForAgent(agentId, now);
    if (keysRevoked > 0) this.log.info({ agentId, keysRevoked, by }, "agent's api keys revoked");
  }

  /** The live seats first (the caller's answer must already hold), then the listeners. */
  private async changed(change: RosterChange): Promise<void> {
    await this.deps.seats.reload();
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error({ err, change }, 'roster change listener failed');
      }
    }
  }
}

/**
 * Teams an agent leads (a team-leader key's scope): those naming it as leader, and its own team when its
 * seat has the team-leader role and is active. A function of the store, as the API's auth layer asks it
 * on every request of a team leader.
 */
export function teamsLedBy(store: Pick<Store, 'teams' | 'agents'>, agentId: string): string[] {
  const led = new Set<string>();
  for (const team of store.teams.list()) if (team.leaderAgentId === agentId) led.add(team.id);
  const own = store.agents.get(agentId);
  if (own?.active && own.role === 'team-leader' && own.teamId !== null) led.add(own.teamId);
  return [...led];
}
