import { randomUUID } from 'node:crypto';
import { nextWorkFor } from '../agents/ready-agent.js';
import type { AgentView } from '../agents/types.js';
import { maskedName, maskFields, maskNumber } from '../lib/mask.js';
import type { LeadRecord, LeadState } from '../store/index.js';
import type { AfterCall } from './after-call.js';
import type { Campaign } from './campaign.js';
import { type DialerContext, releaseChannel } from './context.js';
import { DialerError } from './errors.js';
import { canMove, type OfferState } from './offer-state.js';
import { cancelCall, moveOffer, type Offer } from './offers.js';
import { campaignsFor, isCapped } from './policy.js';
import { renderScript } from './script.js';
import { dialedCounts } from './stats.js';

export interface PreviewView {
  attemptId: string;
  campaignId: string;
  campaignName: string;
  phase: OfferState;
  lead: {
    id: string;
    name: string | null;
    numberMasked: string;
    /** Masked by the campaign's field kinds (lib/mask.ts). */
    fields: Record<string, string>;
    attempts: number;
    state: LeadState;
    lastOutcome: string | null;
    lastDisposition: string | null;
  };
  history: {
    at: number;
    agentId: string;
    outcome: string | null;
    disposition: string | null;
    notes: string | null;
  }[];
  /** When the preview timer acts (epoch ms), while previewing. */
  previewEndsAt?: number;
  onPreviewTimeout: 'dial' | 'skip';
  /** `sale`: the disposition records a sale (amount and product). */
  dispositions: { code: string; label: string; sale: boolean }[];
  /** The campaign's call script with the lead's values filled in (phone-like ones masked); null: none. */
  script: string | null;
}

export interface WithdrawOptions {
  /** A lead given to this agent goes back to the team or pool instead. */
  toPool?: boolean;
  /** Not offered again before this delay. */
  delayMs?: number;
  /** Where the lead goes instead of back where it was (dnc). */
  toState?: LeadState;
}

/**
 * Offer selection: which lead a ready agent is offered (due callbacks, due retries, new leads of the
 * campaigns they work, in priority order, within the calling window and the caps), its claim and its
 * preview, and the ways an offer ends before any call: skipped by the agent or the timer, or withdrawn by
 * the service.
 */
export class OfferSelection {
  /** Agents being offered a lead right now (guards against re-entry). */
  private readonly offering = new Set<string>();

  constructor(
    private readonly ctx: DialerContext,
    private readonly afterCall: AfterCall,
    /** Starts the dial of an accepted offer (the customer call's `accept`). */
    private readonly accept: (offer: Offer, by: string) => boolean,
  ) {}

  /**
   * What the agent sees: the lead (number masked, custom fields masked by their kind), its earlier
   * attempts, the timer, the dispositions, the campaign's script filled in.
   */
  preview(agentId: string): PreviewView | undefined {
    const offer = this.ctx.offers.ofAgent(agentId);
    if (!offer) return undefined;
    const campaign = this.ctx.deps.campaigns.get(offer.campaignId);
    const { lead } = offer;
    const history = this.ctx.deps.store.attempts
      .forLead(lead.id)
      .filter((a) => a.id !== offer.attemptId)
      .map((a) => ({
        at: a.offeredAt,
        agentId: a.agentId,
        outcome: a.outcome ?? a.skipReason,
        disposition: a.disposition,
        notes: a.notes,
      }));
    return {
      attemptId: offer.attemptId,
      campaignId: offer.campaignId,
      campaignName: campaign?.name ?? offer.campaignId,
      phase: offer.state,
      lead: {
        id: lead.id,
        name: maskedName(lead.name),
        numberMasked: maskNumber(lead.phone),
        fields: maskFields(lead.fields, campaign?.settings.fieldKinds),
        attempts: lead.attempts,
        state: lead.state,
        lastOutcome: lead.lastOutcome,
        lastDisposition: lead.lastDisposition,
      },
      history,
      ...(offer.state === 'preview' && campaign
        ? { previewEndsAt: (lead.reservedAt ?? 0) + campaign.settings.pacing.previewSec * 1000 }
        : {}),
      onPreviewTimeout: campaign?.settings.pacing.onPreviewTimeout ?? 'dial',
      dispositions: (campaign?.settings.dispositions ?? []).map((d) => ({
        code: d.code,
        label: d.label,
        sale: d.sale,
      })),
      script: campaign?.settings.script
        ? renderScript(campaign.settings.script, lead, campaign.settings.fieldKinds)
        : null,
    };
  }

  /** Offers the agent the next lead, if they are ready and the rule gives them to the dialer, not the hotline. */
  async offerNext(agentId: string): Promise<void> {
    const { deps, offers } = this.ctx;
    if (!this.ctx.running() || this.offering.has(agentId)) return;
    const agent = deps.agents.get(agentId);
    if (agent?.state !== 'ready') return;
    // Wrap-up ran out without a disposition: the attempt is settled first, so nothing stays in progress.
    const held = offers.ofAgent(agentId);
    if (held) {
      if (held.state !== 'ended') return;
      this.afterCall.settleUndisposed(held.attemptId, agentId);
    } else {
      const undisposed = deps.store.attempts.awaitingDisposition(agentId);
      if (undisposed?.state === 'ended') this.afterCall.settleUndisposed(undisposed.id, agentId);
    }
    // On a persistent line that is up, and no hotline caller waits for them (src/agents/ready-agent.ts).
    if (nextWorkFor(agent, { hotlineCallers: deps.hotlineWaiting() }) !== 'dialer') return;
    this.offering.add(agentId);
    try {
      const now = deps.now();
      for (const campaign of campaignsFor(agent, deps.campaigns.list(), new Date(now))) {
        const pacing = this.ctx.slots.decide(campaign.id, dialedCounts(deps.store, campaign, agentId, now));
        // A cap holds until the hour or the day turns; busy channels only make the accepted dial wait.
        if (!pacing || isCapped(pacing)) continue;
        const lead = deps.store.leads.claimNext(campaign.id, agent.id, agent.teamId, now, (l) =>
          this.dialable(l, campaign),
        );
        if (!lead) continue;
        if (this.offerLead(agent, campaign, lead, now)) return;
      }
    } catch (err) {
      this.ctx.log.error({ err, agentId }, 'could not offer a lead');
    } finally {
      this.offering.delete(agentId);
    }
  }

  /** The agent passes on the lead: it goes back to the pool (not to them) with the reason kept. */
  skip(agentId: string, reason: string, by: string, attemptId?: string): void {
    const offer = this.ctx.offers.ofAgent(agentId);
    if (!offer) throw new DialerError('NO_PREVIEW', `agent ${agentId} has no lead in preview`);
    refuseStaleOffer(offer, attemptId);
    if (!this.end(offer, 'skip', `skipped: ${reason}`, { toPool: true, delayMs: 60_000 }, { by }))
      throw new DialerError('NO_PREVIEW', `agent ${agentId} has no lead in preview`);
  }

  /**
   * The service takes back an offer that did not become a call (agent left, campaign paused, refused at
   * dial time...): the lead goes back where it was (or to `toState`), the agent is free for the next one.
   */
  withdraw(offer: Offer, reason: string, options: WithdrawOptions = {}): void {
    this.end(offer, 'withdraw', reason, options);
  }

  /**
   * The agent marks the lead's number do-not-call (in preview, or the call just ended): a preview is
   * withdrawn, a ringing call cancelled; a call in progress or ended keeps its lead until the
   * disposition, which then finds it on the list.
   */
  markDoNotCall(agentId: string, reason: string, by: string): { numberMasked: string } {
    const { store } = this.ctx.deps;
    const offer = this.ctx.offers.ofAgent(agentId);
    const attempt = offer ? store.attempts.get(offer.attemptId) : store.attempts.awaitingDisposition(agentId);
    const lead = attempt && store.leads.get(attempt.leadId);
    if (!attempt || !lead) throw new DialerError('NO_PREVIEW', `agent ${agentId} has no lead to mark`);
    const now = this.ctx.deps.now();
    store.dnc.addMany([{ scope: attempt.campaignId, phone: lead.phone, reason, by }], now);
    if (offer && canMove(offer.state, 'withdraw')) {
      this.withdraw(offer, 'marked do-not-call', { toState: 'dnc' });
    } else if (offer?.state === 'dialing') {
      cancelCall(offer, 'marked do-not-call while ringing');
    }
    store.leads.markDnc(lead.phone, attempt.campaignId, now);
    return { numberMasked: maskNumber(lead.phone) };
  }

  /** Checked while picking: a number on do-not-call is never offered (and the lead is closed). */
  private dialable(lead: LeadRecord, campaign: Campaign): boolean {
    if (!this.ctx.deps.store.dnc.blocked(lead.phone, campaign.id)) return true;
    this.ctx.leads.move(lead, lead.state, 'dnc', 'found on do-not-call');
    return false;
  }

  private offerLead(agent: AgentView, campaign: Campaign, lead: LeadRecord, now: number): boolean {
    const { deps, leads } = this.ctx;
    const attemptId = randomUUID();
    const opened = deps.store.attempts.open({
      id: attemptId,
      leadId: lead.id,
      campaignId: campaign.id,
      agentId: agent.id,
      teamId: agent.teamId,
      phone: lead.phone,
      numberMasked: maskNumber(lead.phone),
      attemptNo: lead.attempts + 1,
      at: now,
    });
    if (!opened) {
      // The number is in another live call (another campaign): not now.
      leads.move(lead, 'reserved', lead.state, 'number busy elsewhere', {
        dueAt: now + 60_000,
        reservedBy: agent.id,
      });
      return false;
    }
    if (!deps.agents.reserve(agent.id, attemptId, 'dialer')) {
      deps.store.attempts.update(attemptId, {
        state: 'skipped',
        skipReason: 'agent no longer ready',
        releasePhone: true,
      });
      leads.move(lead, 'reserved', lead.state, 'agent no longer ready', {
        dueAt: lead.dueAt,
        reservedBy: agent.id,
      });
      return true; // the agent is busy elsewhere: stop looking for them
    }
    const log = this.ctx.log.child({
      agentId: agent.id,
      campaignId: campaign.id,
      attemptId,
      leadId: lead.id,
    });
    const offer: Offer = {
      attemptId,
      agentId: agent.id,
      teamId: agent.teamId,
      campaignId: campaign.id,
      lead: { ...lead, reservedAt: now },
      state: 'preview',
      abort: new AbortController(),
      holdsSlot: false,
      log,
    };
    this.ctx.offers.add(offer);
    const { previewSec, onPreviewTimeout } = campaign.settings.pacing;
    offer.previewTimer = setTimeout(() => {
      if (offer.state !== 'preview') return;
      log.info({ action: onPreviewTimeout }, 'preview timer ran out');
      if (onPreviewTimeout === 'dial') this.accept(offer, 'preview timer');
      else this.end(offer, 'skip', 'skipped: preview timed out', { toPool: false, delayMs: 60_000 });
    }, previewSec * 1000);
    offer.previewTimer.unref();
    log.info({ from: lead.state, number: maskNumber(lead.phone) }, 'lead offered for preview');
    deps.events.preview({
      agentId: agent.id,
      attemptId,
      campaignId: campaign.id,
      leadId: lead.id,
      numberMasked: maskNumber(lead.phone),
      previewSec,
    });
    return true;
  }

  /**
   * Ends an offer that did not become a call (a skip or a withdrawal): the lead goes back where it was
   * (or to `toState`), the attempt is closed as skipped, the agent is free for the next lead. False when
   * the offer is past that (the move is refused).
   */
  private end(
    offer: Offer,
    event: 'skip' | 'withdraw',
    reason: string,
    options: WithdrawOptions,
    details: Record<string, unknown> = {},
  ): boolean {
    const { deps, leads } = this.ctx;
    const now = deps.now();
    const back = options.toState ?? offer.lead.state;
    if (!moveOffer(offer, event, { ...details, reason, back })) return false;
    offer.endReason = reason;
    offer.abort.abort();
    releaseChannel(this.ctx, offer);
    const dueAt =
      back === 'new' || back === 'retry' || back === 'callback'
        ? Math.max(offer.lead.dueAt, now + (options.delayMs ?? 0))
        : undefined;
    leads.move(offer.lead, 'reserved', back, reason, {
      dueAt,
      reservedBy: offer.agentId,
      ...(options.toPool && offer.lead.agentId === offer.agentId ? { agentId: null } : {}),
    });
    deps.store.attempts.update(offer.attemptId, {
      state: 'skipped',
      skipReason: reason.slice(0, 200),
      endedAt: now,
      releasePhone: true,
    });
    this.ctx.offers.forget(offer);
    deps.events.withdrawn({ agentId: offer.agentId, attemptId: offer.attemptId, reason });
    deps.agents.released(offer.agentId, 'dialer');
    return true;
  }
}

/**
 * A click made on an offer the agent's screen still showed after it went (the preview timer dialed or
 * skipped it, a new lead came): refused, so it cannot act on the offer that replaced it.
 */
export function refuseStaleOffer(offer: { attemptId: string }, attemptId: string | undefined): void {
  if (attemptId !== undefined && attemptId !== offer.attemptId)
    throw new DialerError('STALE_OFFER', `offer ${attemptId} is no longer the agent's offer`);
}
