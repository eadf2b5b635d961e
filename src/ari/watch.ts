import type { Logger } from 'pino';
import { bestEffort } from '../lib/best-effort.js';
import type { AriRest } from './rest.js';
import type { EventOwner, EventRouter } from './router.js';
import type { CallSession } from './session.js';
import type { RawAriEvent } from './types.js';

/** How a watched channel ended: the last value of each variable asked for, and the hang-up cause. */
export interface WatchedEnd {
  variables: Record<string, string>;
  cause: number | undefined;
}

/**
 * Hears a channel after it left Stasis for the dialplan (a fax: SendFAX / ReceiveFAX set FAXSTATUS and
 * the rest, and the far end may hang up before the dialplan could enter Stasis again). The application
 * subscribes to the channel while it is still in Stasis, so its events keep coming; at StasisEnd the
 * session hands the channel to the watch in the router, which keeps the last value of the variables
 * asked for and ends at ChannelDestroyed (Asterisk drops the subscription with the channel). `stop`
 * ends it sooner (a timeout).
 */
export class ChannelWatch implements EventOwner {
  readonly id: string;
  /** Settles once the channel is destroyed or the watch is stopped; never rejects. */
  readonly ended: Promise<WatchedEnd>;
  private readonly values = new Map<string, string>();
  private finish!: (end: WatchedEnd) => void;
  private done = false;

  constructor(
    readonly channelId: string,
    private readonly names: ReadonlySet<string>,
    private readonly deps: { app: string; rest: AriRest; router: EventRouter; log: Logger },
  ) {
    this.id = `watch:${channelId}`;
    this.ended = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  /**
   * Subscribes while `session`'s channel is in Stasis and takes the channel over when it leaves (the
   * session's StasisEnd). Throws (nothing left attached) when the subscription fails.
   */
  static async follow(
    session: CallSession,
    names: readonly string[],
    deps: { app: string; rest: AriRest; router: EventRouter; log: Logger },
  ): Promise<ChannelWatch> {
    const watch = new ChannelWatch(session.channelId, new Set(names), deps);
    await deps.rest.subscribeApplication(deps.app, watch.source);
    let handedOver = false;
    const untap = session.tap((event) => {
      if (event.type !== 'StasisEnd' || event.channel?.id !== watch.channelId) return;
      untap();
      handedOver = true;
      if (!watch.done) deps.router.handOver('channel', watch.channelId, watch);
    });
    // A session that ended without handing the channel over (hung up before the tap, a resync that found
    // the channel gone, shutdown) leaves nothing to hear: the watch ends rather than wait for its timeout.
    void session.done.then(() => {
      if (!handedOver) void watch.stop();
    });
    return watch;
  }

  private get source(): string {
    return `channel:${this.channelId}`;
  }

  handleEvent(event: RawAriEvent): void {
    if ((event as { channel?: { id?: unknown } }).channel?.id !== this.channelId) return;
    if (event.type === 'ChannelVarset') {
      const { variable, value } = event as { variable?: unknown; value?: unknown };
      if (typeof variable === 'string' && this.names.has(variable))
        this.values.set(variable, typeof value === 'string' ? value : '');
    } else if (event.type === 'ChannelDestroyed') {
      const cause = (event as { cause?: unknown }).cause;
      this.settle(typeof cause === 'number' ? cause : undefined);
    }
  }

  /** Stops hearing the channel (it may live on): unsubscribes, best effort. */
  async stop(): Promise<void> {
    if (this.done) return;
    this.settle(undefined);
    await bestEffort(
      () => this.deps.rest.unsubscribeApplication(this.deps.app, this.source),
      this.deps.log,
      'unsubscribe from a channel',
    );
  }

  private settle(cause: number | undefined): void {
    if (this.done) return;
    this.done = true;
    this.deps.router.unregisterOwner(this);
    this.finish({ variables: Object.fromEntries(this.values), cause });
  }
}
