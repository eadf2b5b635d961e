import type { Logger } from 'pino';
import type { LeadMoveDetails, LeadRecord, LeadState, Store } from '../store/index.js';
import type { DueJobs } from './due-jobs.js';
import { leadMoveAllowed, stateBeforeReserve } from './policy.js';

/** The dialer's side of a lead's life: its state moves, its due jobs, where a preview puts it back. */
export class DialerLeads {
  constructor(
    private readonly store: Store,
    private readonly due: DueJobs,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /**
   * The one way a lead changes state: checked against the table, applied only if the lead is still
   * in `from` (compare and set), logged `from -event-> to`.
   */
  move(
    lead: LeadRecord,
    from: LeadState,
    to: LeadState,
    event: string,
    extra: LeadMoveDetails = {},
  ): boolean {
    if (!leadMoveAllowed(from, to)) {
      this.log.error({ leadId: lead.id, from, to, event }, 'refused lead move');
      return false;
    }
    const moved = this.store.leads.setState(lead.id, from, { state: to, ...extra }, this.now());
    if (!moved) {
      this.log.error(
        { leadId: lead.id, from, to, event },
        'lead was no longer in the expected state: not moved',
      );
      return false;
    }
    this.log.debug({ leadId: lead.id, from, event, to }, `lead ${from} -${event}-> ${to}`);
    return true;
  }

  /** Wakes the dialer when the lead's retry or callback falls due. */
  scheduleDue(leadId: string, dueAt: number): void {
    this.due.schedule(leadId, dueAt);
  }

  /** Where a lead whose preview ended without a call goes back to (restart recovery). */
  previousState(lead: LeadRecord): LeadState {
    const promised = this.store.attempts
      .forLead(lead.id)
      .some((a) => a.callbackAt !== null && a.state === 'disposed');
    return promised && lead.attempts > 0 ? 'callback' : stateBeforeReserve(lead);
  }
}
