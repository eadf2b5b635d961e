/**
 * The fax tables: one row per move, `from -event-> to`, and nothing else moves a fax.
 *
 * Out: queued -convert-> converting -converted-> waiting -dial-> sending -sent-> sent; sending -retry->
 * retrying -due-> waiting; converting, waiting, sending -fail-> failed; failed -resend-> waiting (a person
 * asks for it again). In: received -store-> stored; received -fail-> failed.
 */
export const FAX_STATES = [
  'queued',
  'converting',
  'waiting',
  'sending',
  'retrying',
  'sent',
  'received',
  'stored',
  'failed',
] as const;
export type FaxState = (typeof FAX_STATES)[number];

export type FaxEvent =
  | 'convert'
  | 'converted'
  | 'dial'
  | 'sent'
  | 'retry'
  | 'due'
  | 'fail'
  | 'resend'
  | 'store';

const MOVES: Readonly<Record<FaxEvent, { from: readonly FaxState[]; to: FaxState }>> = {
  convert: { from: ['queued'], to: 'converting' },
  converted: { from: ['converting'], to: 'waiting' },
  dial: { from: ['waiting'], to: 'sending' },
  sent: { from: ['sending'], to: 'sent' },
  retry: { from: ['sending'], to: 'retrying' },
  due: { from: ['retrying'], to: 'waiting' },
  fail: { from: ['queued', 'converting', 'waiting', 'sending', 'retrying', 'received'], to: 'failed' },
  resend: { from: ['failed'], to: 'waiting' },
  store: { from: ['received'], to: 'stored' },
};

/** The state `event` moves a fax in `from` to, or undefined when the table has no such move. */
export function faxMove(from: FaxState, event: FaxEvent): FaxState | undefined {
  const move = MOVES[event];
  return move.from.includes(from) ? move.to : undefined;
}

/** Settled: nothing more happens to the fax unless a person sends it again. */
export function isSettled(state: FaxState): boolean {
  return state === 'sent' || state === 'stored' || state === 'failed';
}
