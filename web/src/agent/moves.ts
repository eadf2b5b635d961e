/**
 * Which state moves the state bar offers: the service's table (src/agents/state.ts) seen from the
 * screen, which also leaves out what the service would refuse anyway (ready while a persistent line is
 * down) and what would lose work (leaving wrap-up with a disposition owed: the form ends wrap-up). Pure.
 */

import type { AgentView } from '../api/agent.js';

export type AgentStateName = AgentView['state'];

/**
 * `reconnect-line` is logout then login: the service calls the agent's phone again (it refuses ready
 * while the line is down and asks for a new login).
 */
export type AgentMove = 'login' | 'ready' | 'not-ready' | 'wrap-up-done' | 'reconnect-line' | 'logout';

export interface MoveContext {
  state: AgentStateName;
  lineMode: AgentView['lineMode'];
  lineUp: boolean;
  /** A dialer call ended and its disposition is owed. */
  dispositionOwed: boolean;
}

/** The service's table: the states each requested move may leave from. */
const FROM: Record<Exclude<AgentMove, 'reconnect-line'>, readonly AgentStateName[]> = {
  login: ['logged-out'],
  ready: ['not-ready', 'wrap-up'],
  'not-ready': ['ready', 'wrap-up', 'not-ready', 'reserved'],
  'wrap-up-done': ['wrap-up'],
  logout: ['ready', 'not-ready', 'wrap-up', 'reserved'],
};

/** The moves to offer now, in the order the bar shows them. */
export function allowedMoves(ctx: MoveContext): AgentMove[] {
  const lineDown = ctx.lineMode === 'persistent' && !ctx.lineUp;
  const moves: AgentMove[] = [];
  if (FROM.login.includes(ctx.state)) moves.push('login');
  // Ready from wrap-up is the same as wrap-up done: one button, and only with nothing owed.
  if (FROM.ready.includes(ctx.state) && ctx.state !== 'wrap-up' && !lineDown) moves.push('ready');
  if (FROM['wrap-up-done'].includes(ctx.state) && !ctx.dispositionOwed && !lineDown)
    moves.push('wrap-up-done');
  if (FROM['not-ready'].includes(ctx.state)) moves.push('not-ready');
  if (lineDown && FROM.logout.includes(ctx.state)) moves.push('reconnect-line');
  if (FROM.logout.includes(ctx.state)) moves.push('logout');
  return moves;
}
