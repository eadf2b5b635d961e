import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AgentService } from '../agents/service.js';
import type { AgentView, QueueSnapshot } from '../agents/types.js';
import type { AriApp, PbxSnapshot } from '../ari/app.js';
import { bridgeTask } from '../ari/bridge.js';
import { DialTask } from '../ari/dial.js';
import { PlayTask } from '../ari/play.js';
import type { CallSession } from '../ari/session.js';
import { bestEffort } from '../lib/best-effort.js';
import { maskNumber } from '../lib/mask.js';
import type { Store } from '../store/index.js';
import type { HotlineNotifier, QueueCaller } from './notifier.js';
import { expectedWaitMinutes, hotlineOutcome, nextAnnouncementAt, pickAgent } from './policy.js';

export interface HotlineConfig {
  /** Wait for the primary agent this long before overflow seats may answer (0: at once). */
  overflowAfterSec: number;
  /** Longest a caller waits; then `maxWait` applies. */
  maxWaitSec: number;
  /** Position / expected-wait announcement interval. */
  announceEverySec: number;
  /** Callers waiting at most; more are refused (the IVR sends them to its fallback). */
  maxWaiting: number;
  mohClass: string;
  /** Ring-per-call agents: how long their phone rings before the next agent is tried. */
  ringTimeoutSec: number;
  /** Average handle time used for the expected-wait announcement. */
  ahtSec: number;
  /** What a caller who waited maxWaitSec gets: an IVR node (voice message, callback), else prompts + hang-up. */
  maxWait: { flow?: string; node?: string; prompts: string[] };
}

interface Waiting {
  session: CallSession;
  callId: string;
  enqueuedAt: number;
  callerMasked: string;
  offering: boolean;
  /** Agents who let this caller's offer ring out, and when: not offered the same caller again for a while. */
  declinedBy?: Map<string, number>;
  lastAnnouncedAt?: number;
  announcement?: PlayTask;
}

interface Connected {
  session: CallSession;
  agentId: string;
  answeredAt: number;
  /** Ring-per-call: the bridge and agent leg belong to the caller's session. */
  bridgeId?: string;
  legId?: string;
}

/** What Redis keeps per caller so a restart re-attaches the queue. */
interface SavedWaiting {
  channelId: string;
  enqueuedAt: number;
  callerMasked: string;
}
interface SavedConnected {
  channelId: string;
  agentId: string;
  answeredAt: number;
  bridgeId?: string;
  legId?: string;
}

const WAITING_KEY = 'hotline:waiting';
const CONNECTED_KEY = 'hotline:connected';
/** Why a ring-per-call caller's call ends when the agent's leg goes. */
const AGENT_HUNG_UP = 'agent hung up';

/**
 * The 400 hotline queue. Callers wait with music on hold and hear their position and expected wait; the
 * head of the line is offered to a ready primary agent, or after the overflow wait to a ready overflow
 * seat (longest idle first). Agents on a persistent line are connected at once by adding the caller to
 * their bridge; ring-per-call agents are dialed, and a missed ring moves on to the next agent. Waiting and
 * connected callers are kept in Redis, so a restart re-attaches them.
 */
export class HotlineQueue {
  private waiting: Waiting[] = [];
  private readonly connected = new Map<string, Connected>();
  private readonly offering = new Set<string>();
  private ticker: NodeJS.Timeout | undefined;
  private dispatching = false;
  private dispatchAgain = false;
  private accepting = true;
  private readonly log: Logger;

  constructor(
    private readonly deps: {
      agents: AgentService;
      ari: AriApp;
      store: Store;
      redis: Redis;
      events: HotlineNotifier;
      logger: Logger;
      config: HotlineConfig;
      now: () => number;
      /** Runs a caller from an IVR node (the max-wait outcome). */
      resumeIvr: (session: CallSession, flow: string, node: string) => Promise<void>;
      /** Routing decision to caller bridged with the agent, in ms (benchmarks, metrics). */
      onConnect?: (ms: number) => void;
      /** Customer and agent are joined (full-call recording starts here). */
      onConnected?: (session: CallSession, agent: AgentView) => void;
    },
  ) {
    this.log = deps.logger.child({ component: 'hotline' });
  }

  start(): void {
    this.deps.ari.addRecoverer((pbx) => this.recover(pbx));
    this.deps.agents.onLineDropped((agent, callId) => this.agentDropped(agent, callId));
    // Handle time = talk + after-call work: the wrap-up of a hotline call is kept with it.
    this.deps.agents.onWrapUpDone((_agentId, callId, wrapMs) => {
      this.deps.store.hotlineCalls.wrapped(callId, wrapMs);
    });
    this.deps.agents.onCustomerHangupRequest((_agentId, callId) => {
      void this.connected.get(callId)?.session.hangup('agent ended the call');
    });
    this.ticker = setInterval(() => this.tick(), 1_000);
    this.ticker.unref();
  }

  stop(): void {
    this.accepting = false;
    clearInterval(this.ticker);
  }

  /** The IVR's queue node: takes the caller, or refuses (unknown queue, full, draining). */
  async enter(session: CallSession, queue: string): Promise<'queued' | 'refused'> {
    if (queue !== 'hotline' || !this.accepting || this.waiting.length >= this.deps.config.maxWaiting)
      return 'refused';
    const entry: Waiting = {
      session,
      callId: session.id,
      enqueuedAt: this.deps.now(),
      callerMasked: maskNumber(session.channel.caller?.number),
      offering: false,
    };
    this.waiting.push(entry);
    this.deps.store.hotlineCalls.enqueued({
      callId: entry.callId,
      at: entry.enqueuedAt,
      callerMasked: entry.callerMasked,
    });
    this.saveWaiting(entry);
    session.log.info({ position: this.waiting.length }, 'caller queued for the hotline');
    this.deps.events.callerQueued(this.caller(entry));
    void session.done.then(() => this.callerGone(entry.callId));
    await session.startMoh(this.deps.config.mohClass);
    this.dispatch();
    return 'queued';
  }

  /** The hotline caller connected to the agent, if any (for the call controls, src/calls). */
  agentCall(agentId: string) {
    for (const [callId, call] of this.connected) {
      if (call.agentId !== agentId || call.session.isEnded) continue;
      const { bridgeId, legId } = call;
      return {
        kind: 'hotline' as const,
        session: call.session,
        agentId,
        agentCallId: callId,
        numberMasked: maskNumber(call.session.channel.caller?.number),
        answeredAt: call.answeredAt,
        campaignId: null,
        attemptId: null,
        ...(bridgeId && legId ? { agentLeg: { bridgeId, legId } } : {}),
      };
    }
    return undefined;
  }

  /**
   * The caller went to another agent (a transfer): the call's end, a dropped line and a restart follow
   * them; a ring-per-call target's leg and bridge are kept for the restart. (The call record keeps the
   * agent who answered.)
   */
  handOver(callId: string, to: { agentId: string; agentLeg?: { bridgeId: string; legId: string } }): void {
    const call = this.connected.get(callId);
    if (!call) return;
    call.agentId = to.agentId;
    call.bridgeId = to.agentLeg?.bridgeId;
    call.legId = to.agentLeg?.legId;
    this.saveConnected(callId, call);
    call.session.log.info({ toAgentId: to.agentId }, 'hotline caller handed over to another agent');
  }

  /** Callers waiting now (the dialer asks on every offer: no snapshot built for it). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  snapshot(): QueueSnapshot {
    const now = this.deps.now();
    return {
      name: 'hotline',
      waiting: this.waiting.map((w, i) => ({
        callId: w.callId,
        callerMasked: w.callerMasked,
        since: w.enqueuedAt,
        position: i + 1,
      })),
      longestWaitMs: this.waiting.reduce((longest, w) => Math.max(longest, now - w.enqueuedAt), 0),
    };
  }

  /**
   * Hands waiting callers to ready agents, head of the line first: when a caller comes, an offer ends,
   * once a second, and when an agent becomes ready while callers wait (src/wiring/ready-agents.ts).
   * Re-entrant calls fold into one pass.
   */
  dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        const now = this.deps.now();
        for (const entry of this.waiting) {
          if (entry.offering) continue;
          const free = this.deps.agents
            .available()
            .filter((a) => !this.offering.has(a.id) && !this.declinedRecently(entry, a.id, now));
          const agent = pickAgent(free, now - entry.enqueuedAt, this.deps.config);
          // The head has waited longest: if nobody fits it, nobody fits those behind it.
          if (!agent) break;
          void this.offer(entry, agent);
        }
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  /** A missed ring keeps that agent off this caller for twice the ring time, then they may try again. */
  private declinedRecently(entry: Waiting, agentId: string, now: number): boolean {
    const at = entry.declinedBy?.get(agentId);
    return at !== undefined && now - at < this.deps.config.ringTimeoutSec * 2_000;
  }

  private async offer(entry: Waiting, agent: AgentView): Promise<void> {
    // Decision-to-bridged latency (a metric): the monotonic clock, not the business clock.
    const decidedAt = performance.now();
    const { session } = entry;
    if (!this.deps.agents.reserve(agent.id, entry.callId, 'hotline')) return;
    entry.offering = true;
    this.offering.add(agent.id);
    entry.announcement?.kill();
    this.deps.events.callerOffered(this.caller(entry), agent.id);
    const log = session.log.child({ agentId: agent.id });
    try {
      const connected = await this.connect(entry, agent);
      if (!connected) {
        entry.declinedBy = (entry.declinedBy ?? new Map()).set(agent.id, this.deps.now());
        this.deps.agents.released(agent.id, 'hotline', true);
        entry.offering = false;
        return;
      }
      this.deps.onConnect?.(performance.now() - decidedAt);
      this.deps.agents.connected(agent.id, entry.callId, 'hotline');
      this.waiting = this.waiting.filter((w) => w !== entry);
      const answeredAt = this.deps.now();
      const record: Connected = { session, agentId: agent.id, answeredAt, ...connected };
      this.connected.set(entry.callId, record);
      this.deps.store.hotlineCalls.answered(entry.callId, agent.id, answeredAt);
      this.forget(WAITING_KEY, entry.callId);
      this.saveConnected(entry.callId, record);
      log.info({ waitedMs: answeredAt - entry.enqueuedAt }, 'hotline caller connected to agent');
      this.deps.onConnected?.(session, agent);
      this.deps.events.callerConnected(this.caller(entry), agent.id);
    } catch (err) {
      entry.offering = false;
      this.deps.agents.released(agent.id, 'hotline');
      if (!session.isEnded) {
        log.error({ err }, 'could not connect the caller to the agent');
        await session.startMoh(this.deps.config.mohClass);
      }
    } finally {
      this.offering.delete(agent.id);
      this.dispatch();
    }
  }

  /** Joins caller and agent: instantly on a persistent line, by ringing the agent otherwise. */
  private async connect(
    entry: Waiting,
    agent: AgentView,
  ): Promise<{ bridgeId?: string; legId?: string } | undefined> {
    const { session } = entry;
    const agentBridge = this.deps.agents.bridgeOf(agent.id);
    if (agent.lineMode === 'persistent' && agentBridge) {
      await session.run(bridgeTask({ bridge: { join: agentBridge }, stopMoh: true }));
      return {};
    }
    // A remote line is only reached while it is up (always persistent): nothing to ring.
    if (agent.endpoint === null) return undefined;
    const dial = await session.run(
      new DialTask({
        endpoint: agent.endpoint,
        app: this.deps.ari.appName,
        appArgs: `agent-offer,${agent.id}`,
        timeoutSec: this.deps.config.ringTimeoutSec,
        callerId: session.channel.caller?.number || undefined,
      }),
    );
    if (dial.outcome !== 'answered') {
      session.log.info({ agentId: agent.id, outcome: dial.outcome }, 'agent did not take the offer');
      return undefined;
    }
    const { bridgeId } = await session.run(
      bridgeTask({
        bridge: { create: { app: this.deps.ari.appName, name: `hotline ${session.id}` } },
        legs: [dial.channelId],
        stopMoh: true,
        hangupWhenLegLeaves: AGENT_HUNG_UP,
      }),
    );
    return { bridgeId, legId: dial.channelId };
  }

  /** The caller's call ended: abandoned while waiting, or the end of a connected call. */
  private callerGone(callId: string): void {
    const now = this.deps.now();
    const entry = this.waiting.find((w) => w.callId === callId);
    if (entry) {
      this.waiting = this.waiting.filter((w) => w !== entry);
      this.ended(callId, now, 'abandoned');
      this.forget(WAITING_KEY, callId);
      entry.session.log.info({ waitedMs: now - entry.enqueuedAt }, 'hotline caller abandoned');
      this.deps.events.callerAbandoned(this.caller(entry));
      return;
    }
    const call = this.connected.get(callId);
    if (!call) return;
    this.connected.delete(callId);
    this.ended(callId, now, 'answered');
    this.forget(CONNECTED_KEY, callId);
    this.deps.agents.callEnded(call.agentId, callId, 'hotline');
    this.deps.events.callEnded(callId, call.agentId, now - call.answeredAt);
  }

  /** The agent's persistent line dropped mid-call: the caller goes back to the head of the line. */
  private agentDropped(agent: AgentView, callId: string | undefined): void {
    const call = callId ? this.connected.get(callId) : undefined;
    if (!call || call.agentId !== agent.id || call.session.isEnded) return;
    this.connected.delete(call.session.id);
    this.forget(CONNECTED_KEY, call.session.id);
    this.deps.store.hotlineCalls.requeued(call.session.id, this.deps.now());
    // Back at the head of the line (array order), with a full wait allowance from now.
    const entry: Waiting = {
      session: call.session,
      callId: call.session.id,
      enqueuedAt: this.deps.now(),
      callerMasked: maskNumber(call.session.channel.caller?.number),
      offering: false,
    };
    this.waiting.unshift(entry);
    this.saveWaiting(entry);
    call.session.log.warn({ agentId: agent.id }, 'agent line dropped mid-call: caller back in the queue');
    void call.session.startMoh(this.deps.config.mohClass);
    this.deps.events.callerRequeued(this.caller(entry));
    this.dispatch();
  }

  private tick(): void {
    const now = this.deps.now();
    const { maxWaitSec, announceEverySec } = this.deps.config;
    for (const entry of [...this.waiting]) {
      if (entry.offering) continue;
      if (now - entry.enqueuedAt >= maxWaitSec * 1000) void this.timeOut(entry);
      else if (now >= nextAnnouncementAt(entry.enqueuedAt, entry.lastAnnouncedAt, announceEverySec))
        void this.announce(entry);
    }
    this.dispatch(); // overflow thresholds pass with time
  }

  /** Position and expected wait, then music again. */
  private async announce(entry: Waiting): Promise<void> {
    if (entry.announcement) return;
    entry.lastAnnouncedAt = this.deps.now();
    const position = this.waiting.indexOf(entry) + 1;
    if (position <= 0) return;
    const serving = this.deps.agents
      .list()
      .filter((a) => a.inboundRole !== 'none' && a.state !== 'logged-out').length;
    const minutes = expectedWaitMinutes(position, this.deps.config.ahtSec, serving);
    const media =
      position === 1
        ? ['sound:queue-youarenext']
        : ['sound:queue-thereare', `number:${position - 1}`, 'sound:queue-callswaiting'];
    media.push(
      'sound:queue-holdtime',
      `number:${minutes}`,
      minutes === 1 ? 'sound:queue-minute' : 'sound:queue-minutes',
    );
    const { session } = entry;
    const task = new PlayTask(media);
    entry.announcement = task;
    try {
      await session.stopMoh();
      this.deps.events.callerAnnounced(this.caller(entry), position, minutes);
      await session.run(task);
    } catch (err) {
      // the caller hung up, or an agent took the call mid-announcement
      if (!session.isEnded && !entry.offering) session.log.warn({ err }, 'queue announcement failed');
    } finally {
      entry.announcement = undefined;
      if (!session.isEnded && !entry.offering && this.waiting.includes(entry)) {
        await session.startMoh(this.deps.config.mohClass);
      }
    }
  }

  /** Waited the longest allowed: a voice message or callback offer (IVR node), else a goodbye. */
  private async timeOut(entry: Waiting): Promise<void> {
    this.waiting = this.waiting.filter((w) => w !== entry);
    const { session } = entry;
    this.ended(entry.callId, this.deps.now(), 'timeout');
    this.forget(WAITING_KEY, entry.callId);
    session.log.info('hotline caller waited the longest allowed');
    this.deps.events.callerTimedOut(this.caller(entry));
    entry.announcement?.kill();
    await session.stopMoh();
    const { flow, node, prompts } = this.deps.config.maxWait;
    try {
      if (flow && node) {
        await this.deps.resumeIvr(session, flow, node);
      } else {
        for (const media of prompts) await session.run(new PlayTask([media]));
        await session.hangup('hotline max wait');
      }
    } catch (err) {
      if (!session.isEnded) session.log.error({ err }, 'max-wait handling failed');
    }
  }

  /** After a restart or reconnect: callers still waiting or connected are taken up again. */
  private async recover(pbx: PbxSnapshot): Promise<void> {
    const [waiting, connected] = await Promise.all([
      this.deps.redis.hgetall(WAITING_KEY),
      this.deps.redis.hgetall(CONNECTED_KEY),
    ]);
    const now = this.deps.now();
    const entries = Object.entries(waiting)
      .map(([callId, json]) => ({ callId, saved: parse<SavedWaiting>(json) }))
      .sort((a, b) => (a.saved?.enqueuedAt ?? 0) - (b.saved?.enqueuedAt ?? 0));
    for (const { callId, saved } of entries) {
      if (this.waiting.some((w) => w.callId === callId) || this.deps.ari.registry.get(callId)) continue;
      const channel = saved && pbx.inApp.has(saved.channelId) ? pbx.channels.get(saved.channelId) : undefined;
      if (!saved || !channel) {
        this.forget(WAITING_KEY, callId);
        this.ended(callId, now, 'abandoned');
        continue;
      }
      const session = this.adopt(channel, callId);
      const entry: Waiting = {
        session,
        callId,
        enqueuedAt: saved.enqueuedAt,
        callerMasked: saved.callerMasked,
        offering: false,
      };
      this.waiting.push(entry);
      void session.done.then(() => this.callerGone(callId));
      await session.startMoh(this.deps.config.mohClass);
      session.log.info('waiting hotline caller re-attached after restart');
    }
    this.waiting.sort((a, b) => a.enqueuedAt - b.enqueuedAt);
    for (const [callId, json] of Object.entries(connected)) {
      if (this.connected.has(callId) || this.deps.ari.registry.get(callId)) continue;
      const saved = parse<SavedConnected>(json);
      const channel = saved && pbx.inApp.has(saved.channelId) ? pbx.channels.get(saved.channelId) : undefined;
      if (!saved || !channel) {
        this.forget(CONNECTED_KEY, callId);
        this.ended(callId, now, 'answered');
        if (saved) this.deps.agents.callEnded(saved.agentId, callId, 'hotline (restart)');
        continue;
      }
      const session = this.adopt(channel, callId);
      if (saved.bridgeId) session.own('bridge', saved.bridgeId);
      if (saved.legId) {
        session.own('channel', saved.legId);
        if (pbx.channels.has(saved.legId)) session.hangupWhenLegLeaves(saved.legId, AGENT_HUNG_UP);
        else void session.hangup(AGENT_HUNG_UP);
      }
      this.connected.set(callId, {
        session,
        agentId: saved.agentId,
        answeredAt: saved.answeredAt,
        bridgeId: saved.bridgeId,
        legId: saved.legId,
      });
      // A persistent-line agent whose line did not survive the restart: the caller goes back in line.
      if (!saved.legId && !this.deps.agents.bridgeOf(saved.agentId)) {
        const agent = this.deps.agents.get(saved.agentId);
        if (agent) this.agentDropped(agent, callId);
      }
      void session.done.then(() => this.callerGone(callId));
      session.log.info({ agentId: saved.agentId }, 'connected hotline call re-attached after restart');
      // Its old recording ended with the restart (finalized on its own); record the rest of the call.
      const agent = this.deps.agents.get(saved.agentId);
      if (agent && this.connected.has(callId)) this.deps.onConnected?.(session, agent);
    }
    this.dispatch();
  }

  /** A session for a caller found on the PBX, under its old call id; it lives until the caller hangs up. */
  private adopt(channel: Parameters<AriApp['openSession']>[0], callId: string): CallSession {
    const session = this.deps.ari.openSession(channel, 'inbound', callId);
    this.deps.ari.runSession(session, { direction: 'inbound', handler: async (s) => s.done }, undefined);
    return session;
  }

  /** Closes the call's record; a call requeued after a dropped line says so in its outcome. */
  private ended(callId: string, at: number, left: 'answered' | 'abandoned' | 'timeout'): void {
    const { hotlineCalls } = this.deps.store;
    hotlineCalls.ended(callId, { at, outcome: hotlineOutcome(hotlineCalls.get(callId), left) });
  }

  /** Drops a caller's saved state; Redis being down only leaves a stale entry the next recovery ends. */
  private forget(key: typeof WAITING_KEY | typeof CONNECTED_KEY, callId: string): void {
    void bestEffort(() => this.deps.redis.hdel(key, callId), this.log, `forget ${callId} in ${key}`);
  }

  private saveWaiting(entry: Waiting): void {
    this.deps.redis.hset(WAITING_KEY, entry.callId, savedWaiting(entry)).catch((err: unknown) => {
      this.log.error({ err }, 'could not save the waiting caller to Redis');
    });
  }

  private saveConnected(callId: string, call: Connected): void {
    this.deps.redis.hset(CONNECTED_KEY, callId, savedConnected(call)).catch((err: unknown) => {
      this.log.error({ err }, 'could not save the connected call to Redis');
    });
  }

  /**
   * After Redis lost its data (or may have missed writes): the callers waiting and connected are written
   * again from memory, replacing whatever is there, so a restart later re-attaches them all.
   */
  async rewriteLiveState(): Promise<{ waiting: number; connected: number }> {
    const tx = this.deps.redis.multi().del(WAITING_KEY, CONNECTED_KEY);
    for (const entry of this.waiting) tx.hset(WAITING_KEY, entry.callId, savedWaiting(entry));
    for (const [callId, call] of this.connected) tx.hset(CONNECTED_KEY, callId, savedConnected(call));
    await tx.exec();
    return { waiting: this.waiting.length, connected: this.connected.size };
  }

  /** The caller as the queue events show them, with how many wait now. */
  private caller(entry: Waiting): QueueCaller {
    return {
      queue: 'hotline',
      callId: entry.callId,
      callerMasked: entry.callerMasked,
      waiting: this.waiting.length,
    };
  }
}

function parse<T>(json: string): T | undefined {
  try {
    return JSON.parse(json) as T;
  } catch {
    return undefined;
  }
}

function savedWaiting(entry: Waiting): string {
  const saved: SavedWaiting = {
    channelId: entry.session.channelId,
    enqueuedAt: entry.enqueuedAt,
    callerMasked: entry.callerMasked,
  };
  return JSON.stringify(saved);
}

function savedConnected(call: Connected): string {
  const saved: SavedConnected = {
    channelId: call.session.channelId,
    agentId: call.agentId,
    answeredAt: call.answeredAt,
    bridgeId: call.bridgeId,
    legId: call.legId,
  };
  return JSON.stringify(saved);
}
