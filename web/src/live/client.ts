import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { type LiveInput, type LiveState, nextLiveState } from './state.js';
import type { SseConnect } from './transport.js';

/** One change as GET /v1/events sends it (see src/api/routes/events.ts). */
export interface LiveEvent {
  /** recording and ivr come with the typed domain events (issue 11); a screen ignores what it does not know. */
  topic: 'agent' | 'queue' | 'call' | 'dialer' | 'recording' | 'ivr' | 'sms' | 'fax';
  type: string;
  /** When the server published it (epoch ms). */
  at: number;
  data: Record<string, unknown>;
}

/** Timers, injectable so that tests drive time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LiveClientOptions {
  /** The stream's URL, e.g. /v1/events or http://127.0.0.1:3000/v1/events?topics=agent. */
  url: string;
  connect: SseConnect;
  backoff?: Backoff;
  /**
   * With no byte (event or heartbeat) for this long the connection counts as dead and is replaced. Only
   * with a transport that reports the server's heartbeats (fetchSse does; it beats every 15 s).
   */
  staleAfterMs?: number;
  timers?: Timers;
  random?: () => number;
  /** Each state change as `from -input-> to`, and why an attempt failed. */
  log?: (line: string) => void;
}

type Listener<T> = (value: T) => void;

const HTTP_REFUSED = new Set([401, 403]);

/**
 * The live-event stream, kept open: it reconnects by itself with a growing, jittered backoff, tells its
 * state to whoever listens, and turns each message into a LiveEvent. No DOM API: a Node benchmark uses it
 * as the page does, with its own transport. After every (re)connect a screen must reload what it shows:
 * events sent while it was away are not replayed.
 */
export class LiveClient {
  private current: LiveState = 'idle';
  private attempt: { close(): void } | null = null;
  private failures = 0;
  private retryTimer: unknown = null;
  private staleTimer: unknown = null;
  private readonly stateListeners = new Set<Listener<LiveState>>();
  private readonly eventListeners = new Set<Listener<LiveEvent>>();
  private readonly timers: Timers;

  /** When the next retry is due (epoch ms), while retrying. */
  retryAt: number | null = null;

  constructor(private readonly options: LiveClientOptions) {
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
  }

  get state(): LiveState {
    return this.current;
  }

  start(): void {
    if (this.move('start')) this.open();
  }

  stop(): void {
    this.move('stop');
    this.closeAttempt();
    this.clearRetry();
  }

  /** Called with every state change; returns the unsubscribe function. */
  onState(listener: Listener<LiveState>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onEvent(listener: Listener<LiveEvent>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** The one place the state changes; false when the input means nothing now. */
  private move(input: LiveInput): boolean {
    const to = nextLiveState(this.current, input);
    if (to === null) return false;
    const from = this.current;
    this.current = to;
    this.options.log?.(`live ${from} -${input}-> ${to}`);
    if (to !== from) for (const listener of this.stateListeners) listener(to);
    return true;
  }

  private open(): void {
    this.closeAttempt();
    // Handlers of an attempt that was given up must not move the state: each checks it is still current.
    // The attempt is current before connect() runs, since a transport may report at once.
    const attempt = { close: () => {} };
    this.attempt = attempt;
    const connection = this.options.connect(this.options.url, {
      open: () => {
        if (this.attempt !== attempt || !this.move('open')) return;
        this.failures = 0;
        this.armStale();
      },
      alive: () => {
        if (this.attempt === attempt) this.armStale();
      },
      message: (_event, data) => {
        if (this.attempt === attempt) this.dispatch(data);
      },
      fail: (reason, status) => {
        if (this.attempt !== attempt) return;
        this.options.log?.(`live attempt failed: ${reason.message}`);
        this.closeAttempt();
        if (status !== undefined && HTTP_REFUSED.has(status)) this.move('refuse');
        else if (this.move('fail')) this.scheduleRetry();
      },
    });
    if (this.attempt === attempt) attempt.close = () => connection.close();
    else connection.close();
  }

  private dispatch(data: string): void {
    let event: LiveEvent;
    try {
      event = JSON.parse(data) as LiveEvent;
    } catch {
      this.options.log?.('live event dropped: not JSON');
      return;
    }
    for (const listener of this.eventListeners) listener(event);
  }

  private scheduleRetry(): void {
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
    this.retryAt = Date.now() + delay;
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.retryAt = null;
      if (this.move('retry')) this.open();
    }, delay);
  }

  private armStale(): void {
    const { staleAfterMs } = this.options;
    if (staleAfterMs === undefined) return;
    if (this.staleTimer !== null) this.timers.clearTimeout(this.staleTimer);
    const handle = this.attempt;
    this.staleTimer = this.timers.setTimeout(() => {
      this.staleTimer = null;
      if (this.attempt !== handle) return;
      this.options.log?.(`live attempt failed: nothing received for ${staleAfterMs} ms`);
      this.closeAttempt();
      if (this.move('fail')) this.scheduleRetry();
    }, staleAfterMs);
  }

  private closeAttempt(): void {
    if (this.staleTimer !== null) this.timers.clearTimeout(this.staleTimer);
    this.staleTimer = null;
    const attempt = this.attempt;
    this.attempt = null;
    attempt?.close();
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
  }
}
