import type { Store } from '../store/index.js';
import { HttpError } from './plugins/errors.js';
import type { Principal } from './types.js';

/** What the scope rules need to know about an agent. */
export interface ScopedAgent {
  id: string;
  teamId: string | null;
}

/** The agents a limited caller may see: its own agent's, and those of the teams it leads. */
export interface AgentScopeFilter {
  agentId: string | null;
  teamIds: readonly string[];
}

/**
 * Which agents the caller may see and act for, beyond what the route's roles allow: admin and supervisor
 * every agent; anyone linked to an agent, that agent; a team leader, the agents of the teams they lead.
 * Built once per request, as it reads the store.
 */
export function agentScope(store: Store, principal: Principal): (agent: ScopedAgent) => boolean {
  const filter = agentScopeFilter(store, principal);
  if (filter === null) return () => true;
  return (agent) => inAgentScope(filter, agent);
}

/** Throws 403 unless the caller may see and act for the agent. */
export function assertAgentInScope(store: Store, principal: Principal, agent: ScopedAgent): void {
  if (!agentScope(store, principal)(agent))
    throw new HttpError(403, 'FORBIDDEN', `You may not see or act for agent ${agent.id}`);
}

/** The agent (from `directory`) if the caller may see and act for it: 404 unknown, 403 out of scope. */
export function visibleAgent<A extends ScopedAgent>(
  store: Store,
  principal: Principal,
  directory: { get(id: string): A | undefined },
  id: string,
): A {
  const agent = directory.get(id);
  if (!agent) throw new HttpError(404, 'AGENT_NOT_FOUND', `No agent with id ${id}`);
  assertAgentInScope(store, principal, agent);
  return agent;
}

/** The same rule as data, for queries: null means every agent. */
export function agentScopeFilter(store: Store, principal: Principal): AgentScopeFilter | null {
  if (principal.role === 'admin' || principal.role === 'supervisor') return null;
  return { agentId: principal.agentId, teamIds: [...ledTeams(store, principal)] };
}

/** Also takes a record made without an agent (id null): then only its team counts. */
export function inAgentScope(
  filter: AgentScopeFilter,
  agent: { id: string | null; teamId: string | null },
): boolean {
  return (
    (filter.agentId !== null && agent.id === filter.agentId) ||
    (agent.teamId !== null && filter.teamIds.includes(agent.teamId))
  );
}

/**
 * Teams a team-leader key leads: those naming its agent as leader, and its agent's own team when that
 * agent's seat has the team-leader role.
 */
function ledTeams(store: Store, { role, agentId }: Principal): Set<string> {
  const led = new Set<string>();
  if (role !== 'team-leader' || agentId === null) return led;
  for (const team of store.teams.list()) if (team.leaderAgentId === agentId) led.add(team.id);
  const own = store.agents.get(agentId);
  if (own?.active && own.role === 'team-leader' && own.teamId !== null) led.add(own.teamId);
  return led;
}
