import type { Logger } from 'pino';
import type { PlayTask } from '../ari/play.js';
import type { CallSession } from '../ari/session.js';
import type { LeadRecord } from '../store/index.js';
import { type OfferEvent, type OfferState, offerTransition } from './offer-state.js';

/** A lead offered to an agent, from the preview to the disposition. */
export interface Offer {
  attemptId: string;
  agentId: string;
  teamId: string | null;
  campaignId: string;
  lead: LeadRecord;
  /** Changed only by `moveOffer`. */
  state: OfferState;
  previewTimer?: NodeJS.Timeout;
  /** Withdraws a dial waiting for a channel. */
  abort: AbortController;
  session?: CallSession;
  tone?: PlayTask;
  dialStatus?: string;
  answeredAt?: number;
  /** Holds a trunk channel (released exactly once). */
  holdsSlot: boolean;
  /** Why the service itself hung the customer up (agent left, line dropped, shutdown): a cancel. */
  cancelReason?: string;
  /** Why the offer was withdrawn (told to a refused accept). */
  endReason?: string;
  /** Answered with no agent to join: abandoned (should never happen; counted). */
  abandoned?: boolean;
  log: Logger;
}

/** The state `event` leads the offer to; undefined, logged as an error, when the table refuses it. */
function nextState(offer: Offer, event: OfferEvent): OfferState | undefined {
  const result = offerTransition(offer.state, event);
  if (result.ok) return result.next;
  offer.log.error({ from: offer.state, event }, `refused offer move: ${result.error}`);
  return undefined;
}

/**
 * Whether the table lets `event` move the offer now, for a request checked before its work is done (the
 * move follows). A refusal is logged as an error: a bug, or a request that came too late (409 at the API).
 */
export function mayMove(offer: Offer, event: OfferEvent): boolean {
  return nextState(offer, event) !== undefined;
}

/**
 * The one way an offer changes state: checked against the table, logged `from -event-> to` with the
 * move's details. False (logged as an error, state unchanged) when the table refuses the move.
 */
export function moveOffer(offer: Offer, event: OfferEvent, details: Record<string, unknown> = {}): boolean {
  const to = nextState(offer, event);
  if (to === undefined) return false;
  const from = offer.state;
  offer.state = to;
  offer.log.info({ ...details, from, event, to }, `offer ${from} -${event}-> ${to}`);
  return true;
}

/**
 * The service hangs up a customer call that is ringing or connected (outcome: cancelled). Not a move: the
 * call's end moves the offer.
 */
export function cancelCall(offer: Offer, reason: string): void {
  offer.cancelReason ??= reason;
  void offer.session?.hangup(reason);
}

/** The offers live now, by agent (one each) and by attempt. */
export class OfferBook {
  private readonly byAgent = new Map<string, Offer>();
  private readonly byAttemptId = new Map<string, Offer>();

  add(offer: Offer): void {
    this.byAgent.set(offer.agentId, offer);
    this.byAttemptId.set(offer.attemptId, offer);
  }

  /** The offer's call went to another agent (a transfer): it is theirs from now on. */
  reassign(offer: Offer, agentId: string): void {
    if (this.byAgent.get(offer.agentId) === offer) this.byAgent.delete(offer.agentId);
    offer.agentId = agentId;
    this.byAgent.set(agentId, offer);
  }

  ofAgent(agentId: string): Offer | undefined {
    return this.byAgent.get(agentId);
  }

  ofAttempt(attemptId: string): Offer | undefined {
    return this.byAttemptId.get(attemptId);
  }

  hasAgent(agentId: string): boolean {
    return this.byAgent.has(agentId);
  }

  /** A copy: callers may settle offers while they go through it. */
  all(): Offer[] {
    return [...this.byAttemptId.values()];
  }

  forget(offer: Offer): void {
    clearTimeout(offer.previewTimer);
    if (this.byAgent.get(offer.agentId) === offer) this.byAgent.delete(offer.agentId);
    this.byAttemptId.delete(offer.attemptId);
  }
}
