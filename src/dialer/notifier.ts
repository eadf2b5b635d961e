import { type EventsOf, Notifier } from '../lib/events.js';
import type { LeadState } from '../store/index.js';
import type { DialOutcomeName } from './campaign.js';

/** Every dialer event is about one agent's offer (its attempt). */
type OfferRef = { agentId: string; attemptId: string };

export type DialerEventData = {
  /** A lead is offered to the agent for preview. */
  preview: OfferRef & {
    campaignId: string;
    leadId: string;
    numberMasked: string;
    previewSec: number;
  };
  /** The offer ended before any call: skipped by the agent or the timer, or withdrawn by the service. */
  withdrawn: OfferRef & { reason: string };
  /** The customer is being dialed. */
  dialing: OfferRef;
  /** The customer answered and joined the agent. */
  connected: OfferRef;
  /** The customer call ended after it was answered: the disposition is owed. */
  'call-ended': OfferRef & { talkMs: number };
  /** The customer was not reached (busy, no answer, failed, cancelled...). */
  'not-reached': OfferRef & { outcome: Exclude<DialOutcomeName, 'answered'> };
  /** The agent gave the call's disposition. */
  disposed: OfferRef & { campaignId: string; disposition: string; leadState: LeadState };
  /**
   * The agent's wrap-up ran out and the campaign keeps them in it until they give the call's disposition:
   * for the agent (a reminder) and their team leader (an alert). `wrapUpSince`: when the call ended.
   */
  'disposition-overdue': OfferRef & { campaignId: string; wrapUpSince: number };
  /** A progress tone (the ring) started on the agent's line while the customer's phone rings. */
  'progress-tone': OfferRef & { playbackId: string; tone: string };
};

/** The dialer's events (`dialer.*`), each about one agent's offer. */
export type DialerDomainEvent = EventsOf<'dialer', DialerEventData>;

// On the bus beside every other domain's events (src/lib/events.ts).
declare module '../lib/events.js' {
  interface DomainEvents {
    dialer: DialerDomainEvent;
  }
}

/** Publishes the dialer's events, stamped with the business clock. */
export class DialerNotifier extends Notifier {
  preview(data: DialerEventData['preview']): void {
    this.bus.publish({ topic: 'dialer', type: 'preview', at: this.now(), data });
  }

  withdrawn(data: DialerEventData['withdrawn']): void {
    this.bus.publish({ topic: 'dialer', type: 'withdrawn', at: this.now(), data });
  }

  dialing(data: DialerEventData['dialing']): void {
    this.bus.publish({ topic: 'dialer', type: 'dialing', at: this.now(), data });
  }

  connected(data: DialerEventData['connected']): void {
    this.bus.publish({ topic: 'dialer', type: 'connected', at: this.now(), data });
  }

  callEnded(data: DialerEventData['call-ended']): void {
    this.bus.publish({ topic: 'dialer', type: 'call-ended', at: this.now(), data });
  }

  notReached(data: DialerEventData['not-reached']): void {
    this.bus.publish({ topic: 'dialer', type: 'not-reached', at: this.now(), data });
  }

  disposed(data: DialerEventData['disposed']): void {
    this.bus.publish({ topic: 'dialer', type: 'disposed', at: this.now(), data });
  }

  dispositionOverdue(data: DialerEventData['disposition-overdue']): void {
    this.bus.publish({ topic: 'dialer', type: 'disposition-overdue', at: this.now(), data });
  }

  progressTone(data: DialerEventData['progress-tone']): void {
    this.bus.publish({ topic: 'dialer', type: 'progress-tone', at: this.now(), data });
  }
}
