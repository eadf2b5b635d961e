/**
 * The live connection's state machine. `connecting` is the first attempt, `retrying` waits out the
 * backoff after a loss, `reconnecting` is an attempt after a loss; `refused` means the server turned the
 * credentials away (no point retrying them), `stopped` that the owner closed it.
 */
export type LiveState =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'retrying'
  | 'reconnecting'
  | 'refused'
  | 'stopped';

/** start and stop come from the owner; open, fail and refuse from the transport; retry from the timer. */
export type LiveInput = 'start' | 'open' | 'fail' | 'refuse' | 'retry' | 'stop';

const TRANSITIONS: Record<LiveState, Partial<Record<LiveInput, LiveState>>> = {
  idle: { start: 'connecting', stop: 'stopped' },
  connecting: { open: 'connected', fail: 'retrying', refuse: 'refused', stop: 'stopped' },
  connected: { fail: 'retrying', refuse: 'refused', stop: 'stopped' },
  retrying: { retry: 'reconnecting', stop: 'stopped' },
  reconnecting: { open: 'connected', fail: 'retrying', refuse: 'refused', stop: 'stopped' },
  refused: { start: 'connecting', stop: 'stopped' },
  stopped: { start: 'connecting', stop: 'stopped' },
};

/** The next state, or null when the input means nothing in this state (a late event of a closed attempt). */
export function nextLiveState(from: LiveState, input: LiveInput): LiveState | null {
  return TRANSITIONS[from][input] ?? null;
}

/** What a screen shows: the machine's states folded into the four a person tells apart. */
export type LiveStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export function liveStatus(state: LiveState): LiveStatus {
  switch (state) {
    case 'connecting':
      return 'connecting';
    case 'connected':
      return 'connected';
    case 'retrying':
    case 'reconnecting':
      return 'reconnecting';
    default:
      return 'offline';
  }
}
