import type { Role } from '../store/index.js';

/**
 * What limits a caller beyond its role, per route:
 * - `public`: no credentials at all (health, metrics, sign-in);
 * - `center`: whoever passes the role gate sees the whole center (flows, campaigns, team names, callers
 *   waiting: nothing about one agent);
 * - `team`: the agent scope (agentScopeFor): admin and supervisor every agent, a team leader the agents of
 *   the teams it leads, an agent itself. Objects of an agent or team out of scope are refused (an agent
 *   id in the path: 403, see visibleAgent) or left out (lists, per-agent figures, events); recordings
 *   follow the same rule with QA seeing every team (recordingScope);
 * - `self`: the caller's own (its session, its key, the call it is on).
 */
export type RouteScope = 'public' | 'center' | 'team' | 'self';

export interface RouteAccess {
  /** The roles allowed besides admin (admin may do everything); empty: admin only. */
  roles: readonly Exclude<Role, 'admin'>[];
  scope: RouteScope;
}

const ANY = ['supervisor', 'team-leader', 'qa', 'agent'] as const;
const SUPERVISOR = ['supervisor'] as const;
const VIEWERS = ['supervisor', 'team-leader'] as const;
const SCOPED = ['supervisor', 'team-leader', 'agent'] as const;
const QA_READERS = ['supervisor', 'team-leader', 'qa'] as const;
const ADMIN_ONLY = [] as const;
/** A person's own line (an agent's or a team leader's): the softphone's SIP credentials. */
const OWN_LINE = ['team-leader', 'agent'] as const;

const at = (roles: RouteAccess['roles'], scope: RouteScope): RouteAccess => ({ roles, scope });

/**
 * Every route of the API, `METHOD /path` as the OpenAPI document names it: who may call it and which
 * scope applies. The tested truth (test/api/route-access.test.ts): a route missing here, or an entry for a
 * route that is gone, fails the suite, and each role's gate must answer as the table says.
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /healthz': at(ANY, 'public'),
  'GET /readyz': at(ANY, 'public'),
  'GET /metrics': at(ANY, 'public'),

  'POST /v1/keys': at(ADMIN_ONLY, 'center'),
  'GET /v1/keys': at(ADMIN_ONLY, 'center'),
  'DELETE /v1/keys/{id}': at(ADMIN_ONLY, 'center'),
  'GET /v1/whoami': at(ANY, 'self'),

  'POST /v1/auth/login': at(ANY, 'public'),
  'POST /v1/auth/logout': at(ANY, 'self'),
  'GET /v1/auth/session': at(ANY, 'self'),
  'POST /v1/auth/password': at(ANY, 'self'),
  'POST /v1/auth/sign-out-everywhere': at(ANY, 'self'),
  'POST /v1/accounts': at(ADMIN_ONLY, 'center'),
  'GET /v1/accounts': at(ADMIN_ONLY, 'center'),
  'GET /v1/accounts/{id}': at(ADMIN_ONLY, 'center'),
  'PATCH /v1/accounts/{id}': at(ADMIN_ONLY, 'center'),
  'POST /v1/accounts/{id}/password': at(ADMIN_ONLY, 'center'),
  'POST /v1/accounts/{id}/sign-out': at(ADMIN_ONLY, 'center'),

  'PUT /v1/ivr/prompts/{name}': at(SUPERVISOR, 'center'),
  'DELETE /v1/ivr/prompts/{name}': at(SUPERVISOR, 'center'),
  'GET /v1/ivr/prompts': at(VIEWERS, 'center'),
  'GET /v1/ivr/flows': at(VIEWERS, 'center'),
  'GET /v1/ivr/flows/{name}': at(VIEWERS, 'center'),
  'PUT /v1/ivr/flows/{name}': at(SUPERVISOR, 'center'),
  'GET /v1/ivr/flows/{name}/versions/{version}': at(VIEWERS, 'center'),
  'GET /v1/ivr/sessions/live': at(VIEWERS, 'center'),
  'GET /v1/ivr/stats/today': at(VIEWERS, 'center'),
  // Voice messages are recordings of callers, heard by QA and supervisors of the whole center.
  'GET /v1/ivr/messages': at(['supervisor', 'qa'], 'center'),
  'GET /v1/ivr/callbacks': at(VIEWERS, 'center'),

  'GET /v1/teams': at(VIEWERS, 'center'),
  'POST /v1/teams': at(ADMIN_ONLY, 'center'),
  'PATCH /v1/teams/{id}': at(ADMIN_ONLY, 'center'),
  'DELETE /v1/teams/{id}': at(ADMIN_ONLY, 'center'),
  'GET /v1/agents': at(SCOPED, 'team'),
  'POST /v1/agents': at(ADMIN_ONLY, 'center'),
  'GET /v1/agents/{id}': at(SCOPED, 'team'),
  'PATCH /v1/agents/{id}': at(ADMIN_ONLY, 'center'),
  'DELETE /v1/agents/{id}': at(ADMIN_ONLY, 'center'),
  'POST /v1/agents/import': at(ADMIN_ONLY, 'center'),
  'POST /v1/agents/{id}/state': at(SCOPED, 'team'),
  'GET /v1/agents/{id}/attendance': at(SCOPED, 'team'),
  // The callers waiting (masked): every team's agents take hotline calls.
  'GET /v1/hotline/queue': at(SCOPED, 'center'),
  // Hotline totals for the center; perAgent only the agents in scope.
  'GET /v1/hotline/kpis/today': at(VIEWERS, 'team'),
  'GET /v1/events': at(ANY, 'team'),

  // Faxes are the center's, sent and read by whoever works the phones (docs/fax.md).
  'POST /v1/faxes': at(SCOPED, 'center'),
  'GET /v1/faxes': at(SCOPED, 'center'),
  'GET /v1/faxes/{id}': at(SCOPED, 'center'),
  'GET /v1/faxes/{id}/pdf': at(SCOPED, 'center'),
  'POST /v1/faxes/{id}/retry': at(SCOPED, 'center'),
  'GET /v1/recordings': at(ANY, 'team'),
  'GET /v1/recordings/{id}': at(ANY, 'team'),
  'GET /v1/recordings/{id}/audio': at(ANY, 'team'),
  'PUT /v1/recordings/{id}/legal-hold': at(SUPERVISOR, 'center'),
  // Agents and team leaders on their own call only; supervisors on any.
  'POST /v1/calls/{callId}/recording/{action}': at(SCOPED, 'self'),
  'GET /v1/audit': at(ADMIN_ONLY, 'center'),
  'POST /v1/qa/forms': at(ADMIN_ONLY, 'center'),
  'GET /v1/qa/forms': at(QA_READERS, 'center'),
  'GET /v1/qa/forms/{id}': at(QA_READERS, 'center'),
  'POST /v1/qa/sample': at(['supervisor', 'qa'], 'center'),
  'GET /v1/qa/tasks': at(QA_READERS, 'team'),
  'POST /v1/qa/scores': at(QA_READERS, 'team'),
  'GET /v1/qa/reports': at(QA_READERS, 'team'),

  'POST /v1/campaigns/{id}/leads/imports': at(SUPERVISOR, 'center'),
  'GET /v1/campaigns/{id}/leads/imports': at(SUPERVISOR, 'center'),
  'GET /v1/lead-imports/{importId}': at(SUPERVISOR, 'center'),
  'GET /v1/lead-imports/{importId}/errors': at(SUPERVISOR, 'center'),
  'GET /v1/campaigns/{id}/leads': at(VIEWERS, 'team'),
  'GET /v1/campaigns/{id}/leads/summary': at(VIEWERS, 'team'),
  'POST /v1/campaigns/{id}/leads/assign': at(VIEWERS, 'team'),
  'POST /v1/campaigns/{id}/leads/unassign': at(VIEWERS, 'team'),
  'POST /v1/campaigns/{id}/leads/purge': at(SUPERVISOR, 'center'),
  'GET /v1/lead-purges': at(SUPERVISOR, 'center'),
  'GET /v1/dnc/global': at(SUPERVISOR, 'center'),
  'POST /v1/dnc/global': at(SUPERVISOR, 'center'),
  'DELETE /v1/dnc/global/{phone}': at(SUPERVISOR, 'center'),
  'POST /v1/dnc/global/import': at(SUPERVISOR, 'center'),
  'GET /v1/campaigns/{id}/dnc': at(SUPERVISOR, 'center'),
  'POST /v1/campaigns/{id}/dnc': at(SUPERVISOR, 'center'),
  'DELETE /v1/campaigns/{id}/dnc/{phone}': at(SUPERVISOR, 'center'),
  'POST /v1/campaigns/{id}/dnc/import': at(SUPERVISOR, 'center'),

  'POST /v1/sms/campaigns': at(SUPERVISOR, 'center'),
  'GET /v1/sms/campaigns': at(SUPERVISOR, 'center'),
  'GET /v1/sms/campaigns/{id}': at(SUPERVISOR, 'center'),
  'POST /v1/sms/campaigns/{id}/recipients': at(SUPERVISOR, 'center'),
  'POST /v1/sms/campaigns/{id}/recipients/csv': at(SUPERVISOR, 'center'),
  'POST /v1/sms/campaigns/{id}/start': at(SUPERVISOR, 'center'),
  'POST /v1/sms/campaigns/{id}/pause': at(SUPERVISOR, 'center'),
  'GET /v1/sms/campaigns/{id}/messages': at(SUPERVISOR, 'center'),
  // Any template to any number: supervisors. An agent sends a set template to the lead of its own last
  // call (the service checks the lead's latest attempt), and reads only such messages.
  'POST /v1/sms/messages': at(SUPERVISOR, 'center'),
  'GET /v1/sms/agent-templates': at(SCOPED, 'center'),
  'POST /v1/sms/agent-messages': at(SCOPED, 'self'),
  'GET /v1/sms/messages/{id}': at(SCOPED, 'self'),
  'POST /v1/sms/messages/{id}/resolve': at(SUPERVISOR, 'center'),
  'GET /v1/sms/opt-outs': at(SUPERVISOR, 'center'),
  'POST /v1/sms/opt-outs': at(SUPERVISOR, 'center'),
  'DELETE /v1/sms/opt-outs/{phone}': at(SUPERVISOR, 'center'),

  'GET /v1/campaigns': at(VIEWERS, 'center'),
  'POST /v1/campaigns': at(SUPERVISOR, 'center'),
  'GET /v1/campaigns/{id}': at(VIEWERS, 'center'),
  'PATCH /v1/campaigns/{id}': at(SUPERVISOR, 'center'),
  'POST /v1/campaigns/{id}/state': at(SUPERVISOR, 'center'),
  // Campaign totals for the center; perAgent only the agents in scope.
  'GET /v1/campaigns/{id}/stats': at(VIEWERS, 'team'),
  'GET /v1/agents/{id}/preview': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/preview/accept': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/preview/skip': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/dialer/hangup': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/disposition': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/dialer/dnc': at(SCOPED, 'team'),
  'GET /v1/agents/{id}/workspace': at(SCOPED, 'team'),
  'GET /v1/agents/{id}/callbacks': at(SCOPED, 'team'),
  'GET /v1/agents/{id}/stats/today': at(SCOPED, 'team'),
  'GET /v1/agents/{id}/calls/recent': at(SCOPED, 'team'),
  'GET /v1/agents/{id}/softphone': at(OWN_LINE, 'self'),
  'POST /v1/agents/{id}/softphone/rotate': at(OWN_LINE, 'self'),
  'GET /v1/agents/{id}/hotline/offer': at(SCOPED, 'team'),
  'GET /v1/agents/{id}/call': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/call/hold': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/call/resume': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/call/dtmf': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/call/hangup': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/call/transfer': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/call/transfer/complete': at(SCOPED, 'team'),
  'POST /v1/agents/{id}/call/transfer/cancel': at(SCOPED, 'team'),
};

/** The roles the table allows on a route besides admin; throws for a route it does not name. */
export function routeRoles(route: string): readonly Role[] {
  const access = ROUTE_ACCESS[route];
  if (!access) throw new Error(`route-access: no entry for ${route}`);
  return access.roles;
}
