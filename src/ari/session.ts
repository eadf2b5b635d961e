import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { bestEffort } from '../lib/best-effort.js';
import { isGone } from './errors.js';
import type { AriRest } from './rest.js';
import type { EventOwner, EventRouter, ResourceKind } from './router.js';
import type { Channel, RawAriEvent } from './types.js';

export type CallDirection = 'inbound' | 'outbound' | 'internal';

/** A call's life as the service sees it. */
export type CallState = 'ringing' | 'up' | 'ending' | 'ended';
type CallEvent = 'answer' | 'end' | 'finish';

const TRANSITIONS: Record<CallState, Partial<Record<CallEvent, CallState>>> = {
  ringing: { answer: 'up', end: 'ending' },
  up: { end: 'ending' },
  ending: { finish: 'ended' },
  ended: {},
};

/** Where sessions write their durable record (the store implements it). */
export interface CallJournal {
  opened(call: {
    id: string;
    channelId: string;
    direction: CallDirection;
    caller: string;
    /** The keyed hash of the caller's full number (AriAppOptions.callerKey), never the number itself. */
    callerKey?: string | null;
    dnis: string;
    startedAt: Date;
  }): void;
  answered(callId: string, at: Date): void;
  ended(callId: string, reason: string, at: Date): void;
  event(callId: string, event: string, detail?: Record<string, unknown>): void;
}

/** A unit of call work (a prompt, a menu, a dial attempt, a recording) that a session can cancel. */
export interface Task<T = unknown> {
  readonly name: string;
  exec(session: CallSession): Promise<T>;
  /** Stops the task's media at once; its exec() then settles. Safe to call more than once. */
  kill(): void;
}

export class SessionEndedError extends Error {
  override readonly name = 'SessionEndedError';
  /** The call is gone: a clean-up step failing with this is the expected race (bestEffort ignores it). */
  readonly isGone = true;
  constructor(readonly reason: string) {
    super(`call ended: ${reason}`);
  }
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

interface Waiter {
  match(event: RawAriEvent): boolean;
  resolve(event: RawAriEvent): void;
  reject(err: Error): void;
}

export interface SessionDeps {
  rest: AriRest;
  router: EventRouter;
  journal: CallJournal;
  logger: Logger;
  /** The business clock for the call's start, answer and end times (default: the real clock). */
  now?: () => Date;
  /** Called with the time from an event's arrival to the first command the session sends after it. */
  onCommandLatency?: (ms: number) => void;
  onEnded?: (session: CallSession) => void;
}

/** The ARI commands a session may send, with each call counted for event-to-command latency. */
export type SessionCommands = AriRest;

/**
 * One call: the primary channel the service was handed (or originated), the ARI objects created for it
 * (channels, bridges, playbacks, recordings) and the tasks running on it. Every id it owns is registered
 * with the router, so its events come here; teardown (end) runs once, whatever ended the call, and
 * releases all of it.
 */
export class CallSession implements EventOwner {
  readonly id: string;
  readonly channelId: string;
  readonly direction: CallDirection;
  readonly startedAt: Date;
  readonly log: Logger;
  readonly ari: SessionCommands;
  /** The primary channel as last reported by Asterisk. */
  channel: Channel;
  /** Why the call ended, once it has. */
  endReason: string | undefined;
  /** Q.850 cause of the channel's end, when Asterisk reported one (ChannelDestroyed). */
  channelGoneCause: number | undefined;
  /** The last event types seen (bounded): a readable trail for logs and tests. */
  readonly trail: string[] = [];

  private stateValue: CallState;
  private readonly ending = new AbortController();
  private readonly waiters = new Set<Waiter>();
  private readonly taps = new Set<(event: RawAriEvent) => void>();
  private readonly tasks = new Set<Task>();
  private readonly owned = new Map<string, { kind: ResourceKind; id: string; stopAtEnd?: boolean }>();
  /** Legs whose leaving ends the call (hangupWhenLegLeaves), until the call lets them go (dropLeg). */
  private readonly legWatches = new Map<string, AbortController>();
  private channelGone = false;
  private onChannelGone: (() => void) | undefined;
  private endPromise: Promise<void> | undefined;
  private eventArrivedAt: number | undefined;
  private resolveDone!: () => void;
  private readonly now: () => Date;
  /** Settles when teardown has finished. */
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(
    channel: Channel,
    direction: CallDirection,
    private readonly deps: SessionDeps,
    id: string = randomUUID(),
  ) {
    this.id = id;
    this.channel = channel;
    this.channelId = channel.id;
    this.direction = direction;
    this.now = deps.now ?? (() => new Date());
    this.startedAt = this.now();
    this.stateValue = channel.state === 'Up' ? 'up' : 'ringing';
    this.log = deps.logger.child({ callId: this.id, channelId: channel.id });
    this.ari = this.instrument(deps.rest);
    this.own('channel', channel.id);
  }

  get state(): CallState {
    return this.stateValue;
  }

  get isEnded(): boolean {
    return this.endPromise !== undefined;
  }

  /** Aborted when the call starts ending: hand it to waits that must not outlive the call. */
  get signal(): AbortSignal {
    return this.ending.signal;
  }

  /** The one place a call changes state; logs `from -event-> to`, refuses what the table does not allow. */
  private transition(event: CallEvent): boolean {
    const from = this.stateValue;
    const to = TRANSITIONS[from][event];
    if (!to) return false;
    this.stateValue = to;
    this.log.debug({ from, event, to }, `call ${from} -${event}-> ${to}`);
    return true;
  }

  /**
   * Registers an ARI object as this call's, so its events route here and teardown releases it. A playback
   * dies with the call's channel or bridge by itself; one on a channel that outlives the call (a tone to an
   * agent's line) is owned with `stopAtEnd`, and teardown stops it.
   */
  own(kind: ResourceKind, id: string, options: { stopAtEnd?: boolean } = {}): void {
    this.owned.set(`${kind}:${id}`, { kind, id, stopAtEnd: options.stopAtEnd });
    this.deps.router.register(this, kind, id);
  }

  disown(kind: ResourceKind, id: string): void {
    this.owned.delete(`${kind}:${id}`);
    this.deps.router.unregister(this, kind, id);
  }

  /** Runs a task; if the call ends meanwhile, the task is killed and this rejects with SessionEndedError. */
  async run<T>(task: Task<T>): Promise<T> {
    if (this.isEnded) throw new SessionEndedError(this.endReason ?? 'ended');
    this.tasks.add(task);
    try {
      return await task.exec(this);
    } finally {
      this.tasks.delete(task);
    }
  }

  /**
   * Waits for an event routed to this call. Register the wait before sending the command that causes the
   * event: Asterisk often sends the event before the REST response.
   */
  waitFor<E extends RawAriEvent>(
    match: (event: RawAriEvent) => event is E,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<E>;
  waitFor(
    match: (event: RawAriEvent) => boolean,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<RawAriEvent>;
  waitFor(
    match: (event: RawAriEvent) => boolean,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<RawAriEvent> {
    if (this.isEnded) return Promise.reject(new SessionEndedError(this.endReason ?? 'ended'));
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        match,
        resolve: (e) => {
          cleanup();
          resolve(e);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      const onAbort = () => waiter.reject(options.signal?.reason ?? new Error('aborted'));
      if (options.signal?.aborted) {
        reject(options.signal.reason ?? new Error('aborted'));
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => waiter.reject(new WaitTimeoutError(`no event within ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      }
      this.waiters.add(waiter);
    });
  }

  /**
   * Sees every event of this call until untapped or the call ends (e.g. the IVR's DTMF buffer, which must
   * not lose keys pressed while no task is waiting). Cleared at teardown.
   */
  tap(listener: (event: RawAriEvent) => void): () => void {
    if (this.isEnded) return () => {};
    this.taps.add(listener);
    return () => this.taps.delete(listener);
  }

  /** Router entry point. */
  handleEvent(event: RawAriEvent): void {
    // Event-to-command latency is a pure duration: the monotonic clock, never the business clock.
    const arrivedAt = performance.now();
    if (this.trail.length >= 200) this.trail.shift();
    this.trail.push(event.type);
    const channel = (event as { channel?: Channel }).channel;
    // The latency clock starts only for events the call acts on: its first StasisStart, or one a task
    // is waiting for. (Other events, e.g. a state change, would time an unrelated REST round trip.)
    if (event.type === 'StasisStart' && channel?.id === this.channelId) this.eventArrivedAt = arrivedAt;
    if (channel?.id === this.channelId) this.onPrimaryChannelEvent(event, channel);
    for (const tap of this.taps) {
      try {
        tap(event);
      } catch (err) {
        this.log.warn({ err, eventType: event.type }, 'event tap threw');
      }
    }
    for (const waiter of [...this.waiters]) {
      let matched = false;
      try {
        matched = waiter.match(event);
      } catch (err) {
        this.log.warn({ err, eventType: event.type }, 'event matcher threw');
      }
      if (matched) {
        this.eventArrivedAt = arrivedAt;
        waiter.resolve(event);
      }
    }
  }

  private onPrimaryChannelEvent(event: RawAriEvent, channel: Channel): void {
    this.channel = channel;
    switch (event.type) {
      case 'StasisStart':
        this.deps.journal.event(this.id, 'StasisStart');
        // A channel the service originated enters Stasis only once answered.
        if (channel.state === 'Up' && this.transition('answer'))
          this.deps.journal.answered(this.id, this.now());
        break;
      case 'ChannelStateChange':
        if (channel.state === 'Up' && this.transition('answer'))
          this.deps.journal.answered(this.id, this.now());
        break;
      case 'StasisEnd':
      case 'ChannelDestroyed': {
        // A channel that entered from the dialplan gets StasisEnd and never ChannelDestroyed; one we
        // originated gets both. Either means the call is over for us.
        this.channelGone = true;
        this.onChannelGone?.();
        const code = (event as { cause?: number }).cause;
        if (typeof code === 'number') this.channelGoneCause = code;
        const cause = (event as { cause_txt?: string }).cause_txt;
        void this.end(this.endReason ?? (cause ? `hangup: ${cause}` : 'hangup'));
        break;
      }
    }
  }

  /** Hangs up the call (if still up) and tears the session down. */
  hangup(reason = 'service-hangup'): Promise<void> {
    return this.end(reason);
  }

  /** Music on hold to the caller while it waits. Best effort: a caller who just hung up is no error. */
  startMoh(mohClass?: string): Promise<void> {
    return bestEffort(() => this.ari.startMoh(this.channelId, mohClass), this.log, 'start music on hold');
  }

  stopMoh(): Promise<void> {
    return bestEffort(() => this.ari.stopMoh(this.channelId), this.log, 'stop music on hold');
  }

  /**
   * Hangs the call up when another channel of it leaves (the agent or transfer target hung up). Stops
   * watching when the call ends first.
   */
  hangupWhenLegLeaves(legId: string, reason: string): void {
    const watch = new AbortController();
    this.legWatches.get(legId)?.abort();
    this.legWatches.set(legId, watch);
    const left = this.waitFor(
      (e) => (e.type === 'ChannelDestroyed' || e.type === 'StasisEnd') && e.channel?.id === legId,
      { signal: watch.signal },
    );
    void left.then(
      () => bestEffort(() => this.hangup(reason), this.log, 'hang up after the leg left'),
      () => {}, // the call ended first, or the leg was let go (dropLeg)
    );
  }

  /**
   * Lets one leg of the call go while the call goes on (a transfer away from a ring-per-call agent): its
   * leaving no longer ends the call, and it is hung up and forgotten.
   */
  async dropLeg(legId: string): Promise<void> {
    this.legWatches.get(legId)?.abort();
    this.legWatches.delete(legId);
    await bestEffort(() => this.ari.hangup(legId), this.log, 'hang up the dropped leg');
    this.disown('channel', legId);
  }

  /** Tells the session its channel vanished while the service was not looking (resync). */
  markChannelGone(): void {
    this.channelGone = true;
  }

  /**
   * After a reconnect: events sent while the socket was down are lost, so ask Asterisk about every
   * playback and extra channel this call still waits on, and deliver the end events it missed (marked
   * synthetic), so no task waits forever on a playback that finished in the gap.
   */
  async reconcile(liveChannelIds: ReadonlySet<string>): Promise<void> {
    const now = this.now().toISOString();
    for (const { kind, id } of [...this.owned.values()]) {
      if (this.isEnded) return;
      if (kind === 'playback') {
        const gone = await this.deps.rest.getPlayback(id).then(
          () => false,
          (err: unknown) => isGone(err),
        );
        if (gone) {
          this.handleEvent({
            type: 'PlaybackFinished',
            application: '',
            timestamp: now,
            playback: { id, media_uri: '', target_uri: `channel:${this.channelId}`, state: 'done' },
            synthetic: true,
          } as RawAriEvent);
        }
      } else if (kind === 'channel' && id !== this.channelId && !liveChannelIds.has(id)) {
        this.handleEvent({
          type: 'ChannelDestroyed',
          application: '',
          timestamp: now,
          channel: { id } as Channel,
          cause: 0,
          cause_txt: 'gone while disconnected',
          synthetic: true,
        } as RawAriEvent);
      }
    }
  }

  /**
   * Teardown: runs once whatever ended the call (caller hang-up, service hang-up, resync finding the
   * channel gone, shutdown). Kills tasks, fails pending waits, hangs up channels and destroys bridges the
   * call still owns, forgets every id in the router, writes the end to the journal.
   */
  end(reason: string): Promise<void> {
    if (!this.endPromise) {
      this.endReason = reason;
      this.endPromise = this.teardown(reason);
      this.ending.abort(new SessionEndedError(reason));
    }
    return this.endPromise;
  }

  private async teardown(reason: string): Promise<void> {
    this.transition('end');
    try {
      const ended = new SessionEndedError(reason);
      for (const waiter of [...this.waiters]) waiter.reject(ended);
      for (const task of [...this.tasks]) {
        try {
          task.kill();
        } catch (err) {
          this.log.warn({ err, task: task.name }, 'task kill threw');
        }
      }
      // When the service ends the call, stay subscribed until Asterisk confirms the channel left (bounded),
      // so the end events reach this session instead of arriving for nobody.
      const primaryGone = this.channelGone
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.onChannelGone = resolve;
            setTimeout(resolve, 2_000).unref();
          });
      const releases: Promise<unknown>[] = [];
      for (const { kind, id, stopAtEnd } of this.owned.values()) {
        if (kind === 'bridge') releases.push(this.release(() => this.deps.rest.destroyBridge(id)));
        if (kind === 'playback' && stopAtEnd)
          releases.push(this.release(() => this.deps.rest.stopPlayback(id)));
        if (kind === 'channel' && !(id === this.channelId && this.channelGone)) {
          releases.push(this.release(() => this.deps.rest.hangup(id)));
        }
      }
      await Promise.all(releases);
      await primaryGone;
    } catch (err) {
      this.log.error({ err }, 'teardown step failed');
    } finally {
      this.deps.router.unregisterOwner(this);
      this.owned.clear();
      this.waiters.clear();
      this.taps.clear();
      this.tasks.clear();
      try {
        this.deps.journal.event(this.id, 'ended', { reason, trail: this.trail });
        this.deps.journal.ended(this.id, reason, this.now());
      } catch (err) {
        this.log.error({ err }, 'could not record call end');
      }
      this.transition('finish');
      this.log.info({ reason, durationMs: this.now().getTime() - this.startedAt.getTime() }, 'call ended');
      this.deps.onEnded?.(this);
      this.resolveDone();
    }
  }

  /** Runs a releasing command; "already gone" is the expected race with a hang-up, not an error. */
  private release(fn: () => Promise<unknown>): Promise<void> {
    return bestEffort(fn, this.log, 'release on teardown');
  }

  /** Wraps the REST commands so the first command after an event records the event-to-command latency. */
  private instrument(rest: AriRest): SessionCommands {
    return new Proxy(rest, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (this.eventArrivedAt !== undefined) {
            this.deps.onCommandLatency?.(performance.now() - this.eventArrivedAt);
            this.eventArrivedAt = undefined;
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }
}

/** Live sessions of this instance; tells when it is empty, for draining on shutdown. */
export class CallRegistry {
  private readonly sessions = new Map<string, CallSession>();
  private readonly byChannel = new Map<string, CallSession>();
  private emptyWaiters: (() => void)[] = [];

  constructor(private readonly onSizeChange?: (size: number) => void) {}

  add(session: CallSession): void {
    this.sessions.set(session.id, session);
    this.byChannel.set(session.channelId, session);
    this.onSizeChange?.(this.sessions.size);
  }

  remove(session: CallSession): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    if (this.byChannel.get(session.channelId) === session) this.byChannel.delete(session.channelId);
    this.onSizeChange?.(this.sessions.size);
    if (this.sessions.size === 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const w of waiters) w();
    }
  }

  get(id: string): CallSession | undefined {
    return this.sessions.get(id);
  }

  byChannelId(channelId: string): CallSession | undefined {
    return this.byChannel.get(channelId);
  }

  list(): CallSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Resolves when no session is live (at once if none is). */
  whenEmpty(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }
}
