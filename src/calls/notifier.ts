import { type EventsOf, Notifier } from '../lib/events.js';
import type { CallKind, TransferMode } from './types.js';

/** Every call-control event is about one customer call and the agent whose call it is (was, once moved). */
type CallRef = { callId: string; agentId: string; kind: CallKind };

export type CallControlEventData = {
  /** The customer hears music on hold; the agent hears silence. */
  held: CallRef;
  /** Back to the agent after `heldMs` on hold. */
  resumed: CallRef & { heldMs: number };
  /** A warm transfer: the customer is held while the agent consults the target. */
  'consult-started': CallRef & { targetAgentId: string };
  /** The consult is over without a transfer: the customer is held with the agent again. */
  'consult-ended': CallRef & {
    targetAgentId: string;
    reason: 'cancelled' | 'not-answered' | 'target-gone' | 'transfer-failed';
  };
  /** The customer is with the target now; `agentId` is the agent who transferred (now in wrap-up). */
  transferred: CallRef & { toAgentId: string; mode: TransferMode };
};

/** The call controls' events: `call.held`, `call.resumed`, `call.consult-started`, ... */
export type CallControlDomainEvent = EventsOf<'call', CallControlEventData>;

// On the bus beside every other domain's events (src/lib/events.ts).
declare module '../lib/events.js' {
  interface DomainEvents {
    calls: CallControlDomainEvent;
  }
}

/** Publishes the call controls' events, stamped with the business clock. */
export class CallControlNotifier extends Notifier {
  held(data: CallControlEventData['held']): void {
    this.bus.publish({ topic: 'call', type: 'held', at: this.now(), data });
  }

  resumed(data: CallControlEventData['resumed']): void {
    this.bus.publish({ topic: 'call', type: 'resumed', at: this.now(), data });
  }

  consultStarted(data: CallControlEventData['consult-started']): void {
    this.bus.publish({ topic: 'call', type: 'consult-started', at: this.now(), data });
  }

  consultEnded(data: CallControlEventData['consult-ended']): void {
    this.bus.publish({ topic: 'call', type: 'consult-ended', at: this.now(), data });
  }

  transferred(data: CallControlEventData['transferred']): void {
    this.bus.publish({ topic: 'call', type: 'transferred', at: this.now(), data });
  }
}
