import type { AgentView } from './types.js';

/** Who gets an agent who is free: a hotline caller, the dialer's next lead, or nothing yet. */
export type ReadyWork = 'hotline' | 'dialer' | 'none';

/**
 * The hotline's priority over the dialer. A waiting hotline caller always wins an inbound-capable agent
 * (primary or overflow): such an agent gets no lead while any caller waits, even when the queue cannot give
 * them that caller this very moment (an overflow seat before `hotline.overflowAfterSec`) — the queue offers
 * again once a second. Otherwise an agent on a persistent line that is up works the dialer's leads; anyone
 * else (a per-call phone) waits for a hotline caller. Asked for an agent who became ready, before the
 * dialer offers a lead, and for an agent still previewing one when a caller starts waiting. Pure.
 */
export function nextWorkFor(
  agent: Pick<AgentView, 'inboundRole' | 'lineMode' | 'lineUp'>,
  waiting: { hotlineCallers: number },
): ReadyWork {
  if (agent.inboundRole !== 'none' && waiting.hotlineCallers > 0) return 'hotline';
  if (agent.lineMode === 'persistent' && agent.lineUp) return 'dialer';
  return 'none';
}
