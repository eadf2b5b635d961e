/**
 * The agent's current call as the call controls see it, and the one table of legal moves. Everything that
 * changes a controlled call's state goes through `callControlTransition`, which returns the new state or
 * refuses the move; the caller (`moveCall` in service.ts) logs `from -event-> to`. Pure.
 *
 * Whose call it is changes with a transfer: `joined` hands it to the target, who is then talking with
 * the customer. Sending DTMF and hanging up are not moves: `callControlAllows` says when they may be done.
 */

export const CALL_CONTROL_STATES = [
  /** A dialer customer's phone rings; the agent hears the ring tone. */
  'ringing',
  /** Customer and agent talk. */
  'talking',
  /** The customer hears music on hold in a holding bridge; the agent hears silence. */
  'held',
  /** The customer is held while the agent talks to a colleague (or their phone rings): a warm transfer. */
  'consulting',
  /** The customer is on the way to the target (a blind transfer, or a warm one completed). */
  'transferring',
  /** The customer's call is over. */
  'ended',
] as const;
export type CallControlState = (typeof CALL_CONTROL_STATES)[number];

export const CALL_CONTROL_EVENTS = [
  'answer',
  'hold',
  'resume',
  /** A warm transfer starts: the customer is held, the agent consults the target. */
  'consult',
  /** The consult ends (cancelled, not answered, the target gone): back to the held customer. */
  'cancel',
  /** The warm transfer is completed: the customer goes to the target. */
  'complete',
  /** A blind transfer: the customer goes to the target at once. */
  'blind',
  /** The customer is with the target, whose call it is now. */
  'joined',
  /** The target did not take the customer: back on hold with the agent. */
  'failed',
  'end',
] as const;
export type CallControlEvent = (typeof CALL_CONTROL_EVENTS)[number];

/** Each event: the states it may leave from, and the one state it leads to. */
const MOVES: Record<CallControlEvent, { from: readonly CallControlState[]; to: CallControlState }> = {
  answer: { from: ['ringing'], to: 'talking' },
  hold: { from: ['talking'], to: 'held' },
  resume: { from: ['held'], to: 'talking' },
  consult: { from: ['talking', 'held'], to: 'consulting' },
  cancel: { from: ['consulting'], to: 'held' },
  complete: { from: ['consulting'], to: 'transferring' },
  blind: { from: ['talking', 'held'], to: 'transferring' },
  joined: { from: ['transferring'], to: 'talking' },
  failed: { from: ['transferring'], to: 'held' },
  end: { from: ['ringing', 'talking', 'held', 'consulting', 'transferring'], to: 'ended' },
};

/** What an agent may do that is not a move: the states each is allowed in. */
const ACTIONS = {
  /** Keys go to a customer the agent is talking to. */
  dtmf: ['talking'],
  /** The agent may end the customer's call whatever it is doing with it. */
  hangup: ['ringing', 'talking', 'held', 'consulting', 'transferring'],
} as const satisfies Record<string, readonly CallControlState[]>;
export type CallControlAction = keyof typeof ACTIONS;

export type CallControlTransition = { ok: true; next: CallControlState } | { ok: false; error: string };

/** The state `event` leads to from `current`, or why the move is refused. Pure. */
export function callControlTransition(
  current: CallControlState,
  event: CallControlEvent,
): CallControlTransition {
  const move = MOVES[event];
  if (!move.from.includes(current)) return { ok: false, error: `cannot ${event} a call that is ${current}` };
  return { ok: true, next: move.to };
}

export function callControlAllows(current: CallControlState, action: CallControlAction): boolean {
  return (ACTIONS[action] as readonly CallControlState[]).includes(current);
}

/** The states the API shows: a transfer under way shows the customer as held (they hear the music). */
export type ShownCallState = 'ringing' | 'talking' | 'held' | 'consulting';

export function shownState(state: Exclude<CallControlState, 'ended'>): ShownCallState {
  return state === 'transferring' ? 'held' : state;
}
