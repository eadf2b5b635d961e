import { nextWorkFor } from '../agents/ready-agent.js';
import type { AgentService } from '../agents/service.js';
import type { AgentView } from '../agents/types.js';
import type { DialerService } from '../dialer/dialer.js';
import type { HotlineQueue } from '../inbound/queue.js';
import type { DomainSteps } from './lifecycle.js';

/** Those who may take an agent who becomes ready, in the order the rule gives them. */
export interface ReadyAgentTakers {
  hotline: Pick<HotlineQueue, 'waitingCount' | 'dispatch'>;
  dialer: Pick<DialerService, 'offerNext'>;
}

/**
 * Where an agent who becomes ready goes, decided in this one place by `nextWorkFor`: to the hotline while
 * a caller waits (it hands its callers to ready agents at once), only otherwise to the dialer. The dialer's
 * offer runs once the change that made the agent ready has finished (a missed ring may still set them not
 * ready), and checks the same rule again then: a caller who came in between still wins.
 */
export function readyAgentRoute({ hotline, dialer }: ReadyAgentTakers): (agent: AgentView) => void {
  return (agent) => {
    switch (nextWorkFor(agent, { hotlineCallers: hotline.waitingCount })) {
      case 'hotline':
        hotline.dispatch();
        return;
      case 'dialer':
        setImmediate(() => dialer.offerNext(agent.id));
        return;
      case 'none':
        return;
    }
  };
}

/** Routes the agents who become ready; wired once, after the hotline and the dialer. */
export function wireReadyAgents(deps: { agents: Pick<AgentService, 'routeReadyAgents'> } & ReadyAgentTakers) {
  deps.agents.routeReadyAgents(readyAgentRoute(deps));
  return { domain: 'ready-agents', steps: {} satisfies DomainSteps };
}
