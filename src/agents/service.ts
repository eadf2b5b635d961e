import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AriApp, PbxSnapshot } from '../ari/app.js';
import { bridgeTask } from '../ari/bridge.js';
import { keyTask } from '../ari/dtmf.js';
import { PlayTask } from '../ari/play.js';
import { type CallSession, SessionEndedError } from '../ari/session.js';
import type { ChannelDtmfReceivedEvent, RawAriEvent } from '../ari/types.js';
import { bestEffort, observed } from '../lib/best-effort.js';
import type { Store } from '../store/index.js';
import { lineDialString, lineShown } from './line.js';
import type { AgentNotifier } from './notifier.js';
import { agentBridgeId, agentLinesOnPbx, newerRecord, restoredFromLog } from './restore.js';
import {
  type AgentEvent,
  type AgentState,
  describe,
  isLoggedIn,
  type NotReadyReason,
  transition,
} from './state.js';
import {
  type AgentDirectory,
  AgentNotFoundError,
  AgentStateError,
  type AgentView,
  type RequestedAgentEvent,
} from './types.js';

export interface AgentsConfig {
  /** Timed after-call work before the agent is ready again. */
  wrapUpSec: number;
  /** The plan's rule: an agent not ready this long is logged out. */
  autoLogoutNotReadySec: number;
  /** An agent whose line dropped and did not come back is logged out after this. */
  lineDroppedLogoutSec: number;
  /** How long the agent's phone rings at login (persistent line). */
  lineAnswerTimeoutSec: number;
  /** Ring-per-call offers an agent may miss in a row before being set not ready. */
  maxMissedOffers: number;
  /** A remote line: the key that takes it, how long it is waited for, the prompt asking for it. */
  remoteAcceptKey: string;
  remoteAcceptTimeoutSec: number;
  remoteAcceptPrompt?: string[];
  /** The caller ID a remote line's phone sees. */
  remoteCallerId?: string;
}

type StoredAgent = NonNullable<ReturnType<Store['agents']['get']>>;

/** What is kept in Redis per agent, so a restart re-attaches instead of forgetting. */
interface LiveAgent extends AgentState {
  idleSince: number;
  missedOffers: number;
  lineChannelId?: string;
  bridgeId?: string;
}

interface Seat {
  row: StoredAgent;
  live: LiveAgent;
  line?: CallSession;
  wrapTimer?: NodeJS.Timeout;
  /** The line is being hung up on purpose (logout): its end is not a drop. */
  closingLine?: boolean;
  /** Deactivated by an admin while logged in: takes no new call, logged out as soon as it is off a call. */
  retired?: boolean;
}

/** Who moved an agent whose line the PBX still had when Redis had lost them. */
const BY_RESTORE = 'service (restart: line up on the PBX)';

/**
 * The agents' live side: one seat per stored agent with its state (through the one transition function),
 * its persistent line (a call held to the agent's phone for the shift, bridged in the agent's own bridge),
 * after-call timers and the 15-minute rule. State is written through to Redis and re-attached after a
 * restart. The hotline queue and the dialer reserve and connect agents through it.
 */
export class AgentService implements AgentDirectory {
  private readonly seats = new Map<string, Seat>();
  private readyRoute: ((agent: AgentView) => void) | undefined;
  private wrapUpTimeout: ((agent: AgentView) => boolean) | undefined;
  private readonly dropListeners = new Set<(agent: AgentView, callId: string | undefined) => void>();
  private readonly customerHangupListeners = new Set<(agentId: string, callId: string) => void>();
  private readonly wrapUpListeners = new Set<(agentId: string, callId: string, wrapMs: number) => void>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The first recovery after start looks for agents' lines on the PBX whatever Redis remembered. */
  private recoveredOnce = false;
  private readonly log: Logger;

  constructor(
    private readonly deps: {
      store: Store;
      redis: Redis;
      ari: AriApp;
      events: AgentNotifier;
      logger: Logger;
      config: AgentsConfig;
      /** The trunk's dial string (config dialer.dialString): a remote line is called through it. */
      trunkDialString: string;
      now: () => number;
    },
  ) {
    this.log = deps.logger.child({ component: 'agents' });
  }

  /** Loads seats from the store and their live state from Redis; registers line recovery with ARI. */
  async start(): Promise<void> {
    await this.loadSeats();
    this.deps.ari.addRecoverer((pbx) => this.recoverLines(pbx));
    this.sweepTimer = setInterval(() => this.sweep(), 5_000);
    this.sweepTimer.unref();
  }

  /** Stops timers; lines that end from now on (shutdown) are not drops. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    for (const seat of this.seats.values()) clearTimeout(seat.wrapTimer);
  }

  // --- AgentDirectory (the API) ---------------------------------------------------------------------

  list(): AgentView[] {
    return [...this.seats.values()].map((s) => this.view(s));
  }

  get(id: string): AgentView | undefined {
    const seat = this.seats.get(id);
    return seat && this.view(seat);
  }

  async request(agentId: string, event: RequestedAgentEvent, by: string): Promise<AgentView> {
    const seat = this.seat(agentId);
    if (event.type === 'login') return this.login(seat, by);
    if (event.type === 'logout') return this.logout(seat, by, 'logout');
    return this.apply(agentId, event, by);
  }

  async reload(): Promise<void> {
    await this.loadSeats();
  }

  /** Writes every agent's live state into Redis again (it lost its data, or may have missed writes). */
  async rewriteLiveState(): Promise<{ agents: number; loggedIn: number }> {
    const seats = [...this.seats.values()];
    const tx = this.deps.redis.multi();
    for (const seat of seats) tx.set(this.key(seat.row.id), JSON.stringify(seat.live));
    await tx.exec();
    return { agents: seats.length, loggedIn: seats.filter((s) => isLoggedIn(s.live)).length };
  }

  // --- for the queue and the dialer -------------------------------------------------------------------

  /** Agents who could take a call now: ready, and with their line up if they work on one. */
  available(): AgentView[] {
    return [...this.seats.values()]
      .filter(
        (s) => !s.retired && s.live.state === 'ready' && (s.row.lineMode === 'per-call' || this.lineUp(s)),
      )
      .map((s) => this.view(s));
  }

  /** The agent's own bridge (persistent line), where a customer is added to be connected at once. */
  bridgeOf(agentId: string): string | undefined {
    const seat = this.seats.get(agentId);
    return seat && this.lineUp(seat) ? seat.live.bridgeId : undefined;
  }

  /** The channel of the agent's persistent line, while it is up (to play progress tones to the agent). */
  lineOf(agentId: string): string | undefined {
    const seat = this.seats.get(agentId);
    return seat && this.lineUp(seat) ? seat.live.lineChannelId : undefined;
  }

  /**
   * Moves the agent's persistent line into another bridge (a colleague's, to be consulted about a call
   * before it is transferred to them) or, with none given, back into the agent's own. Throws
   * AgentStateError when the line is not up.
   */
  async moveLine(agentId: string, toBridgeId?: string): Promise<void> {
    const seat = this.seat(agentId);
    const line = seat.line;
    const home = seat.live.bridgeId;
    if (!line || line.isEnded || !home)
      throw new AgentStateError(`agent ${agentId}: the phone line is not up`);
    await line.run(bridgeTask({ bridge: { join: toBridgeId ?? home } }));
  }

  /** Offers a call to a ready agent; false if they are no longer ready. */
  reserve(agentId: string, callId: string, by: string): boolean {
    try {
      this.apply(agentId, { type: 'reserve', callId }, by);
      return true;
    } catch (err) {
      if (err instanceof AgentStateError) return false;
      throw err;
    }
  }

  connected(agentId: string, callId: string, by: string): void {
    this.apply(agentId, { type: 'connect', callId }, by);
    const seat = this.seat(agentId);
    seat.live.missedOffers = 0;
  }

  /** The offer did not connect. A missed ring-per-call offer counts towards not-ready. */
  released(agentId: string, by: string, missed = false): void {
    const seat = this.seats.get(agentId);
    if (seat?.live.state !== 'reserved') return;
    this.apply(agentId, { type: 'release' }, by);
    if (!missed) return;
    seat.live.missedOffers += 1;
    if (seat.live.missedOffers >= this.deps.config.maxMissedOffers) {
      this.apply(agentId, { type: 'not-ready', reason: 'missed-calls' }, 'service');
    }
    this.persist(seat);
  }

  /** The customer call ended: after-call work starts (timed). */
  callEnded(agentId: string, callId: string, by: string): void {
    const seat = this.seats.get(agentId);
    if (!seat || seat.live.callId !== callId || seat.live.state !== 'on-call') return;
    this.apply(agentId, { type: 'hangup' }, by);
  }

  /**
   * Where an agent who becomes ready goes: one route, set once (src/wiring/ready-agents.ts), that decides
   * between the hotline and the dialer, so nothing depends on the order listeners were added in.
   */
  routeReadyAgents(route: (agent: AgentView) => void): void {
    if (this.readyRoute) throw new Error('ready agents are already routed');
    this.readyRoute = route;
  }

  /**
   * Who decides about a wrap-up that runs out, set once: the dialer, for calls that still owe a
   * disposition (DialerService.start). The handler answers true when it took the agent over (kept them
   * in wrap-up, or ended it itself); otherwise wrap-up ends as for any call.
   */
  handleWrapUpTimeout(handler: (agent: AgentView) => boolean): void {
    if (this.wrapUpTimeout) throw new Error('wrap-up timeouts are already handled');
    this.wrapUpTimeout = handler;
  }

  /** The agent's line dropped (with the call they were on, if any). */
  onLineDropped(listener: (agent: AgentView, callId: string | undefined) => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  /** After-call work ended (disposition, timer, or the agent): how long it took, for handle times. */
  onWrapUpDone(listener: (agentId: string, callId: string, wrapMs: number) => void): () => void {
    this.wrapUpListeners.add(listener);
    return () => this.wrapUpListeners.delete(listener);
  }

  /** The agent pressed # on their line to end the customer call. */
  onCustomerHangupRequest(listener: (agentId: string, callId: string) => void): () => void {
    this.customerHangupListeners.add(listener);
    return () => this.customerHangupListeners.delete(listener);
  }

  // --- the one transition function -------------------------------------------------------------------

  /** Every state change goes through here: checked against the table, logged, kept, published. */
  apply(agentId: string, event: AgentEvent, by: string): AgentView {
    const seat = this.seat(agentId);
    const now = this.deps.now();
    const result = transition(seat.live, event, now);
    if (!result.ok) throw new AgentStateError(`agent ${agentId}: ${result.error}`);
    // Ready on a persistent line means reachable at once: not while the line is down.
    if (event.type === 'ready' && seat.row.lineMode === 'persistent' && !this.lineUp(seat))
      throw new AgentStateError(`agent ${agentId}: the phone line is not up; log in again to call the phone`);
    const from = seat.live;
    const to = result.next;
    seat.live = {
      ...to,
      idleSince: to.state === 'ready' && from.state !== 'ready' ? now : from.idleSince,
      missedOffers: from.missedOffers,
      lineChannelId: from.lineChannelId,
      bridgeId: from.bridgeId,
    };
    this.log.info(
      { agentId, from: describe(from), event: event.type, to: describe(to), by },
      `agent ${describe(from)} -${event.type}-> ${describe(to)}`,
    );
    try {
      this.deps.store.agentLog.add({
        agentId,
        at: now,
        fromState: from.state,
        event: event.type,
        toState: to.state,
        reason: to.reason ?? null,
        callId: to.callId ?? from.callId ?? null,
        by,
      });
    } catch (err) {
      this.log.error({ err, agentId }, 'could not write the agent state log');
    }
    clearTimeout(seat.wrapTimer);
    // Staying in wrap-up (it ran out, a disposition owed) starts no second timer.
    if (to.state === 'wrap-up' && from.state !== 'wrap-up') this.startWrapUp(seat, to.callId);
    if (from.state === 'wrap-up' && to.state !== 'wrap-up' && from.callId) {
      for (const listener of this.wrapUpListeners) listener(agentId, from.callId, now - from.since);
    }
    this.persist(seat);
    const view = this.view(seat);
    if (seat.retired && to.state !== 'logged-out') setImmediate(() => this.retire(seat));
    this.deps.events.stateChanged(view);
    if (to.state === 'ready') this.readyRoute?.(view);
    return view;
  }

  // --- login, logout and the persistent line --------------------------------------------------------

  private async login(seat: Seat, by: string): Promise<AgentView> {
    if (isLoggedIn(seat.live))
      throw new AgentStateError(`agent ${seat.row.id}: already logged in (${describe(seat.live)})`);
    if (seat.row.lineMode === 'persistent') await this.openLine(seat);
    return this.apply(seat.row.id, { type: 'login' }, by);
  }

  private async logout(seat: Seat, by: string, why: string): Promise<AgentView> {
    const view = this.apply(seat.row.id, { type: 'logout' }, by);
    this.log.info({ agentId: seat.row.id, why }, 'agent logged out');
    const line = seat.line;
    if (line) {
      seat.closingLine = true;
      await line.hangup(`agent ${why}`);
    }
    return view;
  }

  /**
   * Calls the agent's phone and holds the answered channel in the agent's own bridge. Resolves once the
   * line is up; throws AgentStateError if the phone does not answer, or (a remote line) nobody pressed
   * the accept key: REMOTE_NOT_ACCEPTED.
   */
  private async openLine(seat: Seat): Promise<void> {
    const agentId = seat.row.id;
    const app = this.deps.ari.appName;
    const remote = seat.row.lineKind === 'remote';
    // The full number of a remote line goes to the PBX only; messages and logs name the masked one.
    const shown = lineShown(seat.row);
    const phone = remote ? `remote phone ${shown.remoteNumberMasked}` : `phone (${shown.endpoint})`;
    const noAnswer = () => new AgentStateError(`agent ${agentId}: the ${phone} did not answer`);
    let up: () => void = () => {};
    let failed: (err: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      up = resolve;
      failed = reject;
    });
    let session: CallSession;
    try {
      session = await this.deps.ari.originateSession(
        {
          endpoint: lineDialString(seat.row, this.deps.trunkDialString),
          appArgs: `agent-line,${agentId}`,
          timeoutSec: this.deps.config.lineAnswerTimeoutSec,
          ...(remote && this.deps.config.remoteCallerId ? { callerId: this.deps.config.remoteCallerId } : {}),
        },
        {
          direction: 'internal',
          handler: async (s) => {
            if (remote && !(await this.remoteAccepted(s))) {
              const { remoteAcceptKey: key, remoteAcceptTimeoutSec: sec } = this.deps.config;
              failed(
                new AgentStateError(
                  `agent ${agentId}: the ${phone} answered but nobody pressed ${key} within ${sec} s ` +
                    '(a voicemail?); the line is not taken',
                  'REMOTE_NOT_ACCEPTED',
                ),
              );
              await s.hangup('remote line not accepted');
              return;
            }
            try {
              await this.holdLine(seat, s, `${app}-agent-${agentId}`, false);
              up();
            } catch (err) {
              failed(noAnswer());
              throw err;
            }
            await s.done; // the line lives until it is hung up or drops
          },
        },
      );
    } catch (err) {
      throw new AgentStateError(`agent ${agentId}: cannot call the ${phone} (${(err as Error).message})`);
    }
    session.done.then(() => {
      // Never answered (or dropped before it was held): login fails. After up() this does nothing.
      failed(noAnswer());
      this.lineEnded(seat, session);
    });
    await ready;
  }

  /**
   * A remote line answered: asks for the accept key (the prompt again and again) until it is pressed or
   * the time is up. True when pressed: a person, not a voicemail, took the line.
   */
  private async remoteAccepted(line: CallSession): Promise<boolean> {
    const { remoteAcceptKey: key, remoteAcceptTimeoutSec, remoteAcceptPrompt } = this.deps.config;
    const prompt = remoteAcceptPrompt ?? ['sound:vm-press', `digits:${key}`];
    const pressed = line.run(keyTask({ keys: key, timeoutMs: remoteAcceptTimeoutSec * 1000 }));
    let decided = false;
    let playing: PlayTask | undefined;
    const asking = observed(
      (async () => {
        while (!decided && !line.isEnded) {
          playing = new PlayTask(prompt);
          const played = await line.run(playing);
          if (played.outcome !== 'done') return; // a missing sound is not played again and again
        }
      })(),
    );
    try {
      return (await pressed) !== undefined;
    } catch (err) {
      if (err instanceof SessionEndedError) return false; // the phone hung up while asked
      throw err;
    } finally {
      decided = true;
      playing?.kill();
      await bestEffort(() => asking, line.log, 'accept prompt');
    }
  }

  /** Puts a line channel into the agent's bridge (creating it unless it exists) and watches it. */
  private async holdLine(
    seat: Seat,
    line: CallSession,
    bridgeId: string,
    bridgeExists: boolean,
  ): Promise<void> {
    line.own('bridge', bridgeId);
    if (!bridgeExists) await line.ari.createBridge(bridgeId, 'mixing', `agent ${seat.row.id}`);
    await line.ari.addToBridge(bridgeId, [line.channelId]);
    seat.line = line;
    seat.closingLine = false;
    seat.live.lineChannelId = line.channelId;
    seat.live.bridgeId = bridgeId;
    line.tap((event: RawAriEvent) => {
      // '#' on the agent's phone ends the customer call (the line itself stays up).
      if (event.type !== 'ChannelDtmfReceived' || event.channel?.id !== line.channelId) return;
      if ((event as ChannelDtmfReceivedEvent).digit !== '#') return;
      const callId = seat.live.state === 'on-call' ? seat.live.callId : undefined;
      if (callId) for (const listener of this.customerHangupListeners) listener(seat.row.id, callId);
    });
    this.persist(seat);
    this.log.info({ agentId: seat.row.id, channelId: line.channelId }, 'agent line up');
  }

  private lineEnded(seat: Seat, line: CallSession): void {
    if (seat.line !== line) return;
    seat.line = undefined;
    seat.live.lineChannelId = undefined;
    seat.live.bridgeId = undefined;
    const callId =
      seat.live.state === 'on-call' || seat.live.state === 'reserved' ? seat.live.callId : undefined;
    if (seat.closingLine || this.stopped || !isLoggedIn(seat.live)) {
      this.persist(seat);
      return;
    }
    this.log.warn({ agentId: seat.row.id, reason: line.endReason }, 'agent line dropped');
    const view = this.apply(seat.row.id, { type: 'line-dropped' }, 'service');
    for (const listener of this.dropListeners) listener(view, callId);
  }

  /**
   * After a restart or reconnect: adopt agent lines that are still up; the rest dropped meanwhile. At the
   * first one after start, a line is looked for on the PBX by its agent (Redis may have lost or missed its
   * ids): an agent whose line is up there stays logged in, and is logged in if Redis and the store had
   * them out (the line came up just before a crash). Never logs anyone out.
   */
  private async recoverLines(pbx: PbxSnapshot): Promise<void> {
    const app = this.deps.ari.appName;
    const first = !this.recoveredOnce;
    this.recoveredOnce = true;
    const onPbx = first
      ? agentLinesOnPbx({ channels: pbx.channels.values(), bridges: pbx.bridges, inApp: pbx.inApp }, app)
      : new Map();
    for (const seat of this.seats.values()) {
      if (seat.line && !seat.line.isEnded) continue;
      const found = seat.row.lineMode === 'persistent' ? onPbx.get(seat.row.id) : undefined;
      const channelId = found?.channelId ?? seat.live.lineChannelId;
      const channel = channelId && pbx.inApp.has(channelId) ? pbx.channels.get(channelId) : undefined;
      if (!channel) {
        const hadLine = channelId !== undefined || (first && seat.row.lineMode === 'persistent');
        seat.live.lineChannelId = undefined;
        seat.live.bridgeId = undefined;
        const dropped = seat.live.state === 'not-ready' && seat.live.reason === 'line-dropped';
        if (hadLine && isLoggedIn(seat.live) && !dropped)
          this.apply(seat.row.id, { type: 'line-dropped' }, 'service (restart)');
        continue;
      }
      const bridgeId = found?.bridgeId ?? seat.live.bridgeId ?? agentBridgeId(app, seat.row.id);
      const bridgeExists = pbx.bridges.some((b) => b.id === bridgeId);
      const session = this.deps.ari.openSession(channel, 'internal');
      await this.holdLine(seat, session, bridgeId, bridgeExists);
      this.deps.ari.runSession(session, { direction: 'internal', handler: async (s) => s.done }, undefined);
      session.done.then(() => this.lineEnded(seat, session));
      if (!isLoggedIn(seat.live)) this.apply(seat.row.id, { type: 'login' }, BY_RESTORE);
      this.log.info(
        { agentId: seat.row.id, state: describe(seat.live) },
        'agent line re-attached after restart',
      );
    }
  }

  // --- timers ----------------------------------------------------------------------------------------

  private startWrapUp(seat: Seat, callId: string | undefined): void {
    seat.wrapTimer = setTimeout(() => this.wrapUpRanOut(seat, callId), this.deps.config.wrapUpSec * 1000);
    seat.wrapTimer.unref();
  }

  private wrapUpRanOut(seat: Seat, callId: string | undefined): void {
    if (seat.live.state !== 'wrap-up' || seat.live.callId !== callId) return;
    let handled = false;
    try {
      handled = this.wrapUpTimeout?.(this.view(seat)) ?? false;
    } catch (err) {
      this.log.error({ err, agentId: seat.row.id }, 'wrap-up timeout handler failed: wrap-up ends');
    }
    if (!handled && seat.live.state === 'wrap-up' && seat.live.callId === callId)
      this.apply(seat.row.id, { type: 'wrap-up-done' }, 'timer');
  }

  /** The 15-minute rule, and logout of agents whose line dropped and did not come back. */
  private sweep(): void {
    const now = this.deps.now();
    const { autoLogoutNotReadySec, lineDroppedLogoutSec } = this.deps.config;
    for (const seat of this.seats.values()) {
      if (seat.live.state !== 'not-ready') continue;
      const limit = seat.live.reason === 'line-dropped' ? lineDroppedLogoutSec : autoLogoutNotReadySec;
      if (now - seat.live.since < limit * 1000) continue;
      void this.logout(seat, 'service', `auto: not ready (${seat.live.reason}) for ${limit} s`).catch(
        (err: unknown) => this.log.error({ err, agentId: seat.row.id }, 'auto logout failed'),
      );
    }
  }

  // --- store and Redis -------------------------------------------------------------------------------

  private async loadSeats(): Promise<void> {
    const rows = this.deps.store.agents.list({ active: true });
    const saved = rows.length
      ? await this.deps.redis.mget(...rows.map((r) => this.key(r.id))).catch((err: unknown) => {
          this.log.error({ err }, 'could not read live agent state from Redis: starting from the store');
          return rows.map(() => null);
        })
      : [];
    const seen = new Set<string>();
    const restored: string[] = [];
    rows.forEach((row, i) => {
      seen.add(row.id);
      const existing = this.seats.get(row.id);
      if (existing) {
        existing.row = row;
        return;
      }
      const kept = parseLive(saved[i] ?? null);
      const live = this.liveAtStart(row.id, kept);
      const seat: Seat = { row, live };
      this.seats.set(row.id, seat);
      if (live !== kept) {
        restored.push(row.id);
        this.persist(seat);
      }
      if (live.state === 'wrap-up') this.startWrapUp(seat, live.callId); // timers do not survive a restart
    });
    if (restored.some((id) => isLoggedIn(this.seat(id).live)))
      this.log.warn(
        { agents: restored.length, loggedIn: restored.filter((id) => isLoggedIn(this.seat(id).live)) },
        'live agent state missing or older in Redis: restored from the state log (lines are looked for on the PBX)',
      );
    for (const [id, seat] of this.seats) {
      if (seen.has(id)) continue;
      if (!isLoggedIn(seat.live)) this.seats.delete(id);
      else {
        seat.retired = true;
        this.retire(seat);
      }
    }
  }

  /**
   * An agent's live state at start: what Redis kept, unless the store's state log knows a later change or
   * Redis has nothing (it lost its data): then their last logged state (src/agents/restore.ts).
   */
  private liveAtStart(agentId: string, saved: LiveAgent | undefined): LiveAgent {
    let last: ReturnType<Store['agentLog']['latest']>;
    try {
      last = this.deps.store.agentLog.latest(agentId);
    } catch (err) {
      this.log.error({ err, agentId }, 'could not read the agent state log');
    }
    if (saved && newerRecord(saved, last) === 'redis') return saved;
    const isDialerCall = (callId: string) => this.deps.store.attempts.get(callId) !== undefined;
    const restored = restoredFromLog(last, isDialerCall, this.deps.now());
    // Redis's line ids (if any) are a hint; the first recovery looks the line up on the PBX anyway.
    return {
      ...restored,
      missedOffers: saved?.missedOffers ?? 0,
      lineChannelId: saved?.lineChannelId,
      bridgeId: saved?.bridgeId,
    };
  }

  /** A deactivated agent is logged out (line hung up) unless on a call; then after it. */
  private retire(seat: Seat): void {
    if (!seat.retired || !isLoggedIn(seat.live) || seat.live.state === 'on-call') return;
    void this.logout(seat, 'service', 'deactivated')
      .then(() => this.seats.delete(seat.row.id))
      .catch((err: unknown) =>
        this.log.error({ err, agentId: seat.row.id }, 'could not log out a deactivated agent'),
      );
  }

  private persist(seat: Seat): void {
    this.deps.redis.set(this.key(seat.row.id), JSON.stringify(seat.live)).catch((err: unknown) => {
      this.log.error({ err, agentId: seat.row.id }, 'could not save live agent state to Redis');
    });
  }

  private key(agentId: string): string {
    return `agent:${agentId}`;
  }

  private seat(agentId: string): Seat {
    const seat = this.seats.get(agentId);
    if (!seat) throw new AgentNotFoundError(`no agent ${agentId}`);
    return seat;
  }

  private lineUp(seat: Seat): boolean {
    return seat.line !== undefined && !seat.line.isEnded;
  }

  private view(seat: Seat): AgentView {
    const { row, live } = seat;
    return {
      id: row.id,
      name: row.name,
      teamId: row.teamId,
      role: row.role,
      lineKind: row.lineKind,
      ...lineShown(row),
      lineMode: row.lineMode,
      inboundRole: row.inboundRole,
      state: live.state,
      ...(live.reason ? { reason: live.reason as NotReadyReason } : {}),
      since: live.since,
      ...(live.callId ? { callId: live.callId } : {}),
      lineUp: this.lineUp(seat),
      idleSince: live.idleSince,
      missedOffers: live.missedOffers,
    };
  }
}

function parseLive(text: string | null): LiveAgent | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as LiveAgent;
    return typeof value.state === 'string' && typeof value.since === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
