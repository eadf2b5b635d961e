import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { bestEffort, observed } from '../lib/best-effort.js';
import { maskNumber } from '../lib/mask.js';
import type { Metrics } from '../lib/metrics.js';
import { AriConnection } from './connection.js';
import { AriError, isGone } from './errors.js';
import { AriRest } from './rest.js';
import { EventRouter } from './router.js';
import {
  type CallDirection,
  type CallJournal,
  CallRegistry,
  CallSession,
  SessionEndedError,
} from './session.js';
import type { Bridge, Channel, RawAriEvent, StasisStartEvent } from './types.js';
import { ChannelWatch } from './watch.js';

/** What runs a call. When it returns or throws, the call is hung up and torn down. */
export type CallHandler = (session: CallSession, start: StasisStartEvent | undefined) => Promise<void>;

export interface CallRoute {
  direction: CallDirection;
  handler: CallHandler;
}

/** What a recoverer sees of the PBX during resync. */
export interface PbxSnapshot {
  channels: ReadonlyMap<string, Channel>;
  bridges: readonly Bridge[];
  /** Channels currently in this application. */
  inApp: ReadonlySet<string>;
}

export type Recoverer = (pbx: PbxSnapshot) => Promise<void>;

export interface OpenCallRecord {
  id: string;
  channelId: string;
}

export interface AriAppOptions {
  ari: {
    url: string;
    username: string;
    password: string;
    app: string;
    commandTimeoutMs: number;
    /** Ping and registration check interval (default 5 s). */
    heartbeatMs?: number;
    reconnect: { initialDelayMs: number; maxDelayMs: number };
    orphanPolicy: 'hangup' | 'reattach';
  };
  logger: Logger;
  metrics: Metrics;
  journal: CallJournal & { listOpen(): OpenCallRecord[] };
  /** Picks the handler for a new call from its StasisStart (args say why it came). */
  route(start: StasisStartEvent): CallRoute | undefined;
  /** Handler for a channel found in the app after a restart with no session ('reattach' policy). */
  reattach?: CallRoute;
  /** Told of each event-to-command latency sample (ms), for benchmarks. */
  onCommandLatency?: (ms: number) => void;
  /** The business clock for call records (start, answer, end; default: the real clock). */
  now?: () => Date;
  /** Keys a caller's full number for the call record (to recognise them again), so it is never kept. */
  callerKey?: (number: string | undefined) => string | null;
}

export interface ResyncReport {
  /** Sessions whose channel is still up: they carry on. */
  kept: number;
  /** Sessions whose channel ended while the socket was down: closed out. */
  closedOut: number;
  /** Channels in the app with no session: hung up (policy 'hangup'). */
  orphansHungUp: number;
  /** Channels in the app with no session: adopted (policy 'reattach'). */
  orphansAdopted: number;
  /** Bridges of this app that no session owns: destroyed. */
  bridgesDestroyed: number;
  /** Call records left open by an earlier run of this instance: closed. */
  recordsClosed: number;
}

/**
 * The ARI side of the service: one connection, one router, the session registry, and the resync that
 * runs after every (re)connect. Everything else talks to Asterisk through this and the sessions.
 */
export class AriApp {
  readonly rest: AriRest;
  readonly connection: AriConnection;
  readonly router: EventRouter;
  readonly registry: CallRegistry;
  private readonly log: Logger;
  private accepting = true;
  private resynced = false;
  /** Bumped at every socket open and loss: a resync counts for readiness only within its generation. */
  private connectionGeneration = 0;
  private resyncing: Promise<ResyncReport> | undefined;
  private lastResync: ResyncReport | undefined;
  private readonly recoverers: Recoverer[] = [];
  private readonly now: () => Date;

  constructor(private readonly options: AriAppOptions) {
    const { ari, logger, metrics } = options;
    this.now = options.now ?? (() => new Date());
    this.log = logger.child({ component: 'ari-app', app: ari.app });
    this.rest = new AriRest({
      url: ari.url,
      username: ari.username,
      password: ari.password,
      timeoutMs: ari.commandTimeoutMs,
      onError: (err) => metrics.ariCommandErrors.inc({ command: err.command, kind: err.kind }),
    });
    this.connection = new AriConnection({
      url: ari.url,
      username: ari.username,
      password: ari.password,
      app: ari.app,
      initialDelayMs: ari.reconnect.initialDelayMs,
      maxDelayMs: ari.reconnect.maxDelayMs,
      heartbeatMs: ari.heartbeatMs,
      isRegistered: () =>
        this.rest.getApplication(ari.app).then(
          () => true,
          (err: unknown) => (err instanceof AriError && err.kind === 'not-found' ? false : undefined),
        ),
      logger,
    });
    this.registry = new CallRegistry((size) => metrics.activeCalls.set(size));
    this.router = new EventRouter(logger, {
      onNewChannel: (event) => this.onNewChannel(event),
      onUnrouted: (event) => this.log.trace({ eventType: event.type }, 'event for no live call'),
    });
  }

  /**
   * Connected and resynced since the last (re)connect: calls found on the PBX have been re-attached, so
   * what the service reports about them is true (readiness).
   */
  get isReady(): boolean {
    return this.connection.isOpen && this.resynced;
  }

  get appName(): string {
    return this.options.ari.app;
  }

  get lastResyncReport(): ResyncReport | undefined {
    return this.lastResync;
  }

  /** Connects, and resolves once the first socket is open and the first resync has run. */
  async start(): Promise<void> {
    const { metrics } = this.options;
    let firstResync: Promise<unknown> | undefined;
    await this.connection.start({
      onEvent: (event) => this.onEvent(event),
      onOpen: ({ reconnect }) => {
        metrics.ariConnected.set(1);
        if (reconnect) metrics.ariReconnects.inc();
        const run = this.resyncForConnection();
        firstResync ??= run;
        return run;
      },
      onDown: () => {
        this.connectionGeneration += 1;
        this.resynced = false;
        metrics.ariConnected.set(0);
      },
    });
    await firstResync;
  }

  /**
   * Resyncs for the socket just opened; only a run that started after this open makes the service ready.
   * A run still going from before (begun while the old socket was up) is let finish, then a fresh one runs.
   */
  private async resyncForConnection(): Promise<void> {
    const generation = ++this.connectionGeneration;
    const current = () => generation === this.connectionGeneration;
    this.resynced = false;
    // Only its end matters here: the run that awaited it logged its failure.
    await Promise.allSettled([this.resyncing]);
    // A failed run (Asterisk slow to answer a list, say) is tried again: readiness must not stay off for
    // as long as the socket happens to stay up.
    for (let attempt = 0; current(); attempt += 1) {
      try {
        await this.resync();
        if (current()) this.resynced = true;
        return;
      } catch (err) {
        if (!current()) return;
        const retryInMs = Math.min(5_000, 500 * 2 ** attempt);
        this.log.error({ err, retryInMs }, 'resync failed: trying again');
        await new Promise((r) => setTimeout(r, retryInMs).unref());
      }
    }
  }

  /**
   * Registers a module that re-attaches its calls after a restart or reconnect from its saved state (the
   * agents' lines, the queue's callers). Recoverers run during resync before the orphan policy, so what
   * they adopt is not hung up.
   */
  addRecoverer(recoverer: Recoverer): void {
    this.recoverers.push(recoverer);
  }

  /** Stops taking new calls: a new channel is refused (hung up busy) from now on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Hangs up every live call (after a drain timeout) and waits for their teardown. */
  async hangupAll(reason: string): Promise<void> {
    await Promise.all(this.registry.list().map((s) => s.hangup(reason)));
  }

  async stop(): Promise<void> {
    this.options.metrics.ariConnected.set(0);
    this.connectionGeneration += 1; // no resync is retried after this
    await this.connection.stop();
    // A resync still running (a reconnect just before the stop) finishes before the store closes; the run
    // that awaited it logged its failure.
    await Promise.allSettled([this.resyncing]);
    this.rest.close();
  }

  private onEvent(event: RawAriEvent): void {
    const { metrics } = this.options;
    metrics.ariEvents.inc({ type: typeof event.type === 'string' ? event.type : 'invalid' });
    const at = Date.parse(event.timestamp?.replace(/([+-]\d\d)(\d\d)$/, '$1:$2') ?? '');
    // Lag against Asterisk's own (real) clock: a measurement, never the business clock.
    if (Number.isFinite(at)) metrics.ariEventLag.observe(Math.max(0, (Date.now() - at) / 1000));
    this.router.dispatch(event);
  }

  private onNewChannel(event: StasisStartEvent): void {
    const channel = event.channel;
    const log = this.log.child({ channelId: channel.id });
    if (!this.accepting) {
      log.info('not accepting calls (draining): refusing');
      void bestEffort(() => this.rest.hangup(channel.id, 'busy'), log, 'refuse the call');
      return;
    }
    const route = this.options.route(event);
    if (!route) {
      log.warn({ args: event.args }, 'no handler for this call: hanging up');
      void bestEffort(() => this.rest.hangup(channel.id, 'congestion'), log, 'hang up the unrouted call');
      return;
    }
    const session = this.openSession(channel, route.direction);
    // The session owns the channel now; replay the StasisStart so it sees its own first event.
    session.handleEvent(event);
    this.runSession(session, route, event);
  }

  /**
   * Originates a call that is a session of its own (an agent's line; a customer call placed for an agent)
   * and runs `route.handler` on it once answered. The session owns the channel before the originate, so
   * no event is missed; a call never answered just ends. Throws if the PBX refuses the dial string.
   */
  async originateSession(
    params: {
      endpoint: string;
      appArgs: string;
      timeoutSec: number;
      callerId?: string;
      formats?: string;
      channelId?: string;
      variables?: Record<string, string>;
    },
    route: CallRoute,
    id?: string,
    /** Runs on the new session before the originate, so taps see every progress event (Dial, ringing). */
    onOpened?: (session: CallSession) => void,
  ): Promise<CallSession> {
    const channelId = params.channelId ?? `${this.appName}-${randomUUID()}`;
    const placeholder: Channel = {
      id: channelId,
      name: params.endpoint,
      state: 'Down',
      caller: { name: '', number: '' },
      connected: { name: '', number: '' },
      creationtime: this.now().toISOString(),
    };
    const session = this.openSession(placeholder, route.direction, id);
    // Asterisk may report the answer before the originate's response: wait for it from now on.
    // A leg that is never answered ends the session; runSession sees that.
    const answered = observed(
      session.waitFor((e): e is StasisStartEvent => e.type === 'StasisStart' && e.channel?.id === channelId),
    );
    onOpened?.(session);
    try {
      await session.ari.originate({
        endpoint: params.endpoint,
        app: this.appName,
        appArgs: params.appArgs,
        channelId,
        timeout: params.timeoutSec,
        callerId: params.callerId,
        formats: params.formats ?? 'ulaw,alaw',
        variables: params.variables,
      });
    } catch (err) {
      session.markChannelGone();
      await session.end(`originate failed: ${(err as Error).message}`);
      throw err;
    }
    // The handler runs once the far end has answered, with its StasisStart.
    this.runSession(
      session,
      { direction: route.direction, handler: async (s) => route.handler(s, await answered) },
      undefined,
    );
    return session;
  }

  /**
   * Keeps hearing a session's channel after it leaves Stasis for the dialplan: call while it is still in
   * Stasis, before the continue (see ChannelWatch).
   */
  followAfterStasis(session: CallSession, variables: readonly string[]): Promise<ChannelWatch> {
    return ChannelWatch.follow(session, variables, {
      app: this.appName,
      rest: this.rest,
      router: this.router,
      log: session.log,
    });
  }

  /** Creates and registers a session for a channel (the caller's, or one the service originates). */
  openSession(channel: Channel, direction: CallDirection, id?: string): CallSession {
    const { journal, logger, metrics } = this.options;
    const session = new CallSession(
      channel,
      direction,
      {
        rest: this.rest,
        router: this.router,
        journal,
        logger,
        now: this.now,
        onCommandLatency: (ms) => {
          metrics.ariEventToCommand.observe(ms / 1000);
          this.options.onCommandLatency?.(ms);
        },
        onEnded: (s) => this.registry.remove(s),
      },
      id,
    );
    this.registry.add(session);
    try {
      journal.opened({
        id: session.id,
        channelId: channel.id,
        direction,
        caller: maskNumber(channel.caller?.number),
        callerKey: this.options.callerKey?.(channel.caller?.number) ?? null,
        dnis: channel.dialplan?.exten ?? '',
        startedAt: session.startedAt,
      });
    } catch (err) {
      session.log.error({ err }, 'could not record call start');
    }
    session.log.info({ direction, state: channel.state }, 'call session opened');
    return session;
  }

  /** Runs a handler on a session; teardown runs in finally whatever happens. */
  runSession(session: CallSession, route: CallRoute, start: StasisStartEvent | undefined): void {
    void (async () => {
      let reason = 'completed';
      try {
        await route.handler(session, start);
      } catch (err) {
        if (err instanceof SessionEndedError) reason = err.reason;
        else if (isGone(err)) reason = 'channel gone';
        else {
          reason = 'handler error';
          session.log.error({ err }, 'call handler failed');
        }
      } finally {
        await session.end(session.endReason ?? reason);
      }
    })();
  }

  /**
   * Reconciles live sessions with what Asterisk has now. Runs after every (re)connect and at start-up;
   * never waits for a StasisStart for a call already in progress. Concurrent calls share one run.
   */
  resync(): Promise<ResyncReport> {
    this.resyncing ??= this.doResync().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  private async doResync(): Promise<ResyncReport> {
    const { metrics, journal } = this.options;
    const app = this.options.ari.app;
    const report: ResyncReport = {
      kept: 0,
      closedOut: 0,
      orphansHungUp: 0,
      orphansAdopted: 0,
      bridgesDestroyed: 0,
      recordsClosed: 0,
    };
    const [application, channels, bridges] = await Promise.all([
      this.rest.getApplication(app),
      this.rest.listChannels(),
      this.rest.listBridges(),
    ]);
    const live = new Map(channels.map((c) => [c.id, c]));
    const liveIds = new Set(live.keys());
    const inApp = new Set(application.channel_ids);

    // 1. Sessions: still up -> keep (with fresh channel state); gone -> close out.
    for (const session of this.registry.list()) {
      const channel = live.get(session.channelId);
      if (channel) {
        session.channel = channel;
        await session.reconcile(liveIds);
        report.kept += 1;
        continue;
      }
      session.markChannelGone();
      session.log.info('channel ended while ARI was disconnected: closing out');
      await session.end('ended while disconnected');
      report.closedOut += 1;
    }

    // 2. Modules re-attach what their saved state says is theirs.
    for (const recoverer of this.recoverers) {
      try {
        await recoverer({ channels: live, bridges, inApp });
      } catch (err) {
        this.log.error({ err }, 'a module failed to re-attach its calls');
      }
    }

    // 3. Channels in our app that no session owns (we restarted, or a session died): apply the policy.
    const adopted = new Set<string>();
    for (const channelId of inApp) {
      if (this.router.ownerOf('channel', channelId)) continue;
      const channel = live.get(channelId);
      // Originating a Local channel subscribes the app to its ;2 half too, which runs dialplan: only a
      // channel actually in our Stasis application is ours to adopt or hang up.
      if (!channel || !inStasisOf(channel, app)) continue;
      if (this.options.ari.orphanPolicy === 'reattach' && this.options.reattach) {
        const session = this.openSession(channel, this.options.reattach.direction);
        session.log.info('re-attached a call found in the app after restart');
        this.runSession(session, this.options.reattach, undefined);
        adopted.add(channelId);
        report.orphansAdopted += 1;
      } else {
        this.log.info({ channelId }, 'orphan channel in the app: hanging up');
        await bestEffort(() => this.rest.hangup(channelId), this.log, `hang up orphan ${channelId}`);
        report.orphansHungUp += 1;
      }
    }

    // 4. Bridges this app made (ids carry the app name) that no session owns.
    for (const bridge of bridges) {
      if (!bridge.id.startsWith(`${app}-`) || this.router.ownerOf('bridge', bridge.id)) continue;
      await bestEffort(() => this.rest.destroyBridge(bridge.id), this.log, `destroy bridge ${bridge.id}`);
      report.bridgesDestroyed += 1;
    }

    // 5. Durable records of calls this instance had open before it restarted.
    for (const record of journal.listOpen()) {
      if (this.registry.get(record.id)) continue;
      const outcome = adopted.has(record.channelId)
        ? 're-attached in a new session'
        : live.has(record.channelId)
          ? 'orphan hung up'
          : 'call had ended';
      journal.ended(record.id, `service restarted: ${outcome}`, this.now());
      report.recordsClosed += 1;
    }

    for (const [outcome, n] of Object.entries(report)) if (n > 0) metrics.resyncs.inc({ outcome }, n);
    this.lastResync = report;
    this.log.info(report, 'resync done');
    return report;
  }
}

/** True when the channel sits in Stasis() of this application (not merely subscribed to it). */
function inStasisOf(channel: Channel, app: string): boolean {
  const { app_name: name, app_data: data } = channel.dialplan ?? {};
  return name === 'Stasis' && (data ?? '').split(',')[0] === app;
}
