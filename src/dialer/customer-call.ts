import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { bridgeTask } from '../ari/bridge.js';
import { dialOutcome } from '../ari/dial.js';
import { PlayTask } from '../ari/play.js';
import type { CallSession } from '../ari/session.js';
import type { DialEvent, RawAriEvent } from '../ari/types.js';
import { bestEffort } from '../lib/best-effort.js';
import { fillDialString } from '../lib/dial-string.js';
import { maskNumber } from '../lib/mask.js';
import type { LeadState } from '../store/index.js';
import type { Campaign, DialOutcomeName } from './campaign.js';
import { type DialerContext, releaseChannel } from './context.js';
import type { OfferSelection } from './offer-selection.js';
import { canMove } from './offer-state.js';
import { moveOffer, type Offer } from './offers.js';
import { afterAttempt, type DialedCounts, inCallingWindow, isCapped } from './policy.js';
import { PacingStopped, SlotWaitAborted } from './slots.js';
import { dialedCounts } from './stats.js';

/** The customer channel of an attempt: a fixed id, so a restart finds the call again. */
export function customerChannelId(appName: string, attemptId: string): string {
  return `${appName}-dial-${attemptId}`;
}

type DialCheck =
  | { refused: { reason: string; toState?: LeadState } }
  | { campaign: Campaign; counts: DialedCounts };

/**
 * The customer call of an accepted offer: checks at dial time, a trunk channel, the originate with the
 * agent hearing the ring tone, the customer joined into the agent's bridge on answer, and the end (the
 * disposition is owed for an answered call; anything else is settled now as not reached).
 */
export class CustomerCall {
  constructor(
    private readonly ctx: DialerContext,
    private readonly selection: OfferSelection,
  ) {}

  /** The agent (or the preview timer) accepts the preview: the dial starts. False when refused. */
  accept(offer: Offer, by: string): boolean {
    if (!moveOffer(offer, 'accept', { by })) return false;
    // Whatever goes wrong in the dial settles the offer instead of leaving it half done.
    this.dial(offer).catch((err: unknown) => {
      offer.log.error({ err }, 'dial failed');
      if (canMove(offer.state, 'withdraw')) this.selection.withdraw(offer, 'not dialed: error');
      else if (offer.state === 'dialing' && !offer.session) this.notReached(offer, 'failed');
    });
    return true;
  }

  /** Settles the offer when its call ends (also for a call re-attached after a restart). */
  followUntilEnded(offer: Offer, session: CallSession): void {
    void session.done.then(() => {
      try {
        this.callEnded(offer, session);
      } catch (err) {
        offer.log.error({ err }, 'could not settle the ended customer call');
      }
    });
  }

  /**
   * Why the lead may not be dialed now, or the campaign and the caps' counts it is dialed on. Checked
   * when accepted (before the first wait, so a refused accept is told at once) and again once a channel
   * is taken.
   */
  private check(offer: Offer): DialCheck {
    const { deps } = this.ctx;
    const campaign = deps.campaigns.get(offer.campaignId);
    const refused = (reason: string, toState?: LeadState): DialCheck => ({
      refused: toState ? { reason, toState } : { reason },
    });
    if (!this.ctx.running()) return refused('service stopping');
    if (campaign?.state !== 'active') return refused(`campaign ${campaign?.state ?? 'gone'}`);
    const now = deps.now();
    if (!inCallingWindow(campaign.settings, new Date(now))) return refused('outside the calling window');
    if (deps.store.dnc.blocked(offer.lead.phone, campaign.id)) return refused('number on do-not-call', 'dnc');
    const agent = deps.agents.get(offer.agentId);
    if (agent?.state !== 'reserved' || agent.callId !== offer.attemptId || !agent.lineUp)
      return refused('agent no longer waiting');
    const counts = dialedCounts(deps.store, campaign, offer.agentId, now);
    const pacing = this.ctx.slots.decide(campaign.id, counts);
    if (!pacing) return refused('campaign gone');
    if (isCapped(pacing)) return refused(pacing.reason);
    return { campaign, counts };
  }

  private async dial(offer: Offer): Promise<void> {
    const { deps } = this.ctx;
    clearTimeout(offer.previewTimer);
    const acceptedAt = performance.now();
    const first = this.check(offer);
    if ('refused' in first) {
      this.withdrawRefused(offer, first.refused);
      return;
    }
    try {
      await this.ctx.slots.acquire(offer.campaignId, first.counts, offer.abort.signal);
    } catch (err) {
      if (!(err instanceof SlotWaitAborted || err instanceof PacingStopped))
        offer.log.error({ err }, 'channel limiter failed');
      // Already withdrawn (which is what ended the wait): nothing more to settle.
      if (!canMove(offer.state, 'withdraw')) return;
      const reason = err instanceof PacingStopped ? err.message : 'withdrawn while waiting for a channel';
      this.selection.withdraw(offer, `not dialed: ${reason}`);
      return;
    }
    offer.holdsSlot = true;
    if (offer.state !== 'waiting-channel') {
      releaseChannel(this.ctx, offer); // withdrawn while the channel was being taken
      return;
    }
    // The wait may have been long: everything is checked again before the customer's phone rings.
    const again = this.check(offer);
    if ('refused' in again) {
      this.withdrawRefused(offer, again.refused);
      return;
    }
    const { campaign } = again;
    if (!moveOffer(offer, 'dial')) return;
    deps.metrics.dialerActiveCalls.set(this.ctx.slots.active());
    const { store } = deps;
    const dialedAt = deps.now();
    const callId = randomUUID();
    // Lead and attempt change together: a crash leaves both before or both after.
    store.db.transaction(() => {
      this.ctx.leads.move(offer.lead, 'reserved', 'in-progress', 'dial', {
        addAttempt: true,
        reservedBy: offer.agentId,
      });
      store.attempts.update(offer.attemptId, { state: 'dialing', dialedAt, callId });
    })();
    const channelId = customerChannelId(deps.ari.appName, offer.attemptId);
    deps.events.dialing({ agentId: offer.agentId, attemptId: offer.attemptId });
    let session: CallSession;
    try {
      session = await deps.ari.originateSession(
        {
          endpoint: this.dialString(offer.lead.phone),
          appArgs: `dialer,${offer.attemptId}`,
          timeoutSec: campaign.settings.pacing.noAnswerSec,
          callerId: campaign.settings.callerId,
          channelId,
        },
        { direction: 'outbound', handler: (s) => this.answered(offer, s) },
        callId,
        (s) => {
          offer.session = s;
          s.log.setBindings({
            agentId: offer.agentId,
            campaignId: offer.campaignId,
            attemptId: offer.attemptId,
          });
          // Call progress from the PBX: the last Dial status says how an unanswered call ended.
          s.tap((e: RawAriEvent) => {
            if (e.type !== 'Dial' || (e as DialEvent).peer?.id !== channelId) return;
            const status = (e as DialEvent).dialstatus;
            // Progress (RINGING, PROGRESS) is not an end.
            if (status && status !== 'RINGING' && status !== 'PROGRESS') offer.dialStatus = status;
          });
          this.playTone(offer, s, 'tone:ring');
        },
      );
    } catch (err) {
      offer.log.warn({ err: (err as Error).message }, 'the PBX refused the customer call');
      this.notReached(offer, 'failed');
      return;
    }
    deps.metrics.dialerNextCall.observe((performance.now() - acceptedAt) / 1000);
    deps.onDialing?.(offer.agentId, offer.attemptId);
    this.followUntilEnded(offer, session);
  }

  private withdrawRefused(offer: Offer, refused: { reason: string; toState?: LeadState }): void {
    this.selection.withdraw(
      offer,
      `not dialed: ${refused.reason}`,
      refused.toState ? { toState: refused.toState } : {},
    );
  }

  /** The customer answered: into the agent's bridge, and recording starts. */
  private async answered(offer: Offer, session: CallSession): Promise<void> {
    // Not joined: the handler returning hangs the customer up.
    if (!(await this.joinCustomerToAgent(offer, session))) return;
    const { deps } = this.ctx;
    const answeredAt = deps.now();
    if (!moveOffer(offer, 'answer')) return;
    offer.answeredAt = answeredAt;
    deps.store.attempts.update(offer.attemptId, { state: 'connected', answeredAt });
    deps.agents.connected(offer.agentId, offer.attemptId, 'dialer');
    deps.metrics.dialOutcomes.inc({ campaign: offer.campaignId, outcome: 'answered' });
    session.log.info('customer answered: connected to the agent');
    deps.events.connected({ agentId: offer.agentId, attemptId: offer.attemptId });
    deps.onConnected(session, {
      direction: 'outbound',
      agentId: offer.agentId,
      teamId: offer.teamId,
      campaignId: offer.campaignId,
      leadId: offer.lead.id,
      numberMasked: maskNumber(offer.lead.phone),
    });
    await session.done;
  }

  /**
   * Joins the answered customer into the agent's bridge, where the agent's line waits; the ring tone
   * stops alongside. False when nobody is there to talk to (the one way a preview call is abandoned:
   * counted, and it should stay 0) or the join failed. The dialer's one bridging step.
   */
  private async joinCustomerToAgent(offer: Offer, session: CallSession): Promise<boolean> {
    const { agents } = this.ctx.deps;
    const bridgeId = agents.bridgeOf(offer.agentId);
    const agent = agents.get(offer.agentId);
    if (
      !bridgeId ||
      agent?.state !== 'reserved' ||
      agent.callId !== offer.attemptId ||
      offer.state !== 'dialing'
    ) {
      offer.cancelReason ??= 'agent gone at answer';
      offer.abandoned = true;
      session.log.warn('the agent is not on the line any more: customer call ended');
      return false;
    }
    try {
      // The ring tone stops alongside the join: the customer is not kept waiting for it.
      await session.run(
        bridgeTask({ bridge: { join: bridgeId }, stopAtJoin: offer.tone ? [offer.tone] : [] }),
      );
      return true;
    } catch (err) {
      offer.abandoned = !session.isEnded;
      session.log.warn({ err: (err as Error).message }, 'could not join the customer to the agent');
      return false;
    }
  }

  /** The customer call is over: answered ones wait for the disposition, the rest are settled now. */
  private callEnded(offer: Offer, session: CallSession): void {
    const { deps } = this.ctx;
    releaseChannel(this.ctx, offer);
    if (offer.answeredAt === undefined) {
      // Answered but gone before it reached the agent (Dial status ANSWER) comes out 'failed': not a contact.
      const outcome = offer.cancelReason
        ? 'cancelled'
        : dialOutcome(offer.dialStatus, session.channelGoneCause);
      this.notReached(offer, outcome);
      // The one way a preview call can be abandoned: kept visible in the stats.
      if (offer.abandoned) deps.store.attempts.update(offer.attemptId, { skipReason: 'abandoned' });
      return;
    }
    const now = deps.now();
    const talkMs = now - offer.answeredAt;
    if (!moveOffer(offer, 'hangup', { talkMs })) return;
    deps.store.attempts.update(offer.attemptId, {
      state: 'ended',
      outcome: 'answered',
      endedAt: now,
      releasePhone: true,
    });
    // The agent's wrap-up starts: the disposition is owed.
    deps.agents.callEnded(offer.agentId, offer.attemptId, 'dialer');
    deps.events.callEnded({ agentId: offer.agentId, attemptId: offer.attemptId, talkMs });
  }

  /** Nobody was reached: the lead's retry follows the outcome, and the agent gets the next lead. */
  private notReached(offer: Offer, outcome: Exclude<DialOutcomeName, 'answered'>): void {
    const { deps, leads } = this.ctx;
    const now = deps.now();
    const campaign = deps.campaigns.get(offer.campaignId);
    const after = campaign
      ? afterAttempt(campaign.settings, { outcome }, offer.lead.attempts + 1, now)
      : { state: 'failed' as const, dueAt: undefined };
    if (!moveOffer(offer, 'not-reached', { outcome, next: after.state })) return;
    releaseChannel(this.ctx, offer);
    leads.move(offer.lead, 'in-progress', after.state, outcome, { dueAt: after.dueAt, outcome });
    if (after.dueAt !== undefined) leads.scheduleDue(offer.lead.id, after.dueAt);
    deps.store.attempts.update(offer.attemptId, {
      state: 'ended',
      outcome,
      endedAt: now,
      releasePhone: true,
    });
    deps.metrics.dialOutcomes.inc({ campaign: offer.campaignId, outcome });
    deps.events.notReached({ agentId: offer.agentId, attemptId: offer.attemptId, outcome });
    this.ctx.offers.forget(offer);
    deps.agents.released(offer.agentId, 'dialer');
  }

  /** What the agent hears while the customer's phone rings; the join stops it, the call's teardown otherwise. */
  private playTone(offer: Offer, session: CallSession, tone: string): void {
    const { agents, events } = this.ctx.deps;
    // Played to the agent's line channel itself (it stays in its bridge): cheaper for Asterisk than a
    // bridge playback, which adds an announcer channel per ringing call.
    const lineId = agents.lineOf(offer.agentId);
    if (!lineId) return;
    offer.tone = new PlayTask([tone], {
      target: { kind: 'channel', id: lineId },
      onStarted: (playbackId) =>
        events.progressTone({ agentId: offer.agentId, attemptId: offer.attemptId, playbackId, tone }),
    });
    void bestEffort(session.run(offer.tone), offer.log, 'progress tone to the agent');
  }

  private dialString(phone: string): string {
    return fillDialString(this.ctx.deps.config.dialString, phone);
  }
}
