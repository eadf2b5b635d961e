import { type EventsOf, Notifier } from '../lib/events.js';

/** A hotline caller as every `queue.*` event shows them: `waiting` is how many callers wait now. */
export type QueueCaller = { queue: 'hotline'; callId: string; callerMasked: string; waiting: number };

export type QueueEventData = {
  /** The caller entered the queue. */
  'caller-queued': QueueCaller;
  /** A position announcement starts. */
  'caller-announced': QueueCaller & { position: number; minutes: number };
  /** The caller is offered to an agent (reserved for them: their phone rings, or they join at once). */
  'caller-offered': QueueCaller & { agentId: string };
  /** The caller was connected to an agent. */
  'caller-connected': QueueCaller & { agentId: string };
  /** The caller hung up while waiting. */
  'caller-abandoned': QueueCaller;
  /** The caller waited the longest allowed. */
  'caller-timeout': QueueCaller;
  /** The agent's line dropped mid-call: the caller is back at the head of the line. */
  'caller-requeued': QueueCaller;
};

/** The hotline's events: `queue.*` while callers wait, `call.ended` when a connected call ends. */
export type HotlineDomainEvent =
  | EventsOf<'queue', QueueEventData>
  | EventsOf<'call', { ended: { callId: string; agentId: string; talkMs: number } }>;

// On the bus beside every other domain's events (src/lib/events.ts).
declare module '../lib/events.js' {
  interface DomainEvents {
    hotline: HotlineDomainEvent;
  }
}

type CallerEvent = 'caller-queued' | 'caller-abandoned' | 'caller-timeout' | 'caller-requeued';

/** Publishes the hotline's events, stamped with the business clock. */
export class HotlineNotifier extends Notifier {
  callerQueued(caller: QueueCaller): void {
    this.caller('caller-queued', caller);
  }

  callerAnnounced(caller: QueueCaller, position: number, minutes: number): void {
    const data = { ...caller, position, minutes };
    this.bus.publish({ topic: 'queue', type: 'caller-announced', at: this.now(), data });
  }

  /** The agent's screen fetches the screen-pop on this (GET /v1/agents/{id}/hotline/offer). */
  callerOffered(caller: QueueCaller, agentId: string): void {
    const data = { ...caller, agentId };
    this.bus.publish({ topic: 'queue', type: 'caller-offered', at: this.now(), data });
  }

  callerConnected(caller: QueueCaller, agentId: string): void {
    const data = { ...caller, agentId };
    this.bus.publish({ topic: 'queue', type: 'caller-connected', at: this.now(), data });
  }

  callerAbandoned(caller: QueueCaller): void {
    this.caller('caller-abandoned', caller);
  }

  callerTimedOut(caller: QueueCaller): void {
    this.caller('caller-timeout', caller);
  }

  callerRequeued(caller: QueueCaller): void {
    this.caller('caller-requeued', caller);
  }

  /** A connected hotline call ended (talk time from connect to hang-up). */
  callEnded(callId: string, agentId: string, talkMs: number): void {
    this.bus.publish({ topic: 'call', type: 'ended', at: this.now(), data: { callId, agentId, talkMs } });
  }

  private caller(type: CallerEvent, data: QueueCaller): void {
    this.bus.publish({ topic: 'queue', type, at: this.now(), data });
  }
}
