import type { Logger } from 'pino';
import type { RawAriEvent, StasisStartEvent } from './types.js';

/** What the router hands events to: a CallSession, or anything else that owns ARI objects. */
export interface EventOwner {
  readonly id: string;
  handleEvent(event: RawAriEvent): void;
}

export type ResourceKind = 'channel' | 'bridge' | 'playback' | 'recording';

export interface RouterHooks {
  /** A StasisStart for a channel nobody owns: a new call. */
  onNewChannel(event: StasisStartEvent): void;
  /** Any event that reached no owner (counted and logged at debug: most are harmless stragglers). */
  onUnrouted?(event: RawAriEvent): void;
}

/**
 * The one ARI event router. Subscribed once to the socket; dispatches each event by the ids it carries
 * (channel, peer, bridge, playback, recording) to the owner registered for that id. Owners register ids
 * before the command that creates the object, because Asterisk often sends the event before the REST
 * response. Nothing is attached per object, so nothing is left behind after a hang-up: unregisterOwner
 * drops every id an owner held.
 */
export class EventRouter {
  private readonly owners = new Map<string, EventOwner>();
  private readonly idsByOwner = new Map<EventOwner, Set<string>>();
  private readonly log: Logger;

  constructor(
    logger: Logger,
    private readonly hooks: RouterHooks,
  ) {
    this.log = logger.child({ component: 'ari-router' });
  }

  register(owner: EventOwner, kind: ResourceKind, id: string): void {
    const key = `${kind}:${id}`;
    const previous = this.owners.get(key);
    if (previous && previous !== owner) {
      this.log.warn({ key, previous: previous.id, next: owner.id }, 'ARI object changes owner');
      this.idsByOwner.get(previous)?.delete(key);
    }
    this.owners.set(key, owner);
    let ids = this.idsByOwner.get(owner);
    if (!ids) {
      ids = new Set();
      this.idsByOwner.set(owner, ids);
    }
    ids.add(key);
  }

  /**
   * The object's events go to `next` from now on, without the warning of `register`: its owner lets it
   * go on purpose (a session whose channel left Stasis for the dialplan, to a ChannelWatch).
   */
  handOver(kind: ResourceKind, id: string, next: EventOwner): void {
    const key = `${kind}:${id}`;
    const previous = this.owners.get(key);
    if (previous && previous !== next) this.idsByOwner.get(previous)?.delete(key);
    this.owners.delete(key);
    this.register(next, kind, id);
  }

  unregister(owner: EventOwner, kind: ResourceKind, id: string): void {
    const key = `${kind}:${id}`;
    if (this.owners.get(key) === owner) this.owners.delete(key);
    this.idsByOwner.get(owner)?.delete(key);
  }

  /** Forgets every id the owner held. */
  unregisterOwner(owner: EventOwner): void {
    const ids = this.idsByOwner.get(owner);
    if (ids) {
      for (const key of ids) if (this.owners.get(key) === owner) this.owners.delete(key);
    }
    this.idsByOwner.delete(owner);
  }

  ownerOf(kind: ResourceKind, id: string): EventOwner | undefined {
    return this.owners.get(`${kind}:${id}`);
  }

  /** Number of registered ids (a leak shows up here in tests and metrics). */
  get size(): number {
    return this.owners.size;
  }

  dispatch(event: RawAriEvent): void {
    if (!event || typeof event.type !== 'string') {
      this.log.warn({ event }, 'ARI event without a type skipped');
      return;
    }
    const targets = this.ownersFor(event);
    if (targets.size === 0) {
      if (event.type === 'StasisStart' && typeof (event as StasisStartEvent).channel?.id === 'string') {
        this.hooks.onNewChannel(event as StasisStartEvent);
        return;
      }
      this.hooks.onUnrouted?.(event);
      return;
    }
    for (const owner of targets) {
      try {
        owner.handleEvent(event);
      } catch (err) {
        this.log.error({ err, owner: owner.id, eventType: event.type }, 'event owner threw');
      }
    }
  }

  private ownersFor(event: RawAriEvent): Set<EventOwner> {
    const found = new Set<EventOwner>();
    const add = (kind: ResourceKind, id: unknown) => {
      if (typeof id !== 'string') return;
      const owner = this.owners.get(`${kind}:${id}`);
      if (owner) found.add(owner);
    };
    const e = event as Partial<
      Record<
        'channel' | 'peer' | 'caller' | 'bridge' | 'playback' | 'recording',
        { id?: unknown; name?: unknown; target_uri?: unknown }
      >
    >;
    add('channel', e.channel?.id);
    add('channel', e.peer?.id);
    add('channel', e.caller?.id);
    add('bridge', e.bridge?.id);
    add('playback', e.playback?.id);
    add('recording', e.recording?.name);
    // A playback or recording we did not register (e.g. started before a restart) still belongs to the
    // owner of its target.
    for (const target of [e.playback?.target_uri, e.recording?.target_uri]) {
      if (typeof target !== 'string') continue;
      const [kind, id] = target.split(':', 2);
      if (kind === 'channel' || kind === 'bridge') add(kind, id);
    }
    return found;
  }
}
