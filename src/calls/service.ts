import type { Logger } from 'pino';
import type { AgentService } from '../agents/service.js';
import type { AgentView } from '../agents/types.js';
import { bridgeTask } from '../ari/bridge.js';
import { DialTask } from '../ari/dial.js';
import { dtmfTask } from '../ari/dtmf.js';
import { type HoldTask, holdTask } from '../ari/hold.js';
import { legsIntoBridgeTask } from '../ari/legs.js';
import { type CallSession, SessionEndedError } from '../ari/session.js';
import { bestEffort } from '../lib/best-effort.js';
import type { CallControlNotifier } from './notifier.js';
import {
  type CallControlAction,
  type CallControlEvent,
  type CallControlState,
  callControlAllows,
  callControlTransition,
  shownState,
} from './state.js';
import {
  type AgentCall,
  type AgentCallSource,
  type AgentLeg,
  CallControlError,
  type CurrentCall,
  type TransferMode,
  type TransferTarget,
} from './types.js';

/** Why a call ends when the ring-per-call agent it was transferred to hangs up (as the hotline says it). */
const AGENT_HUNG_UP = 'agent hung up';

export interface CallControlDeps {
  /** The domains whose calls agents have: the dialer and the hotline. */
  sources: readonly AgentCallSource[];
  agents: Pick<
    AgentService,
    'get' | 'list' | 'bridgeOf' | 'reserve' | 'released' | 'connected' | 'callEnded' | 'moveLine'
  >;
  /** The leader a team names (its leaderAgentId), or null. */
  teamLeader: (teamId: string) => string | null;
  events: CallControlNotifier;
  /** Whether the call's recording is paused now (the recording's live state). */
  recordingPaused?: (callId: string) => boolean;
  /** A transfer joined the customer with another agent: the recording's agent follows. */
  onHandedOver?: (session: CallSession, agent: AgentView) => void;
  config: {
    app: string;
    /** The music a held customer hears. */
    mohClass: string;
    /** How long a ring-per-call target's phone rings. */
    ringTimeoutSec: number;
  };
  logger: Logger;
  now: () => number;
}

/** The target's side of a transfer under way: their persistent line lent to the agent, or a dialed leg. */
type Party = { line: true } | { legId: string; dial: DialTask };

interface Consult {
  target: AgentView;
  mode: TransferMode;
  state: 'ringing' | 'talking';
  party: Party;
  /** Stops watching the target's leg (it leaving ends the consult) once the consult is over. */
  watch: AbortController;
}

/** A call an agent has controlled (or looked at): kept until the customer's call ends. */
interface ControlledCall {
  source: AgentCallSource;
  call: AgentCall;
  /** Changed only by `move`. */
  state: CallControlState;
  heldSince: number | null;
  hold?: HoldTask;
  consult?: Consult;
  log: Logger;
}

/**
 * The controls of an agent's current call, whichever domain it belongs to (a dialer customer, a hotline
 * caller): hold and resume (the customer into a holding bridge with music, the agent hearing silence),
 * DTMF to the customer, hang-up, and transfer to another agent or the team leader, blind or warm (the
 * customer held while the agent consults the target, then complete or cancel). Each call moves through the
 * table in state.ts. Targets are reserved and connected through the agent state machine like any call,
 * and the owning domain is told the call has a new agent (handOver), so the call's end, the disposition
 * and a dropped line follow the new agent; the recording (a snoop on the customer's channel) goes on.
 */
export class CallControl {
  private readonly live = new Map<string, ControlledCall>();
  private readonly log: Logger;

  constructor(private readonly deps: CallControlDeps) {
    this.log = deps.logger.child({ component: 'call-control' });
  }

  /** The agent's current call, or null (the workspace's `call`). */
  currentCall(agentId: string): CurrentCall | null {
    const c = this.find(agentId);
    return c ? this.view(c) : null;
  }

  /** GET: the agent's current call; NO_CALL when there is none. */
  current(agentId: string): CurrentCall {
    return this.view(this.controlled(agentId));
  }

  async hold(agentId: string): Promise<CurrentCall> {
    const c = this.controlled(agentId);
    this.move(c, 'hold');
    await this.media(c, () => this.putOnHold(c));
    this.deps.events.held(this.ref(c));
    return this.view(c);
  }

  async resume(agentId: string): Promise<CurrentCall> {
    const c = this.controlled(agentId);
    this.move(c, 'resume');
    await this.media(c, () => this.backToAgent(c));
    const heldMs = this.deps.now() - (c.heldSince ?? this.deps.now());
    c.heldSince = null;
    this.deps.events.resumed({ ...this.ref(c), heldMs });
    return this.view(c);
  }

  async dtmf(agentId: string, digits: string): Promise<void> {
    const c = this.controlled(agentId);
    this.allow(c, 'dtmf');
    await this.media(c, () => c.call.session.run(dtmfTask({ digits })));
    c.log.info({ keys: digits.length }, 'DTMF sent to the customer');
  }

  async hangup(agentId: string): Promise<void> {
    const c = this.controlled(agentId);
    this.allow(c, 'hangup');
    await c.call.session.hangup('agent ended the call');
  }

  /**
   * Blind: the customer goes to the target (at once to a persistent line; a ring-per-call phone rings with
   * the customer on hold, and the agent stays on the call until it is answered); null. Warm: the customer
   * is held and the agent consults the target; the call as it is then.
   */
  async transfer(agentId: string, to: TransferTarget, mode: TransferMode): Promise<CurrentCall | null> {
    const c = this.controlled(agentId);
    const event = mode === 'blind' ? 'blind' : 'consult';
    const refused = callControlTransition(c.state, event);
    if (!refused.ok) throw new CallControlError('CALL_STATE', refused.error);
    const target = this.target(c.call.agentId, to);
    if (!this.deps.agents.reserve(target.id, c.call.agentCallId, `transfer from ${c.call.agentId}`))
      throw new CallControlError('TARGET_UNAVAILABLE', `agent ${target.id} is no longer ready`);
    this.move(c, event, { targetAgentId: target.id });
    try {
      if (mode === 'blind') {
        await this.media(c, () => this.blind(c, target));
        return null;
      }
      await this.media(c, () => this.startConsult(c, target));
      return this.view(c);
    } catch (err) {
      await this.giveBack(c, 'transfer-failed', err);
      throw err;
    }
  }

  /** Warm: the customer joins the target the agent consulted; the agent goes to wrap-up. */
  async completeTransfer(agentId: string): Promise<void> {
    const c = this.controlled(agentId);
    const consult = c.consult;
    if (c.state === 'consulting' && consult?.state !== 'talking')
      throw new CallControlError('CALL_STATE', 'the target has not answered yet: cancel, or wait');
    this.move(c, 'complete');
    if (!consult) return; // the table lets complete leave only consulting, which always has a consult
    try {
      await this.media(c, () => this.joinTarget(c, consult));
    } catch (err) {
      await this.giveBack(c, 'transfer-failed', err);
      throw err;
    }
  }

  /** Warm: the consult ends; the agent is back with the customer, who stays on hold. */
  async cancelTransfer(agentId: string): Promise<CurrentCall> {
    const c = this.controlled(agentId);
    const refused = callControlTransition(c.state, 'cancel');
    if (!refused.ok) throw new CallControlError('CALL_STATE', refused.error);
    await this.endConsult(c, 'cancelled');
    return this.view(c);
  }

  /**
   * An agent's line dropped: a consult with them as the target is over; one they were holding with a
   * colleague's line in their bridge is ended too, so the colleague's line goes home and they are free.
   */
  lineDropped(agentId: string): void {
    for (const c of this.live.values()) {
      if (c.consult?.target.id === agentId && 'line' in c.consult.party)
        void this.endConsult(c, 'target-gone', { lineGone: true });
      else if (c.consult && c.call.agentId === agentId) void this.endConsult(c, 'cancelled');
    }
  }

  // --- the call and its moves ---------------------------------------------------------------------------

  /** The agent's live call, kept from the first look until it ends; undefined when there is none. */
  private find(agentId: string): ControlledCall | undefined {
    for (const source of this.deps.sources) {
      const call = source.agentCall(agentId);
      if (!call || call.session.isEnded) continue;
      let c = this.live.get(call.session.id);
      // The call moved to another agent without a transfer (a hotline caller requeued after a dropped
      // line, then connected again): what was done with it before is over.
      if (c && c.call.agentId !== call.agentId && c.state !== 'transferring') {
        this.forget(c);
        c = undefined;
      }
      if (!c) {
        const controlled: ControlledCall = {
          source,
          call,
          state: call.answeredAt === null ? 'ringing' : 'talking',
          heldSince: null,
          log: call.session.log.child({ component: 'call-control' }),
        };
        this.live.set(call.session.id, controlled);
        void call.session.done.then(() => this.ended(controlled));
        c = controlled;
      }
      c.call = call;
      if (c.state === 'ringing' && call.answeredAt !== null) this.move(c, 'answer');
      if (c.state !== 'ended') return c;
    }
    return undefined;
  }

  private controlled(agentId: string): ControlledCall {
    const c = this.find(agentId);
    if (!c) throw new CallControlError('NO_CALL', `agent ${agentId} has no call`);
    return c;
  }

  /** The one way a controlled call changes state: checked against the table, logged `from -event-> to`. */
  private move(c: ControlledCall, event: CallControlEvent, details: Record<string, unknown> = {}): void {
    const result = callControlTransition(c.state, event);
    if (!result.ok) throw new CallControlError('CALL_STATE', result.error);
    const from = c.state;
    c.state = result.next;
    c.log.info({ ...details, from, event, to: c.state }, `call ${from} -${event}-> ${c.state}`);
  }

  /** A move the service makes after the fact (the call ended, a consult gave up): refused is only logged. */
  private moveIfAllowed(c: ControlledCall, event: CallControlEvent): void {
    if (callControlTransition(c.state, event).ok) this.move(c, event);
    else c.log.warn({ state: c.state, event }, 'call move not made: the call is past it');
  }

  private allow(c: ControlledCall, action: CallControlAction): void {
    if (!callControlAllows(c.state, action))
      throw new CallControlError('CALL_STATE', `cannot ${action} a call that is ${c.state}`);
  }

  /** Media work on the customer's call: the call ending meanwhile is NO_CALL, not a failure. */
  private async media<T>(c: ControlledCall, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof SessionEndedError || c.call.session.isEnded)
        throw new CallControlError('NO_CALL', 'the call ended');
      throw err;
    }
  }

  private ended(c: ControlledCall): void {
    this.forget(c);
    this.moveIfAllowed(c, 'end');
  }

  /** Stops controlling the call: a consult still under way is let go, a holding bridge goes. */
  private forget(c: ControlledCall): void {
    if (this.live.get(c.call.session.id) === c) this.live.delete(c.call.session.id);
    c.hold?.kill();
    c.hold = undefined;
    const consult = c.consult;
    if (consult) {
      c.consult = undefined;
      consult.watch.abort();
      // A lent line goes back to its own bridge; a consult leg is hung up (with an ended call, it went).
      if ('line' in consult.party) void this.lineHome(c, consult.target.id);
      else {
        consult.party.dial.kill();
        if (!c.call.session.isEnded) void c.call.session.dropLeg(consult.party.legId);
      }
      this.deps.agents.released(consult.target.id, 'transfer: no longer under way');
    }
  }

  // --- hold -----------------------------------------------------------------------------------------------

  private async putOnHold(c: ControlledCall): Promise<void> {
    if (c.hold) return;
    const hold = holdTask({ app: this.deps.config.app, mohClass: this.deps.config.mohClass });
    c.hold = hold;
    c.heldSince ??= this.deps.now();
    await c.call.session.run(hold);
  }

  /** Where the agent talks: their own bridge (persistent line), or the call's bridge with their leg. */
  private agentRoom(c: ControlledCall): string {
    const room = c.call.agentLeg?.bridgeId ?? this.deps.agents.bridgeOf(c.call.agentId);
    if (!room) throw new CallControlError('CALL_STATE', `agent ${c.call.agentId} has no line up`);
    return room;
  }

  /** The held customer back into the agent's room; the holding bridge and its music go at the join. */
  private async backToAgent(c: ControlledCall): Promise<void> {
    const room = this.agentRoom(c);
    const hold = c.hold;
    c.hold = undefined;
    await c.call.session.run(bridgeTask({ bridge: { join: room }, stopAtJoin: hold ? [hold] : [] }));
  }

  // --- transfer -------------------------------------------------------------------------------------------

  /** The agent the transfer goes to: 400 UNKNOWN_TARGET, 409 TARGET_UNAVAILABLE unless ready. */
  private target(agentId: string, to: TransferTarget): AgentView {
    let id: string | null;
    if ('agentId' in to) id = to.agentId;
    else {
      const teamId = this.deps.agents.get(agentId)?.teamId ?? null;
      id = teamId === null ? null : this.leaderOf(teamId);
      if (id === null) throw new CallControlError('UNKNOWN_TARGET', `agent ${agentId}'s team has no leader`);
    }
    const target = this.deps.agents.get(id);
    if (!target) throw new CallControlError('UNKNOWN_TARGET', `no agent ${id}`);
    if (target.id === agentId)
      throw new CallControlError('TARGET_UNAVAILABLE', 'the call is already with this agent');
    const reachable = target.lineMode === 'per-call' || target.lineUp;
    if (target.state !== 'ready' || !reachable)
      throw new CallControlError(
        'TARGET_UNAVAILABLE',
        `agent ${id} is ${target.state}${reachable ? '' : ' (line down)'}: only a ready agent takes a transfer`,
      );
    return target;
  }

  /** The leader the team names, else an agent of the team whose role is team leader. */
  private leaderOf(teamId: string): string | null {
    return (
      this.deps.teamLeader(teamId) ??
      this.deps.agents.list().find((a) => a.teamId === teamId && a.role === 'team-leader')?.id ??
      null
    );
  }

  private async blind(c: ControlledCall, target: AgentView): Promise<void> {
    if (target.lineMode === 'persistent') {
      const home = this.deps.agents.bridgeOf(target.id);
      if (!home) throw new CallControlError('TARGET_UNAVAILABLE', `agent ${target.id}'s line is down`);
      const hold = c.hold;
      c.hold = undefined;
      await c.call.session.run(bridgeTask({ bridge: { join: home }, stopAtJoin: hold ? [hold] : [] }));
      await this.handOver(c, target, 'blind');
      return;
    }
    // A ring-per-call target: the customer waits on hold while their phone rings.
    await this.putOnHold(c);
    const consult = this.ring(c, target, 'blind');
    void this.whenAnswered(c, consult, () => this.joinTarget(c, consult));
  }

  private async startConsult(c: ControlledCall, target: AgentView): Promise<void> {
    await this.putOnHold(c);
    const room = this.agentRoom(c);
    if (target.lineMode === 'persistent') {
      c.consult = {
        target,
        mode: 'warm',
        state: 'talking',
        party: { line: true },
        watch: new AbortController(),
      };
      // The target's line joins the agent's bridge: the two talk there while the customer is held.
      await this.deps.agents.moveLine(target.id, room);
    } else {
      const consult = this.ring(c, target, 'warm');
      void this.whenAnswered(c, consult, async () => {
        if (!('legId' in consult.party)) return;
        const { legId } = consult.party;
        await c.call.session.run(legsIntoBridgeTask({ legs: [legId], into: room }));
        this.watchLeg(c, consult, legId);
      });
    }
    this.deps.events.consultStarted({ ...this.ref(c), targetAgentId: target.id });
  }

  /** Rings a ring-per-call target's phone from the customer's call (the leg is the call's). */
  private ring(c: ControlledCall, target: AgentView, mode: TransferMode): Consult {
    const { session } = c.call;
    // (A remote line has no endpoint, and is always persistent: never rung per call.)
    if (target.endpoint === null)
      throw new CallControlError('TARGET_UNAVAILABLE', `agent ${target.id} has no phone to ring`);
    const dial = new DialTask({
      endpoint: target.endpoint,
      app: this.deps.config.app,
      appArgs: `transfer,${target.id}`,
      timeoutSec: this.deps.config.ringTimeoutSec,
      callerId: session.channel.caller?.number || undefined,
    });
    const consult: Consult = {
      target,
      mode,
      state: 'ringing',
      party: { legId: dial.channelId, dial },
      watch: new AbortController(),
    };
    c.consult = consult;
    return consult;
  }

  /** Waits for the target's phone: answered runs `then`; anything else gives the customer back. */
  private async whenAnswered(c: ControlledCall, consult: Consult, then: () => Promise<void>): Promise<void> {
    if (!('dial' in consult.party)) return;
    try {
      const result = await c.call.session.run(consult.party.dial);
      if (c.consult !== consult) return; // cancelled, or the call ended, meanwhile
      if (result.outcome !== 'answered') {
        c.log.info(
          { targetAgentId: consult.target.id, outcome: result.outcome },
          'transfer target did not answer',
        );
        await this.endConsult(c, 'not-answered', { missed: true });
        return;
      }
      consult.state = 'talking';
      await then();
    } catch (err) {
      if (c.consult === consult && !c.call.session.isEnded) await this.giveBack(c, 'transfer-failed', err);
    }
  }

  /** A consult leg that hangs up ends the consult (the customer stays held with the agent). */
  private watchLeg(c: ControlledCall, consult: Consult, legId: string): void {
    const left = c.call.session.waitFor(
      (e) => (e.type === 'ChannelDestroyed' || e.type === 'StasisEnd') && e.channel?.id === legId,
      { signal: consult.watch.signal },
    );
    void left.then(
      () => (c.consult === consult ? this.endConsult(c, 'target-gone') : undefined),
      () => {}, // the consult ended first, or the call did
    );
  }

  /** The customer joins the target (a completed consult, or a ring-per-call target who answered). */
  private async joinTarget(c: ControlledCall, consult: Consult): Promise<void> {
    consult.watch.abort();
    const { session } = c.call;
    const hold = c.hold;
    c.hold = undefined;
    const stopAtJoin = hold ? [hold] : [];
    if ('line' in consult.party) {
      const home = this.deps.agents.bridgeOf(consult.target.id);
      if (!home)
        throw new CallControlError('TARGET_UNAVAILABLE', `agent ${consult.target.id}'s line is down`);
      await this.deps.agents.moveLine(consult.target.id);
      await session.run(bridgeTask({ bridge: { join: home }, stopAtJoin }));
      await this.handOver(c, consult.target, consult.mode);
      return;
    }
    const { legId } = consult.party;
    const { bridgeId } = await session.run(
      bridgeTask({
        bridge: { create: { app: this.deps.config.app, name: `transfer ${session.id}` } },
        legs: [legId],
        stopAtJoin,
        hangupWhenLegLeaves: AGENT_HUNG_UP,
      }),
    );
    await this.handOver(c, consult.target, consult.mode, { legId, bridgeId });
  }

  /**
   * The customer is with the target: the owning domain learns the call's new agent, the target is
   * connected, the agent goes to wrap-up (a ring-per-call agent's leg is hung up), the recording follows.
   */
  private async handOver(
    c: ControlledCall,
    target: AgentView,
    mode: TransferMode,
    agentLeg?: AgentLeg,
  ): Promise<void> {
    const { session, agentCallId, agentId: from, agentLeg: fromLeg } = c.call;
    c.consult = undefined;
    c.source.handOver(agentCallId, { agentId: target.id, teamId: target.teamId, agentLeg });
    c.call = { ...c.call, agentId: target.id, agentLeg };
    c.heldSince = null;
    this.move(c, 'joined', { fromAgentId: from, toAgentId: target.id, mode });
    const by = `transfer from ${from}`;
    this.deps.agents.connected(target.id, agentCallId, by);
    this.deps.agents.callEnded(from, agentCallId, `transfer to ${target.id}`);
    if (fromLeg) await session.dropLeg(fromLeg.legId);
    this.deps.onHandedOver?.(session, target);
    this.deps.events.transferred({
      callId: session.id,
      agentId: from,
      kind: c.call.kind,
      toAgentId: target.id,
      mode,
    });
  }

  /** A consult is over without a transfer: the target is let go, the customer stays held with the agent. */
  private async endConsult(
    c: ControlledCall,
    reason: 'cancelled' | 'not-answered' | 'target-gone' | 'transfer-failed',
    options: { missed?: boolean; lineGone?: boolean } = {},
  ): Promise<void> {
    const consult = c.consult;
    if (!consult) return;
    c.consult = undefined;
    consult.watch.abort();
    if ('dial' in consult.party) {
      consult.party.dial.kill(); // still ringing: the attempt is cancelled
      if (consult.state === 'talking') await c.call.session.dropLeg(consult.party.legId);
    } else if (!options.lineGone) {
      await this.lineHome(c, consult.target.id);
    }
    this.deps.agents.released(consult.target.id, `transfer ${reason}`, options.missed ?? false);
    this.moveIfAllowed(c, c.state === 'transferring' ? 'failed' : 'cancel');
    this.deps.events.consultEnded({ ...this.ref(c), targetAgentId: consult.target.id, reason });
    // The customer stays on hold; if the hold itself had gone (a failed join), it is put back.
    if (!c.hold && !c.call.session.isEnded)
      await bestEffort(this.putOnHold(c), c.log, 'put the customer back on hold');
  }

  /** A transfer that failed half way: the target is let go, the customer held with the agent again. */
  private async giveBack(c: ControlledCall, reason: 'transfer-failed', err: unknown): Promise<void> {
    if (c.call.session.isEnded) return;
    c.log.warn({ err }, 'transfer failed: the customer stays with the agent, on hold');
    if (c.consult) {
      await this.endConsult(c, reason);
      return;
    }
    // A blind transfer to a persistent line: no consult record; the target was reserved all the same.
    const target = [...this.deps.agents.list()].find(
      (a) => a.state === 'reserved' && a.callId === c.call.agentCallId && a.id !== c.call.agentId,
    );
    if (target) this.deps.agents.released(target.id, `transfer ${reason}`);
    this.moveIfAllowed(c, c.state === 'transferring' ? 'failed' : 'cancel');
    if (!c.hold) await bestEffort(this.putOnHold(c), c.log, 'put the customer back on hold');
  }

  /** A lent persistent line back into its own bridge (best effort: a line that went is no error). */
  private lineHome(c: ControlledCall, agentId: string): Promise<void> {
    return bestEffort(this.deps.agents.moveLine(agentId), c.log, `line of agent ${agentId} back home`);
  }

  // --- views ----------------------------------------------------------------------------------------------

  private ref(c: ControlledCall) {
    return { callId: c.call.session.id, agentId: c.call.agentId, kind: c.call.kind };
  }

  private view(c: ControlledCall): CurrentCall {
    const { call } = c;
    if (c.state === 'ended') throw new CallControlError('NO_CALL', 'the call ended');
    return {
      callId: call.session.id,
      kind: call.kind,
      state: shownState(c.state),
      numberMasked: call.numberMasked,
      startedAt: call.session.startedAt.getTime(),
      answeredAt: call.answeredAt,
      heldSince: c.heldSince,
      recordingPaused: this.deps.recordingPaused?.(call.session.id) ?? false,
      campaignId: call.campaignId,
      attemptId: call.attemptId,
      consult: c.consult ? { targetAgentId: c.consult.target.id, state: c.consult.state } : null,
    };
  }
}
