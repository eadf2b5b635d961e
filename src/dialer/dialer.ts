import type { Logger } from 'pino';
import { nextWorkFor } from '../agents/ready-agent.js';
import type { AgentView } from '../agents/types.js';
import { maskNumber } from '../lib/mask.js';
import type { LeadState } from '../store/index.js';
import { AfterCall, type DispositionInput } from './after-call.js';
import type { Campaign } from './campaign.js';
import type { DialerContext, DialerDeps } from './context.js';
import { CustomerCall } from './customer-call.js';
import { DialerLeads } from './dialer-leads.js';
import { DueJobs } from './due-jobs.js';
import { DialerError } from './errors.js';
import { OfferSelection, type PreviewView, refuseStaleOffer } from './offer-selection.js';
import { canMove, hasCustomerCall, isSettled } from './offer-state.js';
import { cancelCall, OfferBook } from './offers.js';
import { wrapUpTimeoutAction } from './policy.js';
import { DialerRecovery } from './recovery.js';
import { TrunkSlots } from './slots.js';
import { campaignStats } from './stats.js';

export type { DialerConfig } from './context.js';
export type { PreviewView } from './offer-selection.js';

const ACTIVE_KEY = 'dialer:active';

/**
 * The preview dialer. A ready agent on a persistent line is offered the next lead of the campaigns they
 * work (due callbacks, due retries, new leads); they accept (or the preview timer does) and the customer
 * is dialed with the agent listening to the ring; on answer the customer joins the agent's bridge and the
 * call is recorded. Outcomes come from the real call progress; the agent's disposition schedules the
 * lead's retry or callback (a BullMQ delayed job wakes the dialer when it is due). No call is ever placed
 * without its agent waiting for it, so nothing is abandoned. Attempts live in SQLite: a restart re-attaches
 * live calls and puts previews back, never dialing a lead twice.
 *
 * This class wires the parts and reacts to agents, campaigns and the hotline; each offer moves through
 * the table in offer-state.ts. The parts: OfferSelection (pick, claim, preview, skip, withdraw),
 * CustomerCall (dial, ring tone, join on answer, end), AfterCall (disposition), DialerRecovery (restart).
 */
export class DialerService {
  private readonly ctx: DialerContext;
  private readonly offers = new OfferBook();
  private readonly slots: TrunkSlots;
  private readonly due: DueJobs;
  private readonly selection: OfferSelection;
  private readonly call: CustomerCall;
  private readonly afterCall: AfterCall;
  private readonly recovery: DialerRecovery;
  private readonly log: Logger;
  private running = false;
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DialerDeps) {
    this.log = deps.logger.child({ component: 'dialer' });
    this.slots = new TrunkSlots(
      deps.redis,
      ACTIVE_KEY,
      () => deps.config.trunkChannels,
      (id) => deps.campaigns.get(id)?.settings,
      this.log,
    );
    this.due = new DueJobs({
      redisUrl: deps.redisUrl,
      keyPrefix: deps.keyPrefix,
      log: this.log,
      now: deps.now,
    });
    this.ctx = {
      deps,
      log: this.log,
      offers: this.offers,
      slots: this.slots,
      leads: new DialerLeads(deps.store, this.due, this.log, deps.now),
      running: () => this.running,
    };
    this.afterCall = new AfterCall(this.ctx);
    this.selection = new OfferSelection(this.ctx, this.afterCall, (offer, by) => this.call.accept(offer, by));
    this.call = new CustomerCall(this.ctx, this.selection);
    this.recovery = new DialerRecovery(this.ctx, this.call);
  }

  async start(): Promise<void> {
    this.running = true;
    const { agents, ari, bus } = this.deps;
    agents.onLineDropped((agent) => this.lineDropped(agent));
    agents.handleWrapUpTimeout((agent) => this.wrapUpRanOut(agent));
    agents.onCustomerHangupRequest((_agentId, callId) => {
      void this.offers.ofAttempt(callId)?.session?.hangup('agent ended the call');
    });
    bus.subscribe((event) => {
      if (event.topic === 'agent' && event.type === 'state') this.agentChanged(event.data);
    });
    this.deps.campaigns.onChange((campaign) => this.campaignChanged(campaign));
    ari.addRecoverer((pbx) => this.recovery.recover(pbx));
    this.due.start(() => this.wake());
    this.ticker = setInterval(() => this.wake(), 1_000);
    this.ticker.unref();
  }

  /** Stops offering leads (drain); previews go back, calls in progress finish. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.ticker);
    for (const offer of this.offers.all()) {
      if (canMove(offer.state, 'withdraw')) this.selection.withdraw(offer, 'service stopping');
    }
  }

  async close(): Promise<void> {
    await this.due.close();
  }

  /** After Redis lost its data: the trunk channels in use are counted there again (due jobs need not be: the ticker reads due leads from the store). */
  async rewriteLiveState(): Promise<{ trunkChannels: number }> {
    return { trunkChannels: await this.slots.rewrite() };
  }

  /** Calls the dialer has up (ringing or talking). */
  activeCalls(): number {
    return this.slots.active();
  }

  /**
   * Offers the agent their next lead, if the rule gives the dialer this agent (src/agents/ready-agent.ts):
   * an agent who became ready comes here only after the hotline had its turn (src/wiring/ready-agents.ts).
   */
  offerNext(agentId: string): void {
    void this.selection.offerNext(agentId);
  }

  /** Offers leads to every ready agent without one (a due job, the ticker, a campaign resumed). */
  wake(): void {
    if (!this.running) return;
    for (const agent of this.deps.agents.available()) {
      if (!this.offers.hasAgent(agent.id)) void this.selection.offerNext(agent.id);
    }
  }

  // --- the agent's side (REST) ------------------------------------------------------------------------

  preview(agentId: string): PreviewView | undefined {
    return this.selection.preview(agentId);
  }

  /**
   * The agent accepts the preview: the customer is dialed. `attemptId`, when given, is the offer the
   * agent's screen shows: a click on an offer that has since gone changes nothing (STALE_OFFER).
   */
  accept(agentId: string, by: string, attemptId?: string): PreviewView {
    const offer = this.offers.ofAgent(agentId);
    if (offer) refuseStaleOffer(offer, attemptId);
    if (!offer || !this.call.accept(offer, by))
      throw new DialerError('NO_PREVIEW', `agent ${agentId} has no lead in preview`);
    // The checks at dial time run before the first wait: a refusal is known now.
    if (isSettled(offer.state))
      throw new DialerError('NOT_DIALED', offer.endReason ?? 'the lead was not dialed');
    const view = this.selection.preview(agentId);
    if (!view) throw new DialerError('NO_PREVIEW', `agent ${agentId} has no lead in preview`);
    return view;
  }

  /** The agent passes on the lead: it goes back to the pool (not to them) with the reason kept. */
  skip(agentId: string, reason: string, by: string, attemptId?: string): void {
    this.selection.skip(agentId, reason, by, attemptId);
  }

  /** Ends the agent's customer call (the agent may also press # on the phone). */
  async hangup(agentId: string): Promise<void> {
    const offer = this.offers.ofAgent(agentId);
    if (!offer?.session || !hasCustomerCall(offer.state))
      throw new DialerError('NO_CALL', `agent ${agentId} has no customer call`);
    await offer.session.hangup('agent ended the call');
  }

  /** The agent's customer call, ringing or answered (for the call controls, src/calls). */
  agentCall(agentId: string) {
    const offer = this.offers.ofAgent(agentId);
    if (!offer?.session || !hasCustomerCall(offer.state)) return undefined;
    return {
      kind: 'dialer' as const,
      session: offer.session,
      agentId,
      agentCallId: offer.attemptId,
      numberMasked: maskNumber(offer.lead.phone),
      answeredAt: offer.answeredAt ?? null,
      campaignId: offer.campaignId,
      attemptId: offer.attemptId,
    };
  }

  /**
   * The customer call went to another agent (a transfer): the offer is theirs now, so the call's end puts
   * them in wrap-up, they give the disposition, and their line dropping ends the call. (The attempt keeps
   * the agent who placed it.)
   */
  handOver(attemptId: string, to: { agentId: string; teamId: string | null }): void {
    const offer = this.offers.ofAttempt(attemptId);
    if (!offer) return;
    const from = offer.agentId;
    this.offers.reassign(offer, to.agentId);
    offer.teamId = to.teamId;
    offer.log = offer.log.child({ agentId: to.agentId });
    offer.session?.log.setBindings({ agentId: to.agentId });
    offer.log.info(
      { fromAgentId: from, toAgentId: to.agentId },
      'customer call handed over to another agent',
    );
  }

  /**
   * The agent's disposition of the call just ended: notes, an optional callback time, the sale, the
   * lead's next state and its retry or callback; then the agent's wrap-up ends and the next lead comes.
   */
  async dispose(
    agentId: string,
    input: DispositionInput,
    by: string,
  ): Promise<{ attemptId: string; leadState: LeadState; dueAt?: number }> {
    return this.settle(agentId, input, by);
  }

  private settle(
    agentId: string,
    input: DispositionInput,
    by: string,
    appliedBecause?: string,
  ): { attemptId: string; leadState: LeadState; dueAt?: number } {
    const result = this.afterCall.dispose(agentId, input, by, appliedBecause);
    // The disposition ends after-call work: the agent is ready and gets the next lead at once.
    const agent = this.deps.agents.get(agentId);
    if (agent?.state === 'wrap-up' && agent.callId === result.attemptId) {
      this.deps.agents.apply(agentId, { type: 'wrap-up-done' }, by);
    } else if (agent?.state === 'ready') {
      void this.selection.offerNext(agentId);
    }
    return result;
  }

  /**
   * The agent's wrap-up ran out (asked by src/agents/service.ts). A call still owing its disposition is
   * the campaign's to decide (`wrapUp.onTimeout`): the agent stays in wrap-up and they and their team
   * leader are told (dialer.disposition-overdue), or the campaign's named disposition is applied and the
   * agent is ready. True when the dialer took the agent over; otherwise wrap-up simply ends.
   */
  private wrapUpRanOut(agent: AgentView): boolean {
    const owed = this.afterCall.owedBy(agent.id);
    if (!owed || owed.attemptId !== agent.callId) return false;
    const campaign = this.deps.campaigns.get(owed.campaignId);
    const decision = wrapUpTimeoutAction(campaign?.settings, true);
    if (decision.action === 'finish') return false;
    const { attemptId, campaignId } = owed;
    if (decision.action === 'apply') {
      this.settle(agent.id, { code: decision.code, attemptId }, 'wrap-up timer', 'wrap-up ran out');
      this.log.info(
        { agentId: agent.id, attemptId, disposition: decision.code },
        'wrap-up ran out: disposition applied',
      );
      return true;
    }
    this.deps.agents.apply(agent.id, { type: 'wrap-up-expired' }, 'timer');
    this.deps.events.dispositionOverdue({
      agentId: agent.id,
      attemptId,
      campaignId,
      wrapUpSince: agent.since,
    });
    this.log.warn(
      { agentId: agent.id, attemptId },
      'wrap-up ran out: the agent stays in it until the disposition',
    );
    return true;
  }

  /** The agent marks the lead's number do-not-call (in preview, or the call just ended). */
  markDoNotCall(agentId: string, reason: string, by: string): { numberMasked: string } {
    return this.selection.markDoNotCall(agentId, reason, by);
  }

  /** A campaign's live figures for today (its time zone); undefined when there is no such campaign. */
  campaignStats(campaignId: string): ReturnType<typeof campaignStats> | undefined {
    const campaign = this.deps.campaigns.get(campaignId);
    if (!campaign) return undefined;
    return campaignStats(this.deps.store, campaign, this.deps.now(), this.deps.agents.list());
  }

  // --- events from agents, campaigns and the hotline ----------------------------------------------------

  /**
   * An agent's state changed. Logged out or set not ready before the customer answered: the lead goes
   * back, a ringing call is cancelled; no customer is ever connected to nobody.
   */
  private agentChanged(agent: AgentView): void {
    const offer = this.offers.ofAgent(agent.id);
    if (!offer || agent.state === 'reserved') return;
    if (canMove(offer.state, 'withdraw')) this.selection.withdraw(offer, 'agent left before the call');
    else if (offer.state === 'dialing') cancelCall(offer, 'agent left while ringing');
  }

  private lineDropped(agent: AgentView): void {
    const offer = this.offers.ofAgent(agent.id);
    if (!offer) return;
    if (canMove(offer.state, 'withdraw')) this.selection.withdraw(offer, 'agent line dropped');
    else if (hasCustomerCall(offer.state)) cancelCall(offer, 'agent line dropped');
  }

  /**
   * A hotline caller now waits (src/wiring/ready-agents.ts): agents still only previewing a lead whom the
   * rule now gives the hotline are handed back to the queue, the lead going back; calls already placed
   * carry on.
   */
  yieldToHotline(): void {
    const waiting = { hotlineCallers: this.deps.hotlineWaiting() };
    for (const offer of this.offers.all()) {
      if (offer.state !== 'preview') continue;
      const agent = this.deps.agents.get(offer.agentId);
      if (agent && nextWorkFor(agent, waiting) !== 'hotline') continue;
      this.selection.withdraw(offer, 'hotline caller waiting');
    }
  }

  /** A pause or finish withdraws the campaign's previews at once; a resume or re-pace wakes agents. */
  private campaignChanged(campaign: Campaign): void {
    if (campaign.state !== 'active') {
      for (const offer of this.offers.all()) {
        if (offer.campaignId === campaign.id && canMove(offer.state, 'withdraw'))
          this.selection.withdraw(offer, `campaign ${campaign.state}`);
      }
    }
    this.wake();
  }
}
