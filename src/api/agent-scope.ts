import type { FastifyRequest } from 'fastify';
import { HttpError } from './plugins/errors.js';
import type { AgentScopeFilter, Principal } from './types.js';

/** What the scope rules need to know about an agent. */
export interface ScopedAgent {
  id: string;
  teamId: string | null;
}

/**
 * Which agents a caller may see and act for, beyond what the route's roles allow: admin and supervisor
 * every agent (null); anyone linked to an agent, that agent; a team leader, the agents of the teams they
 * lead. Worked out once per request by the auth plugin (request.agentScope).
 */
export function agentScopeFor(
  principal: Principal,
  teamsLedBy: (agentId: string) => readonly string[],
): AgentScopeFilter | null {
  if (principal.role === 'admin' || principal.role === 'supervisor') return null;
  const { role, agentId } = principal;
  return { agentId, teamIds: role === 'team-leader' && agentId !== null ? teamsLedBy(agentId) : [] };
}

/** The caller's scope as a test on agents. */
export function agentScope(request: FastifyRequest): (agent: ScopedAgent) => boolean {
  const filter = request.agentScope;
  if (filter === null) return () => true;
  return (agent) => inAgentScope(filter, agent);
}

/** Throws 403 unless the caller may see and act for the agent. */
export function assertAgentInScope(request: FastifyRequest, agent: ScopedAgent): void {
  if (!agentScope(request)(agent))
    throw new HttpError(403, 'FORBIDDEN', `You may not see or act for agent ${agent.id}`);
}

/** The agent (from `directory`) if the caller may see and act for it: 404 unknown, 403 out of scope. */
export function visibleAgent<A extends ScopedAgent>(
  request: FastifyRequest,
  directory: { get(id: string): A | undefined },
  id: string,
): A {
  const agent = directory.get(id);
  if (!agent) throw new HttpError(404, 'AGENT_NOT_FOUND', `No agent with id ${id}`);
  assertAgentInScope(request, agent);
  return agent;
}

/** Looks an agent up by id (the live seats): its team decides whether a team leader sees it. */
export interface AgentLookup {
  get(id: string): ScopedAgent | undefined;
}

/**
 * The caller's scope as a test on agent ids: the agent's team is looked up in `directory` (its team
 * now; an agent it does not know, e.g. deactivated, has no team and only its own key sees it). Every
 * per-agent figure and every event goes through this or agentScope, so one rule decides who sees whom.
 */
export function agentIdScope(
  filter: AgentScopeFilter | null,
  directory: AgentLookup,
): (agentId: string | null, teamId?: string | null) => boolean {
  if (filter === null) return () => true;
  return (id, teamId) =>
    inAgentScope(filter, {
      id,
      teamId: teamId !== undefined ? teamId : ((id && directory.get(id)?.teamId) ?? null),
    });
}

/** Per-agent rows (figures, KPIs) cut to the agents the caller may see. */
export function scopedRows<R extends { agentId: string }>(
  request: FastifyRequest,
  directory: AgentLookup,
  rows: readonly R[],
): R[] {
  const visible = agentIdScope(request.agentScope, directory);
  return rows.filter((row) => visible(row.agentId));
}

/** The teams the caller leads; null when it sees every team (supervisors and admins). */
export function ledTeams(request: FastifyRequest): readonly string[] | null {
  return request.agentScope?.teamIds ?? null;
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
