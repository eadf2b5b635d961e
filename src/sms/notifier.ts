import { type EventsOf, Notifier } from '../lib/events.js';

export type SmsEventData = {
  /** A message came in from a number; `optOut`: it asked to stop SMS (the number is now opted out). */
  inbound: { numberMasked: string; text: string; optOut: boolean; leadIds: string[] };
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

  campaign(data: SmsEventData['campaign']): void {
    this.bus.publish({ topic: 'sms', type: 'campaign', at: this.now(), data });
  }
}
