/**
 * A dialer offer's states (a lead offered to an agent, from the preview to the disposition) and the one
 * table of legal moves between them. Everything that changes an offer's state goes through
 * `offerTransition`, which returns the new state or refuses the move; the caller (`moveOffer` in
 * offers.ts) logs `from -event-> to` on the offer's logger. Pure.
 *
 * The service hanging up a call it placed (agent left, line dropped, number marked do-not-call) is not a
 * move: it asks the PBX to end the call, and the call's end then moves the offer (`not-reached` with the
 * outcome `cancelled`, or `hangup` if the customer had answered).
 */

export const OFFER_STATES = [
  /** The agent sees the lead; the preview timer runs. */
  'preview',
  /** Accepted (by the agent or the timer): waiting for a trunk channel. */
  'waiting-channel',
  /** The customer's phone rings; the agent hears the ring tone. */
  'dialing',
  /** The customer answered and is in the agent's bridge. */
  'connected',
  /** The answered call is over: the agent is in wrap-up and owes the disposition. */
  'ended',
  /** The agent gave the disposition. */
  'disposed',
  /** The agent left wrap-up without a disposition: the lead is retried later. */
  'undisposed',
  /** The agent, or the preview timer set to skip, passed on the lead. */
  'skipped',
  /** The service took the lead back before any call (agent left, campaign paused, not dialable now...). */
  'withdrawn',
  /** The call ended unanswered: busy, no answer, congestion, failed, or cancelled by the service. */
  'not-reached',
] as const;
export type OfferState = (typeof OFFER_STATES)[number];

export const OFFER_EVENTS = [
  'accept',
  'skip',
  'withdraw',
  'dial',
  'answer',
  'not-reached',
  'hangup',
  'dispose',
  'no-disposition',
] as const;
export type OfferEvent = (typeof OFFER_EVENTS)[number];

/** Each event: the states it may leave from, and the one state it leads to. */
const MOVES: Record<OfferEvent, { from: readonly OfferState[]; to: OfferState }> = {
  accept: { from: ['preview'], to: 'waiting-channel' },
  skip: { from: ['preview'], to: 'skipped' },
  // Also after the accept: checks at dial time, a pause or the agent leaving end the wait for a channel.
  withdraw: { from: ['preview', 'waiting-channel'], to: 'withdrawn' },
  // A channel is taken and every check passed again: the customer is originated.
  dial: { from: ['waiting-channel'], to: 'dialing' },
  // The customer answered and was joined to the agent.
  answer: { from: ['dialing'], to: 'connected' },
  // The call ended before it reached the agent, or the PBX refused it.
  'not-reached': { from: ['dialing'], to: 'not-reached' },
  hangup: { from: ['connected'], to: 'ended' },
  dispose: { from: ['ended'], to: 'disposed' },
  'no-disposition': { from: ['ended'], to: 'undisposed' },
};

export type OfferTransition = { ok: true; next: OfferState } | { ok: false; error: string };

/** The state `event` leads to from `current`, or why the move is refused. Pure. */
export function offerTransition(current: OfferState, event: OfferEvent): OfferTransition {
  const move = MOVES[event];
  if (!move.from.includes(current)) return { ok: false, error: `cannot ${event} an offer in ${current}` };
  return { ok: true, next: move.to };
}

export function canMove(current: OfferState, event: OfferEvent): boolean {
  return MOVES[event].from.includes(current);
}

/** Settled: no event leaves this state; the offer is forgotten and never acted on again. */
export function isSettled(state: OfferState): boolean {
  return OFFER_EVENTS.every((event) => !canMove(state, event));
}

/** A customer call is up (ringing or talking): the agent or the service may hang it up. */
export function hasCustomerCall(state: OfferState): boolean {
  return state === 'dialing' || state === 'connected';
}
