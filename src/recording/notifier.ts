import { type EventsOf, Notifier } from '../lib/events.js';
import type { CallDirection } from '../store/index.js';

/** Every recording event is about one recorded call, and its agent when it has one. */
type RecordedCall = { callId: string; agentId: string | null };

export type RecordingEventData = {
  /** The call is being recorded (`recordings`: one file, or three when split). */
  started: RecordedCall & {
    direction: CallDirection;
    teamId: string | null;
    campaignId: string | null;
    recordings: number;
  };
  /** Recording paused (e.g. while a card number is given). */
  paused: RecordedCall;
  /** Recording goes on after a pause of `pausedMs`. */
  resumed: RecordedCall & { pausedMs: number };
  /** The call ended: its recordings go to the finalizer to be stored. */
  ended: RecordedCall & { recordings: number };
  /** Asterisk reported a recording of the call failed. */
  failed: RecordedCall & { recording: string; cause: string };
};

/** The recording events (`recording.*`) of calls being recorded. */
export type RecordingDomainEvent = EventsOf<'recording', RecordingEventData>;

// On the bus beside every other domain's events (src/lib/events.ts).
declare module '../lib/events.js' {
  interface DomainEvents {
    recording: RecordingDomainEvent;
  }
}

/** Publishes the recording events, stamped with the business clock. */
export class RecordingNotifier extends Notifier {
  started(data: RecordingEventData['started']): void {
    this.bus.publish({ topic: 'recording', type: 'started', at: this.now(), data });
  }

  paused(data: RecordingEventData['paused']): void {
    this.bus.publish({ topic: 'recording', type: 'paused', at: this.now(), data });
  }

  resumed(data: RecordingEventData['resumed']): void {
    this.bus.publish({ topic: 'recording', type: 'resumed', at: this.now(), data });
  }

  ended(data: RecordingEventData['ended']): void {
    this.bus.publish({ topic: 'recording', type: 'ended', at: this.now(), data });
  }

  failed(data: RecordingEventData['failed']): void {
    this.bus.publish({ topic: 'recording', type: 'failed', at: this.now(), data });
  }
}
