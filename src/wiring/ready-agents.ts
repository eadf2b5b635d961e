import { nextWorkFor } from '../agents/ready-agent.js';
import type { AgentService } from '../agents/service.js';
import type { AgentView } from '../agents/types.js';
import type { DialerService } from '../dialer/dialer.js';
import type { HotlineQueue } from '../inbound/queue.js';
import type { DomainEvent, EventBus } from '../lib/events.js';
import type { DomainSteps } from './lifecycle.js';

/** Those who may take an agent who becomes ready, in the order the rule gives them. */
export interface ReadyAgentTakers {
  hotline: Pick<HotlineQueue, 'waitingCount' | 'dispatch'>;
  dialer: Pick<DialerService, 'offerNext' | 'yieldToHotline'>;
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

/**
 * The other half of the rule: when a caller starts waiting (queued, or back at the head after an agent's
 * line dropped), agents the rule now gives the hotline are taken back from the leads they still only
 * preview. On the next turn of the event loop, once the queue has finished taking the caller in.
 */
export function callerWaitingRoute({
  dialer,
}: Pick<ReadyAgentTakers, 'dialer'>): (event: DomainEvent) => void {
  return (event) => {
    if (event.topic === 'queue' && (event.type === 'caller-queued' || event.type === 'caller-requeued'))
      setImmediate(() => dialer.yieldToHotline());
  };
}

/** The hotline's priority over the dialer, wired once, after both. */
export function wireReadyAgents(
  deps: {
    agents: Pick<AgentService, 'routeReadyAgents'>;
    bus: Pick<EventBus, 'subscribe'>;
  } & ReadyAgentTakers,
) {
  deps.agents.routeReadyAgents(readyAgentRoute(deps));
  deps.bus.subscribe(callerWaitingRoute(deps));
  return { domain: 'ready-agents', steps: {} satisfies DomainSteps };
}
