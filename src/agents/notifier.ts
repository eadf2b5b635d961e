import { type EventsOf, Notifier } from '../lib/events.js';
import type { AgentView } from './types.js';

/** The agents' events: `agent.state`, with the agent's live view after every state change. */
export type AgentDomainEvent = EventsOf<'agent', { state: AgentView }>;

// On the bus beside every other domain's events (src/lib/events.ts).
declare module '../lib/events.js' {
  interface DomainEvents {
    agents: AgentDomainEvent;
  }
}

/** Publishes the agents' events, stamped with the business clock. */
export class AgentNotifier extends Notifier {
  /** The agent's state changed (through the one transition function). */
  stateChanged(view: AgentView): void {
    this.bus.publish({ topic: 'agent', type: 'state', at: this.now(), data: { ...view } });
  }
}
