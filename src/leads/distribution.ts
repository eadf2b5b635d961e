import { setImmediate as nextTurn } from 'node:timers/promises';
import { WAITING_LEAD_STATES } from '../store/dialer.js';
import type { Store } from '../store/index.js';

/** Leads of one place in the distribution: the pool (team and agent null), a team's unassigned, an agent's. */
export interface DistributionRow {
  teamId: string | null;
  agentId: string | null;
  total: number;
  /** new, retry and callback: leads still to be dialed. */
  waiting: number;
  byState: Record<string, number>;
}

export interface LeadSummary {
  total: number;
  byState: Record<string, number>;
  distribution: DistributionRow[];
}

const WAITING_STATES = new Set<string>(WAITING_LEAD_STATES);

/**
 * A campaign's leads counted by state and by where they sit: the shared pool, each team's unassigned
 * batch, each agent's. `teamIds` limits it to those teams (a team leader's view); null counts all.
 */
export function leadSummary(
  store: Store,
  campaignId: string,
  teamIds: readonly string[] | null = null,
): LeadSummary {
  const rows = store.db
    .prepare<[string], { teamId: string | null; agentId: string | null; state: string; n: number }>(
      `SELECT team_id AS teamId, agent_id AS agentId, state, count(*) AS n FROM leads WHERE campaign_id = ?
       GROUP BY team_id, agent_id, state ORDER BY team_id IS NOT NULL, team_id, agent_id IS NOT NULL, agent_id`,
    )
    .all(campaignId);
  const summary: LeadSummary = { total: 0, byState: {}, distribution: [] };
  const places = new Map<string, DistributionRow>();
  for (const r of rows) {
    if (teamIds !== null && (r.teamId === null || !teamIds.includes(r.teamId))) continue;
    const key = `${r.teamId ?? ''}\u0000${r.agentId ?? ''}`;
    let place = places.get(key);
    if (!place) {
      place = { teamId: r.teamId, agentId: r.agentId, total: 0, waiting: 0, byState: {} };
      places.set(key, place);
      summary.distribution.push(place);
    }
    place.total += r.n;
    place.byState[r.state] = (place.byState[r.state] ?? 0) + r.n;
    if (WAITING_STATES.has(r.state)) place.waiting += r.n;
    summary.total += r.n;
    summary.byState[r.state] = (summary.byState[r.state] ?? 0) + r.n;
  }
  return summary;
}

/** How many leads a list query matches (for paging). */
export function countLeads(
  store: Store,
  filter: { campaignId: string; state?: string; teamId?: string; agentId?: string },
): number {
  const where = ['campaign_id = @campaignId'];
  if (filter.state) where.push('state = @state');
  if (filter.agentId) where.push('agent_id = @agentId');
  if (filter.teamId) where.push('team_id = @teamId');
  return store.db
    .prepare(`SELECT count(*) FROM leads WHERE ${where.join(' AND ')}`)
    .pluck()
    .get({ state: null, teamId: null, agentId: null, ...filter }) as number;
}

/** Leads moved per step by assignLeads and unassignLeads: each step is one short transaction. */
export const DISTRIBUTION_STEP = 2_000;

/** At most this many leads move in one assign request. */
export const MAX_ASSIGN = 50_000;

/**
 * Gives up to `count` new leads of the pool (or, with fromTeamOnly, of the team's unassigned batch) to a
 * team or an agent (see LeadRepository.assign), in steps of DISTRIBUTION_STEP with a turn of the event
 * loop in between, so a large batch never holds calls up. Resolves with how many moved.
 */
export async function assignLeads(
  store: Store,
  campaignId: string,
  to: { teamId: string; agentId?: string },
  count: number,
  now: number,
  fromTeamOnly: boolean,
): Promise<number> {
  let moved = 0;
  while (moved < count) {
    const step = Math.min(DISTRIBUTION_STEP, count - moved);
    const n = store.leads.assign(campaignId, to, step, now, fromTeamOnly);
    moved += n;
    if (n < step) break;
    await nextTurn();
  }
  return moved;
}

/** LeadRepository.unassign in steps of DISTRIBUTION_STEP, with a turn of the event loop in between. */
export async function unassignLeads(
  store: Store,
  campaignId: string,
  from: { teamId?: string; agentId?: string },
  now: number,
): Promise<number> {
  let moved = 0;
  for (;;) {
    const n = store.leads.unassign(campaignId, from, now, DISTRIBUTION_STEP);
    moved += n;
    if (n < DISTRIBUTION_STEP) return moved;
    await nextTurn();
  }
}
