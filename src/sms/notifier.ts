import { type EventsOf, Notifier } from '../lib/events.js';
import type { SmsState } from './state.js';

export type SmsEventData = {
  /**
   * A message came in from a number; `optOut`: it asked to stop SMS (the number is now opted out).
   * `leadIds`: the leads with that number; `agentIds`: the agents who called those last (who see it).
   */
  inbound: { numberMasked: string; text: string; optOut: boolean; leadIds: string[]; agentIds: string[] };
  /** A single message (not a campaign's) moved: for the screen of the agent of its lead. */
  message: {
    id: string;
    leadId: string | null;
    numberMasked: string;
    state: SmsState;
    error: string | null;
    agentIds: string[];
  };
  /** A campaign's state changed (started, paused, finished). */
  campaign: { campaignId: string; state: string };
};

/** The SMS domain's events (`sms.*`). */
export type SmsDomainEvent = EventsOf<'sms', SmsEventData>;

declare module '../lib/events.js' {
  interface DomainEvents {
    sms: SmsDomainEvent;
  }
}

export class SmsNotifier extends Notifier {
  inbound(data: SmsEventData['inbound']): void {
    this.bus.publish({ topic: 'sms', type: 'inbound', at: this.now(), data });
  }

  message(data: SmsEventData['message']): void {
    this.bus.publish({ topic: 'sms', type: 'message', at: this.now(), data });
  }

  campaign(data: SmsEventData['campaign']): void {
    this.bus.publish({ topic: 'sms', type: 'campaign', at: this.now(), data });
  }
}
