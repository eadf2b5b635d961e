/**
 * An SMS message's states and the one table of legal moves between them. Everything that changes a
 * message's state goes through `smsTransition` (pure); the service's `moveMessage` writes the move as a
 * compare-and-set in the store and logs `from -event-> to`. A refused move is an error, never a silent state.
 *
 * Idempotency hinges on `submitting`: it is written (and committed) BEFORE the provider is asked to send,
 * so a message is submitted at most once. A message found in `submitting` at start was cut off by a crash
 * between that write and the provider's answer: it may or may not have gone out, so it becomes
 * `unconfirmed` (never sent again by itself; an operator resolves it: `resend` or `give-up`).
 */

export const SMS_STATES = [
  /** Waiting for its turn (rate limit, send window, retry delay). */
  'queued',
  /** Handed to the provider; its answer (accepted or refused) not yet written. */
  'submitting',
  /** The provider accepted it and gave its id; waiting for the delivery receipt. */
  'submitted',
  /** The receipt says delivered. */
  'delivered',
  /** Refused for good by the provider, a failed receipt, or temporary errors past the retries. */
  'failed',
  /** The receipt says it expired undelivered. */
  'expired',
  /** Never sent: no consent, opted out, daily cap, cancelled campaign (the reason is kept). */
  'skipped',
  /** Cut off in `submitting` by a crash: unknown whether it went out. */
  'unconfirmed',
] as const;
export type SmsState = (typeof SMS_STATES)[number];

export const SMS_EVENTS = [
  'submit',
  'accepted',
  'temporary-error',
  'permanent-error',
  'delivered',
  'undeliverable',
  'expired',
  'skip',
  'give-up',
  'no-answer',
  'crash-found',
  'resend',
] as const;
export type SmsEvent = (typeof SMS_EVENTS)[number];

/** Each event: the states it may leave from, and the one state it leads to. */
const MOVES: Record<SmsEvent, { from: readonly SmsState[]; to: SmsState }> = {
  // Written before the provider is called: the guard against sending twice.
  submit: { from: ['queued'], to: 'submitting' },
  accepted: { from: ['submitting'], to: 'submitted' },
  // Retried: back in the queue with one more attempt counted.
  'temporary-error': { from: ['submitting'], to: 'queued' },
  'permanent-error': { from: ['submitting'], to: 'failed' },
  // Receipts. An `unconfirmed` message whose receipt still finds it is settled by it.
  delivered: { from: ['submitted', 'unconfirmed'], to: 'delivered' },
  undeliverable: { from: ['submitted', 'unconfirmed'], to: 'failed' },
  expired: { from: ['submitted', 'unconfirmed'], to: 'expired' },
  // Checked at send time: consent, opt-out, daily cap, campaign cancelled.
  skip: { from: ['queued'], to: 'skipped' },
  // Retries used up (the last temporary error put it back in the queue), or an operator's decision.
  'give-up': { from: ['queued', 'unconfirmed'], to: 'failed' },
  // The request went out and no answer came (timeout, connection lost): it may have been sent.
  'no-answer': { from: ['submitting'], to: 'unconfirmed' },
  // Found in `submitting` at start: a crash cut it off between the write and the provider's answer.
  'crash-found': { from: ['submitting'], to: 'unconfirmed' },
  // An operator who checked with the provider that it never went out.
  resend: { from: ['unconfirmed'], to: 'queued' },
};

/** The states a message never leaves by itself. */
export const FINAL_SMS_STATES: readonly SmsState[] = ['delivered', 'failed', 'expired', 'skipped'];

export type SmsTransition = { ok: true; next: SmsState } | { ok: false; error: string };

export function smsTransition(from: SmsState, event: SmsEvent): SmsTransition {
  const move = MOVES[event];
  if (!move.from.includes(from)) return { ok: false, error: `${event} is not allowed from ${from}` };
  return { ok: true, next: move.to };
}

/** The states `event` may leave from (the store's compare-and-set reads them). */
export const movableFrom = (event: SmsEvent): readonly SmsState[] => MOVES[event].from;
