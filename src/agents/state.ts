/**
 * Agent states and the one table of legal moves between them. Everything that changes an agent's state
 * (REST, the hotline queue, the dialer, line supervision, timers) goes through `transition`, which either
 * returns the new state or refuses the move; the caller logs `from -event-> to` and keeps the record.
 */

export const AGENT_STATES = ['logged-out', 'ready', 'reserved', 'on-call', 'wrap-up', 'not-ready'] as const;
export type AgentStateName = (typeof AGENT_STATES)[number];

/**
 * Not-ready reasons the service sets itself: at login, after a call, when the agent's line drops or they
 * miss offers. A person never gives them; the center's own reasons (`agents.notReadyReasons`) are theirs.
 */
export const SERVICE_NOT_READY_REASONS = ['login', 'after-call', 'line-dropped', 'missed-calls'] as const;
export type ServiceNotReadyReason = (typeof SERVICE_NOT_READY_REASONS)[number];

/** Why an agent is not ready: one of the service's reasons or a code of the center's (see reasons.ts). */
export type NotReadyReason = string;

export type AgentEvent =
  /** The agent logged in (their line, if persistent, is up): not ready until they say so. */
  | { type: 'login' }
  | { type: 'ready' }
  | { type: 'not-ready'; reason: NotReadyReason }
  /** Offered a call or a lead. */
  | { type: 'reserve'; callId: string }
  /** The offer did not turn into a call (caller left, no answer, lead skipped). */
  | { type: 'release' }
  | { type: 'connect'; callId: string }
  /** The call ended: timed after-call work starts. */
  | { type: 'hangup' }
  | { type: 'wrap-up-done' }
  /**
   * The wrap-up time ran out while the call still owes a disposition its campaign wants from the agent:
   * they stay in wrap-up (same call, same start) until they give it.
   */
  | { type: 'wrap-up-expired' }
  | { type: 'logout' }
  /** The persistent line dropped, or the agent's phone failed. */
  | { type: 'line-dropped' };

export interface AgentState {
  state: AgentStateName;
  /** Set while not-ready. */
  reason?: NotReadyReason;
  /** The call offered or connected (reserved, on-call, wrap-up). */
  callId?: string;
  /** When this state began (epoch ms). */
  since: number;
}

export type TransitionResult = { ok: true; next: AgentState } | { ok: false; error: string };

const LOGGED_IN: AgentStateName[] = ['ready', 'reserved', 'on-call', 'wrap-up', 'not-ready'];

/** Which states each event may leave from. */
const ALLOWED_FROM: Record<AgentEvent['type'], readonly AgentStateName[]> = {
  login: ['logged-out'],
  ready: ['not-ready', 'wrap-up', 'ready'],
  'not-ready': ['ready', 'wrap-up', 'not-ready', 'reserved'],
  reserve: ['ready'],
  release: ['reserved'],
  connect: ['reserved'],
  hangup: ['on-call'],
  'wrap-up-done': ['wrap-up'],
  'wrap-up-expired': ['wrap-up'],
  // An agent on a call finishes it first; the service hangs up for them if the line drops.
  logout: ['ready', 'not-ready', 'wrap-up', 'reserved'],
  'line-dropped': LOGGED_IN,
};

/** The move `event` makes from `current` at time `now`, or why it is refused. Pure. */
export function transition(current: AgentState, event: AgentEvent, now: number): TransitionResult {
  if (!ALLOWED_FROM[event.type].includes(current.state)) {
    return { ok: false, error: `cannot ${event.type} while ${describe(current)}` };
  }
  switch (event.type) {
    case 'login':
      return { ok: true, next: { state: 'not-ready', reason: 'login', since: now } };
    case 'ready':
    case 'wrap-up-done':
    case 'release':
      return { ok: true, next: { state: 'ready', since: now } };
    case 'not-ready':
      return { ok: true, next: { state: 'not-ready', reason: event.reason, since: now } };
    case 'reserve':
      return { ok: true, next: { state: 'reserved', callId: event.callId, since: now } };
    case 'connect':
      return { ok: true, next: { state: 'on-call', callId: event.callId, since: now } };
    case 'hangup':
      return { ok: true, next: { state: 'wrap-up', callId: current.callId, since: now } };
    case 'wrap-up-expired':
      // Still the same wrap-up: its start stays, so its length counts from the call's end.
      return { ok: true, next: { state: 'wrap-up', callId: current.callId, since: current.since } };
    case 'logout':
      return { ok: true, next: { state: 'logged-out', since: now } };
    case 'line-dropped':
      return { ok: true, next: { state: 'not-ready', reason: 'line-dropped', since: now } };
  }
}

export function describe(state: AgentState): string {
  return state.state === 'not-ready' && state.reason ? `not-ready (${state.reason})` : state.state;
}

export function isLoggedIn(state: AgentState): boolean {
  return state.state !== 'logged-out';
}
