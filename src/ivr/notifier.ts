import { type EventsOf, Notifier } from '../lib/events.js';
import type { IvrOutcome } from '../store/ivr.js';

export type IvrEventData = {
  /**
   * A caller got an IVR line and starts a flow at `node` (its start, or the node a caller from the
   * queue is resumed at: `resumed`).
   */
  entered: {
    callId: string;
    flow: string;
    version: number;
    node: string;
    callerMasked: string;
    resumed: boolean;
  };
  /** The caller left the IVR (to the queue, an agent, a message, a callback or a hang-up). */
  left: { callId: string; flow: string; outcome: IvrOutcome };
  /** Every IVR line was taken when the caller came: `mode` says whether they wait or are turned away. */
  overflow: { callId: string; mode: 'busy' | 'wait'; inUse: number; capacity: number };
};

/** The IVR's events (`ivr.*`): callers entering and leaving it, and overflows. */
export type IvrDomainEvent = EventsOf<'ivr', IvrEventData>;

// On the bus beside every other domain's events (src/lib/events.ts).
declare module '../lib/events.js' {
  interface DomainEvents {
    ivr: IvrDomainEvent;
  }
}

/** Publishes the IVR's events, stamped with the business clock. */
export class IvrNotifier extends Notifier {
  entered(data: IvrEventData['entered']): void {
    this.bus.publish({ topic: 'ivr', type: 'entered', at: this.now(), data });
  }

  left(data: IvrEventData['left']): void {
    this.bus.publish({ topic: 'ivr', type: 'left', at: this.now(), data });
  }

  overflow(data: IvrEventData['overflow']): void {
    this.bus.publish({ topic: 'ivr', type: 'overflow', at: this.now(), data });
  }
}
