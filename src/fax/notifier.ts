import { type EventsOf, Notifier } from '../lib/events.js';
import type { FaxDirection } from '../store/index.js';

/** A fax as events show it: never the full number. */
export type FaxSummary = {
  id: string;
  direction: FaxDirection;
  numberMasked: string;
  state: string;
  pages: number | null;
  pagesDone: number;
  leadId: string | null;
  error: string | null;
};

export type FaxEventData = {
  /** A fax moved (`from -event-> to`): queued, converting, waiting for a line, sending, retrying... */
  moved: FaxSummary & { from: string; event: string };
  /** A fax came in and is stored as PDF (or failed: `state` says). */
  received: FaxSummary;
  /** A fax went out, or finally failed. */
  finished: FaxSummary;
};

/** The fax events (`fax.*`). */
export type FaxDomainEvent = EventsOf<'fax', FaxEventData>;

declare module '../lib/events.js' {
  interface DomainEvents {
    fax: FaxDomainEvent;
  }
}

/** Publishes the fax events, stamped with the business clock. */
export class FaxNotifier extends Notifier {
  moved(data: FaxEventData['moved']): void {
    this.bus.publish({ topic: 'fax', type: 'moved', at: this.now(), data });
  }

  received(data: FaxEventData['received']): void {
    this.bus.publish({ topic: 'fax', type: 'received', at: this.now(), data });
  }

  finished(data: FaxEventData['finished']): void {
    this.bus.publish({ topic: 'fax', type: 'finished', at: this.now(), data });
  }
}
