import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AgentService } from '../agents/service.js';
import type { AgentView } from '../agents/types.js';
import type { AriApp, PbxSnapshot } from '../ari/app.js';
import { dialOutcome } from '../ari/dial.js';
import type { CallSession } from '../ari/session.js';
import type { DialEvent, RawAriEvent } from '../ari/types.js';
import type { EventBus } from '../lib/events.js';
import { maskNumber } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { RecordingMeta } from '../recording/capture.js';
import type { AttemptRecord, LeadMoveDetails, LeadRecord, LeadState, Store } from '../store/index.js';
import type { Campaign, DialOutcomeName } from './campaign.js';
import type { CampaignBook } from './campaigns.js';
import {
  afterAttempt,
  campaignsFor,
  inCallingWindow,
  leadMoveAllowed,
  stateBeforeReserve,
} from './policy.js';
import { SlotWaitAborted, TrunkSlots } from './slots.js';

export interface DialerConfig {
  trunkChannels: number;
  dialString: string;
}

/** An error a person's request ran into (REST maps the code to a status). */
export class DialerError extends Error {
  override readonly name = 'DialerError';
  constructor(
    readonly code:
      | 'NO_PREVIEW'
      | 'NOT_AWAITING_DISPOSITION'
      | 'CALL_IN_PROGRESS'
      | 'UNKNOWN_DISPOSITION'
      | 'NO_CALL'
      | 'NOT_DIALED',
    message: string,
  ) {
    super(message);
  }
}

/** 'done': settled (withdrawn, not reached, or disposed); a done offer is never acted on again. */
type Phase = 'preview' | 'waiting-channel' | 'dialing' | 'connected' | 'ended' | 'done';

/** A lead offered to an agent, from the preview to the disposition. */
interface Offer {
  attemptId: string;
  agentId: string;
  teamId: string | null;
  campaignId: string;
  lead: LeadRecord;
  phase: Phase;
  previewTimer?: NodeJS.Timeout;
  /** Withdraws a dial waiting for a channel. */
  abort: AbortController;
  session?: CallSession;
  tone?: string;
  dialStatus?: string;
  answeredAt?: number;
  /** Holds a trunk channel (released exactly once). */
  holdsSlot: boolean;
  /** Why the service itself hung the customer up (agent left, line dropped, shutdown): a cancel. */
  cancelReason?: string;
  /** Why the offer was withdrawn (told to a refused accept). */
  endReason?: string;
  /** Answered with no agent to join: abandoned (should never happen; counted). */
  abandoned?: boolean;
  log: Logger;
}

export interface PreviewView {
  attemptId: string;
  campaignId: string;
  campaignName: string;
  phase: Phase;
  lead: {
    id: string;
    name: string | null;
    numberMasked: string;
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
  dispositions: { code: string; label: string }[];
}

const ACTIVE_KEY = 'dialer:active';

/**
 * The preview dialer. A ready agent on a persistent line is offered the next lead of the campaigns they
 * work (due callbacks, due retries, new leads); they accept (or the preview timer does) and the customer
 * is dialed with the agent listening to the ring; on answer the customer joins the agent's bridge and the
 * call is recorded. Outcomes come from the real call progress; the agent's disposition schedules the
 * lead's retry or callback (a BullMQ delayed job wakes the dialer when it is due). No call is ever placed
 * without its agent waiting for it, so nothing is abandoned. Attempts live in SQLite: a restart re-attaches
 * live calls and puts previews back, never dialing a lead twice.
 */
export class DialerService {
  private readonly offers = new Map<string, Offer>();
  private readonly byAttempt = new Map<string, Offer>();
  private readonly offering = new Set<string>();
  private readonly slots: TrunkSlots;
  private readonly log: Logger;
  private running = false;
  private ticker: NodeJS.Timeout | undefined;
  private dueQueue: Queue | undefined;
  private dueWorker: Worker | undefined;
  private bullConnection: Redis | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      redis: Redis;
      redisUrl: string;
      keyPrefix: string;
      ari: AriApp;
      agents: AgentService;
      campaigns: CampaignBook;
      bus: EventBus;
      logger: Logger;
      metrics: Metrics;
      config: DialerConfig;
      now: () => number;
      /** Hotline callers waiting: inbound-capable agents take them before any lead. */
      hotlineWaiting: () => number;
      /** Customer and agent joined (full-call recording starts here). */
      onConnected: (session: CallSession, meta: RecordingMeta) => void;
      /** A customer call placed for an agent who accepted: ms from accept (benchmarks). */
      onDialing?: (agentId: string, attemptId: string) => void;
    },
  ) {
    this.log = deps.logger.child({ component: 'dialer' });
    this.slots = new TrunkSlots(
      deps.redis,
      ACTIVE_KEY,
      () => deps.config.trunkChannels,
      (id) => deps.campaigns.get(id)?.settings,
    );
  }

  async start(): Promise<void> {
    this.running = true;
    const { agents, ari, bus } = this.deps;
    // After the hotline's listener (registered first): a ready agent is the queue's to take first.
    agents.onReady((agent) => setImmediate(() => void this.offerNext(agent.id)));
    agents.onLineDropped((agent) => this.lineDropped(agent));
    agents.onCustomerHangupRequest((_agentId, callId) => {
      void this.byAttempt.get(callId)?.session?.hangup('agent ended the call');
    });
    bus.subscribe((event) => {
      // A hotline caller now waits: inbound-capable agents still only previewing a lead are handed back
      // to the queue (the preview goes back to the pool); calls already placed carry on.
      if (event.topic === 'queue' && (event.type === 'caller-queued' || event.type === 'caller-requeued')) {
        setImmediate(() => this.yieldToHotline());
        return;
      }
      if (event.topic !== 'agent' || event.type !== 'state') return;
      const { id, state } = event.data as { id: string; state: string };
      const offer = this.offers.get(id);
      if (!offer) return;
      // Logged out or set not ready before the customer answered: the lead goes back, a ringing call
      // is cancelled; no customer is ever connected to nobody.
      if ((offer.phase === 'preview' || offer.phase === 'waiting-channel') && state !== 'reserved')
        this.withdraw(offer, 'agent left before the call');
      else if (offer.phase === 'dialing' && state !== 'reserved')
        this.cancel(offer, 'agent left while ringing');
    });
    this.deps.campaigns.onChange((campaign) => this.campaignChanged(campaign));
    ari.addRecoverer((pbx) => this.recover(pbx));
    this.bullConnection = new Redis(this.deps.redisUrl, { maxRetriesPerRequest: null });
    this.bullConnection.on('error', (err) =>
      this.log.warn({ err: err.message }, 'redis error (dialer jobs)'),
    );
    const common = { connection: this.bullConnection, prefix: `${this.deps.keyPrefix}bull` };
    this.dueQueue = new Queue('dialer-due', common);
    this.dueWorker = new Worker('dialer-due', async () => this.wake(), { ...common, concurrency: 1 });
    this.dueWorker.on('error', (err) => this.log.warn({ err: err.message }, 'dialer due worker error'));
    this.ticker = setInterval(() => this.wake(), 1_000);
    this.ticker.unref();
  }

  /** Stops offering leads (drain); previews go back, calls in progress finish. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.ticker);
    for (const offer of [...this.offers.values()]) {
      if (offer.phase === 'preview' || offer.phase === 'waiting-channel')
        this.withdraw(offer, 'service stopping');
    }
  }

  async close(): Promise<void> {
    await this.dueWorker?.close().catch(() => {});
    await this.dueQueue?.close().catch(() => {});
    this.bullConnection?.disconnect();
  }

  /** Calls the dialer has up (ringing or talking). */
  activeCalls(): number {
    return this.slots.active();
  }

  /** Offers leads to every ready agent without one (a due job, the ticker, a campaign resumed). */
  wake(): void {
    if (!this.running) return;
    for (const agent of this.deps.agents.available()) {
      if (!this.offers.has(agent.id)) void this.offerNext(agent.id);
    }
  }

  // --- the agent's side (REST) ------------------------------------------------------------------------

  preview(agentId: string): PreviewView | undefined {
    const offer = this.offers.get(agentId);
    if (!offer) return undefined;
    const campaign = this.deps.campaigns.get(offer.campaignId);
    const { lead } = offer;
    const history = this.deps.store.attempts
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
      phase: offer.phase,
      lead: {
        id: lead.id,
        name: lead.name,
        numberMasked: maskNumber(lead.phone),
        fields: lead.fields,
        attempts: lead.attempts,
        state: lead.state,
        lastOutcome: lead.lastOutcome,
        lastDisposition: lead.lastDisposition,
      },
      history,
      ...(offer.phase === 'preview' && campaign
        ? { previewEndsAt: (lead.reservedAt ?? 0) + campaign.settings.pacing.previewSec * 1000 }
        : {}),
      onPreviewTimeout: campaign?.settings.pacing.onPreviewTimeout ?? 'dial',
      dispositions: (campaign?.settings.dispositions ?? []).map((d) => ({ code: d.code, label: d.label })),
    };
  }

  /** The agent accepts the preview: the customer is dialed. */
  accept(agentId: string, by: string): PreviewView {
    const offer = this.offers.get(agentId);
    if (offer?.phase !== 'preview')
      throw new DialerError('NO_PREVIEW', `agent ${agentId} has no lead in preview`);
    offer.log.info({ by }, 'preview accepted');
    this.startDial(offer);
    // The checks at dial time run before the first wait: a refusal is known now.
    if ((offer.phase as Phase) === 'done')
      throw new DialerError('NOT_DIALED', offer.endReason ?? 'the lead was not dialed');
    const view = this.preview(agentId);
    if (!view) throw new DialerError('NO_PREVIEW', `agent ${agentId} has no lead in preview`);
    return view;
  }

  /** The agent passes on the lead: it goes back to the pool (not to them) with the reason kept. */
  skip(agentId: string, reason: string, by: string): void {
    const offer = this.offers.get(agentId);
    if (offer?.phase !== 'preview')
      throw new DialerError('NO_PREVIEW', `agent ${agentId} has no lead in preview`);
    offer.log.info({ by, reason }, 'preview skipped');
    this.withdraw(offer, `skipped: ${reason}`, { toPool: true, delayMs: 60_000 });
  }

  /** Ends the agent's customer call (the agent may also press # on the phone). */
  async hangup(agentId: string): Promise<void> {
    const offer = this.offers.get(agentId);
    if (!offer?.session || (offer.phase !== 'dialing' && offer.phase !== 'connected'))
      throw new DialerError('NO_CALL', `agent ${agentId} has no customer call`);
    await offer.session.hangup('agent ended the call');
  }

  /**
   * The agent's disposition of the call just ended: notes, an optional callback time, the lead's next
   * state and its retry or callback; then the agent's wrap-up ends and the next lead comes.
   */
  async dispose(
    agentId: string,
    input: { code: string; notes?: string; callbackAt?: number },
    by: string,
  ): Promise<{ attemptId: string; leadState: LeadState; dueAt?: number }> {
    const offer = this.offers.get(agentId);
    if (offer && offer.phase !== 'ended')
      throw new DialerError(
        offer.phase === 'connected' || offer.phase === 'dialing'
          ? 'CALL_IN_PROGRESS'
          : 'NOT_AWAITING_DISPOSITION',
        `agent ${agentId}: the call is not over yet (${offer.phase})`,
      );
    const attempt = offer
      ? this.deps.store.attempts.get(offer.attemptId)
      : this.deps.store.attempts.awaitingDisposition(agentId);
    if (attempt?.state !== 'ended')
      throw new DialerError(
        'NOT_AWAITING_DISPOSITION',
        `agent ${agentId} has no call awaiting a disposition`,
      );
    const campaign = this.deps.campaigns.get(attempt.campaignId);
    const disposition = campaign?.settings.dispositions.find((d) => d.code === input.code);
    if (!campaign || !disposition)
      throw new DialerError(
        'UNKNOWN_DISPOSITION',
        `unknown disposition ${input.code}; the campaign has ${(campaign?.settings.dispositions ?? []).map((d) => d.code).join(', ')}`,
      );
    const now = this.deps.now();
    const lead = this.deps.store.leads.get(attempt.leadId);
    const after = afterAttempt(
      campaign.settings,
      { disposition, callbackAt: input.callbackAt },
      lead?.attempts ?? attempt.attemptNo,
      now,
    );
    if (lead) {
      if (after.doNotCall) {
        this.deps.store.dnc.addMany(
          [{ scope: campaign.id, phone: lead.phone, reason: `disposition ${disposition.code}`, by }],
          now,
        );
      }
      this.moveLead(lead, 'in-progress', after.state, `dispose ${disposition.code}`, {
        dueAt: after.dueAt,
        disposition: disposition.code,
        // A callback the agent promised comes back to the same agent.
        ...(after.state === 'callback' ? { agentId } : {}),
      });
      if (after.dueAt !== undefined) this.scheduleDue(lead.id, after.dueAt);
    }
    this.deps.store.attempts.update(attempt.id, {
      state: 'disposed',
      disposition: disposition.code,
      notes: input.notes ?? null,
      callbackAt: input.callbackAt ?? null,
      disposedAt: now,
    });
    if (attempt.callId) this.deps.store.recordings.setDisposition(attempt.callId, disposition.code);
    this.deps.bus.publish('dialer', 'disposed', {
      agentId,
      attemptId: attempt.id,
      campaignId: campaign.id,
      disposition: disposition.code,
      leadState: after.state,
    });
    if (offer) this.forget(offer);
    // The disposition ends after-call work: the agent is ready and gets the next lead at once.
    const agent = this.deps.agents.get(agentId);
    if (agent?.state === 'wrap-up' && agent.callId === attempt.id) {
      this.deps.agents.apply(agentId, { type: 'wrap-up-done' }, by);
    } else if (agent?.state === 'ready') {
      void this.offerNext(agentId);
    }
    return { attemptId: attempt.id, leadState: after.state, ...(after.dueAt ? { dueAt: after.dueAt } : {}) };
  }

  /** The agent marks the lead's number do-not-call (in preview, or the call just ended). */
  markDoNotCall(agentId: string, reason: string, by: string): { numberMasked: string } {
    const offer = this.offers.get(agentId);
    const attempt = offer
      ? this.deps.store.attempts.get(offer.attemptId)
      : this.deps.store.attempts.awaitingDisposition(agentId);
    const lead = attempt && this.deps.store.leads.get(attempt.leadId);
    if (!attempt || !lead) throw new DialerError('NO_PREVIEW', `agent ${agentId} has no lead to mark`);
    const now = this.deps.now();
    this.deps.store.dnc.addMany([{ scope: attempt.campaignId, phone: lead.phone, reason, by }], now);
    if (offer?.phase === 'preview' || offer?.phase === 'waiting-channel') {
      this.withdraw(offer, 'marked do-not-call', { toState: 'dnc' });
    } else if (offer?.phase === 'dialing') {
      this.cancel(offer, 'marked do-not-call while ringing');
    }
    // A call in progress or ended keeps its lead until the disposition, which then finds it on the list.
    this.deps.store.leads.markDnc(lead.phone, attempt.campaignId, now);
    return { numberMasked: maskNumber(lead.phone) };
  }

  // --- offering leads ---------------------------------------------------------------------------------

  private async offerNext(agentId: string): Promise<void> {
    if (!this.running || this.offering.has(agentId)) return;
    const agent = this.deps.agents.get(agentId);
    if (agent?.state !== 'ready') return;
    // Wrap-up ran out without a disposition: the attempt is settled first, so nothing stays in progress.
    const held = this.offers.get(agentId);
    if (held) {
      if (held.phase !== 'ended') return;
      this.settleUndisposed(held.attemptId, agentId);
    } else {
      const undisposed = this.deps.store.attempts.awaitingDisposition(agentId);
      if (undisposed?.state === 'ended') this.settleUndisposed(undisposed.id, agentId);
    }
    if (agent.lineMode !== 'persistent' || !agent.lineUp) return;
    if (agent.inboundRole !== 'none' && this.deps.hotlineWaiting() > 0) return; // the hotline first
    this.offering.add(agentId);
    try {
      const now = this.deps.now();
      for (const campaign of campaignsFor(agent, this.deps.campaigns.list(), new Date(now))) {
        if (this.capped(campaign, agentId, now)) continue;
        const lead = this.deps.store.leads.claimNext(campaign.id, agent.id, agent.teamId, now, (l) =>
          this.dialable(l, campaign),
        );
        if (!lead) continue;
        if (this.offerLead(agent, campaign, lead, now)) return;
      }
    } catch (err) {
      this.log.error({ err, agentId }, 'could not offer a lead');
    } finally {
      this.offering.delete(agentId);
    }
  }

  /** An answered call the agent never gave a disposition for: retried later (attempts allowing). */
  private settleUndisposed(attemptId: string, agentId: string): void {
    const offer = this.byAttempt.get(attemptId);
    if (offer) {
      offer.phase = 'done';
      this.forget(offer);
    }
    const attempt = this.deps.store.attempts.get(attemptId);
    if (attempt?.state !== 'ended') return;
    const lead = this.deps.store.leads.get(attempt.leadId);
    const campaign = this.deps.campaigns.get(attempt.campaignId);
    const now = this.deps.now();
    if (lead && campaign) {
      const after = afterAttempt(campaign.settings, { noDisposition: true }, lead.attempts, now);
      this.moveLead(lead, 'in-progress', after.state, 'no disposition', { dueAt: after.dueAt });
      if (after.dueAt !== undefined) this.scheduleDue(lead.id, after.dueAt);
    }
    this.deps.store.attempts.update(attemptId, {
      state: 'disposed',
      skipReason: 'no disposition',
      disposedAt: now,
    });
    this.log.warn({ agentId, attemptId }, 'wrap-up ended without a disposition: lead scheduled for retry');
  }

  /** Checked while picking: a number on do-not-call is never offered (and the lead is closed). */
  private dialable(lead: LeadRecord, campaign: Campaign): boolean {
    if (!this.deps.store.dnc.blocked(lead.phone, campaign.id)) return true;
    this.moveLead(lead, lead.state, 'dnc', 'found on do-not-call');
    return false;
  }

  private capped(campaign: Campaign, agentId: string, now: number): boolean {
    const { pacing } = campaign.settings;
    const { attempts } = this.deps.store;
    if (attempts.countDialed(campaign.id, now - 24 * 3600_000) >= pacing.dailyCap) return true;
    return attempts.countDialedByAgent(agentId, campaign.id, now - 3600_000) >= pacing.maxPerAgentHour;
  }

  private offerLead(agent: AgentView, campaign: Campaign, lead: LeadRecord, now: number): boolean {
    const { store, agents } = this.deps;
    const attemptId = randomUUID();
    const opened = store.attempts.open({
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
      this.moveLead(lead, 'reserved', lead.state, 'number busy elsewhere', {
        dueAt: now + 60_000,
        reservedBy: agent.id,
      });
      return false;
    }
    if (!agents.reserve(agent.id, attemptId, 'dialer')) {
      store.attempts.update(attemptId, {
        state: 'skipped',
        skipReason: 'agent no longer ready',
        releasePhone: true,
      });
      this.moveLead(lead, 'reserved', lead.state, 'agent no longer ready', {
        dueAt: lead.dueAt,
        reservedBy: agent.id,
      });
      return true; // the agent is busy elsewhere: stop looking for them
    }
    const log = this.log.child({ agentId: agent.id, campaignId: campaign.id, attemptId, leadId: lead.id });
    const offer: Offer = {
      attemptId,
      agentId: agent.id,
      teamId: agent.teamId,
      campaignId: campaign.id,
      lead: { ...lead, reservedAt: now },
      phase: 'preview',
      abort: new AbortController(),
      holdsSlot: false,
      log,
    };
    this.offers.set(agent.id, offer);
    this.byAttempt.set(attemptId, offer);
    const { previewSec, onPreviewTimeout } = campaign.settings.pacing;
    offer.previewTimer = setTimeout(() => {
      if (offer.phase !== 'preview') return;
      log.info({ action: onPreviewTimeout }, 'preview timer ran out');
      if (onPreviewTimeout === 'dial') this.startDial(offer);
      else this.withdraw(offer, 'skipped: preview timed out', { toPool: false, delayMs: 60_000 });
    }, previewSec * 1000);
    offer.previewTimer.unref();
    log.info({ from: lead.state, number: maskNumber(lead.phone) }, 'lead offered for preview');
    this.deps.bus.publish('dialer', 'preview', {
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
   * Ends an offer that did not become a call: the lead goes back where it was (or to `toState`), the
   * attempt is closed as skipped, the agent is free for the next lead.
   */
  private withdraw(
    offer: Offer,
    reason: string,
    options: { toPool?: boolean; delayMs?: number; toState?: LeadState } = {},
  ): void {
    if (offer.phase !== 'preview' && offer.phase !== 'waiting-channel') return;
    offer.phase = 'done';
    offer.endReason = reason;
    offer.abort.abort();
    this.releaseSlot(offer);
    const now = this.deps.now();
    const back = options.toState ?? offer.lead.state;
    const dueAt =
      back === 'new' || back === 'retry' || back === 'callback'
        ? Math.max(offer.lead.dueAt, now + (options.delayMs ?? 0))
        : undefined;
    this.moveLead(offer.lead, 'reserved', back, reason, {
      dueAt,
      reservedBy: offer.agentId,
      ...(options.toPool && offer.lead.agentId === offer.agentId ? { agentId: null } : {}),
    });
    this.deps.store.attempts.update(offer.attemptId, {
      state: 'skipped',
      skipReason: reason.slice(0, 200),
      endedAt: now,
      releasePhone: true,
    });
    this.forget(offer);
    this.deps.bus.publish('dialer', 'withdrawn', {
      agentId: offer.agentId,
      attemptId: offer.attemptId,
      reason,
    });
    offer.log.info({ reason, back }, 'offer withdrawn');
    this.deps.agents.released(offer.agentId, 'dialer');
  }

  /** The service hangs up a customer call that is ringing or connected (outcome: cancelled). */
  private cancel(offer: Offer, reason: string): void {
    offer.cancelReason ??= reason;
    void offer.session?.hangup(reason);
  }

  private forget(offer: Offer): void {
    clearTimeout(offer.previewTimer);
    if (this.offers.get(offer.agentId) === offer) this.offers.delete(offer.agentId);
    this.byAttempt.delete(offer.attemptId);
  }

  // --- dialing ----------------------------------------------------------------------------------------

  /** Starts a dial; whatever goes wrong in it settles the offer instead of leaving it half done. */
  private startDial(offer: Offer): void {
    this.dial(offer).catch((err: unknown) => {
      offer.log.error({ err }, 'dial failed');
      if (offer.phase === 'preview' || offer.phase === 'waiting-channel')
        this.withdraw(offer, 'not dialed: error');
      else if (offer.phase === 'dialing' && !offer.session) this.notReached(offer, 'failed');
    });
  }

  /** Why the lead may not be dialed now (checked when accepted and again once a channel is taken). */
  private refusal(offer: Offer): { reason: string; toState?: LeadState } | undefined {
    const campaign = this.deps.campaigns.get(offer.campaignId);
    if (!this.running) return { reason: 'service stopping' };
    if (campaign?.state !== 'active') return { reason: `campaign ${campaign?.state ?? 'gone'}` };
    if (!inCallingWindow(campaign.settings, new Date(this.deps.now())))
      return { reason: 'outside the calling window' };
    if (this.deps.store.dnc.blocked(offer.lead.phone, campaign.id))
      return { reason: 'number on do-not-call', toState: 'dnc' };
    const agent = this.deps.agents.get(offer.agentId);
    if (agent?.state !== 'reserved' || agent.callId !== offer.attemptId || !agent.lineUp)
      return { reason: 'agent no longer waiting' };
    return undefined;
  }

  private async dial(offer: Offer): Promise<void> {
    if (offer.phase !== 'preview') return;
    clearTimeout(offer.previewTimer);
    const acceptedAt = performance.now();
    const first = this.refusal(offer);
    if (first) {
      this.withdraw(offer, `not dialed: ${first.reason}`, first.toState ? { toState: first.toState } : {});
      return;
    }
    offer.phase = 'waiting-channel';
    try {
      await this.slots.acquire(offer.campaignId, offer.abort.signal);
    } catch (err) {
      if (!(err instanceof SlotWaitAborted)) offer.log.error({ err }, 'channel limiter failed');
      this.withdraw(offer, 'not dialed: withdrawn while waiting for a channel');
      return;
    }
    offer.holdsSlot = true;
    if (offer.phase !== 'waiting-channel') {
      this.releaseSlot(offer); // withdrawn while the channel was being taken
      return;
    }
    // The wait may have been long: everything is checked again before the customer's phone rings.
    const again = this.refusal(offer);
    const campaign = this.deps.campaigns.get(offer.campaignId);
    if (again || !campaign) {
      const reason = again?.reason ?? 'campaign gone';
      this.withdraw(offer, `not dialed: ${reason}`, again?.toState ? { toState: again.toState } : {});
      return;
    }
    offer.phase = 'dialing';
    this.deps.metrics.dialerActiveCalls.set(this.slots.active());
    const { store } = this.deps;
    const dialedAt = this.deps.now();
    const callId = randomUUID();
    // Lead and attempt change together: a crash leaves both before or both after.
    store.db.transaction(() => {
      this.moveLead(offer.lead, 'reserved', 'in-progress', 'dial', {
        addAttempt: true,
        reservedBy: offer.agentId,
      });
      store.attempts.update(offer.attemptId, { state: 'dialing', dialedAt, callId });
    })();
    const channelId = this.customerChannelId(offer.attemptId);
    this.deps.bus.publish('dialer', 'dialing', { agentId: offer.agentId, attemptId: offer.attemptId });
    let session: CallSession;
    try {
      session = await this.deps.ari.originateSession(
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
          void this.playTone(offer, 'tone:ring');
        },
      );
    } catch (err) {
      offer.log.warn({ err: (err as Error).message }, 'the PBX refused the customer call');
      this.notReached(offer, 'failed');
      return;
    }
    this.deps.metrics.dialerNextCall.observe((performance.now() - acceptedAt) / 1000);
    this.deps.onDialing?.(offer.agentId, offer.attemptId);
    this.settleWhenEnded(offer, session);
  }

  private settleWhenEnded(offer: Offer, session: CallSession): void {
    void session.done.then(() => {
      try {
        this.callEnded(offer, session);
      } catch (err) {
        offer.log.error({ err }, 'could not settle the ended customer call');
      }
    });
  }

  /** The customer answered: into the agent's bridge, and recording starts. */
  private async answered(offer: Offer, session: CallSession): Promise<void> {
    void this.stopTone(offer); // alongside the join: the customer is not kept waiting for it
    const bridgeId = this.deps.agents.bridgeOf(offer.agentId);
    const agent = this.deps.agents.get(offer.agentId);
    if (
      !bridgeId ||
      agent?.state !== 'reserved' ||
      agent.callId !== offer.attemptId ||
      offer.phase !== 'dialing'
    ) {
      // Nobody to talk to: the one way a preview call is abandoned (counted, and it should stay 0).
      offer.cancelReason ??= 'agent gone at answer';
      offer.abandoned = true;
      session.log.warn('the agent is not on the line any more: customer call ended');
      return; // the handler returning hangs the customer up
    }
    try {
      await session.ari.addToBridge(bridgeId, [session.channelId]);
    } catch (err) {
      offer.abandoned = !session.isEnded;
      session.log.warn({ err: (err as Error).message }, 'could not join the customer to the agent');
      return;
    }
    offer.phase = 'connected';
    offer.answeredAt = this.deps.now();
    this.deps.store.attempts.update(offer.attemptId, { state: 'connected', answeredAt: offer.answeredAt });
    this.deps.agents.connected(offer.agentId, offer.attemptId, 'dialer');
    this.deps.metrics.dialOutcomes.inc({ campaign: offer.campaignId, outcome: 'answered' });
    session.log.info('customer answered: connected to the agent');
    this.deps.bus.publish('dialer', 'connected', { agentId: offer.agentId, attemptId: offer.attemptId });
    this.deps.onConnected(session, {
      direction: 'outbound',
      agentId: offer.agentId,
      teamId: offer.teamId,
      campaignId: offer.campaignId,
      leadId: offer.lead.id,
      numberMasked: maskNumber(offer.lead.phone),
    });
    await session.done;
  }

  /** The customer call is over: answered ones wait for the disposition, the rest are settled now. */
  private callEnded(offer: Offer, session: CallSession): void {
    this.releaseSlot(offer);
    if (offer.answeredAt === undefined) {
      // Answered but gone before it reached the agent (Dial status ANSWER) comes out 'failed': not a contact.
      const outcome = offer.cancelReason
        ? 'cancelled'
        : dialOutcome(offer.dialStatus, session.channelGoneCause);
      this.notReached(offer, outcome);
      // The one way a preview call can be abandoned: kept visible in the stats.
      if (offer.abandoned) this.deps.store.attempts.update(offer.attemptId, { skipReason: 'abandoned' });
      return;
    }
    const now = this.deps.now();
    offer.phase = 'ended';
    this.deps.store.attempts.update(offer.attemptId, {
      state: 'ended',
      outcome: 'answered',
      endedAt: now,
      releasePhone: true,
    });
    this.deps.agents.callEnded(offer.agentId, offer.attemptId, 'dialer');
    offer.log.info({ talkMs: now - offer.answeredAt }, 'customer call ended: waiting for the disposition');
    this.deps.bus.publish('dialer', 'call-ended', {
      agentId: offer.agentId,
      attemptId: offer.attemptId,
      talkMs: now - offer.answeredAt,
    });
  }

  /** Nobody was reached: the lead's retry follows the outcome, and the agent gets the next lead. */
  private notReached(offer: Offer, outcome: Exclude<DialOutcomeName, 'answered'>): void {
    if (offer.phase === 'done') return;
    this.releaseSlot(offer);
    offer.phase = 'done';
    const now = this.deps.now();
    const campaign = this.deps.campaigns.get(offer.campaignId);
    const attempts = offer.lead.attempts + 1;
    const after = campaign
      ? afterAttempt(campaign.settings, { outcome }, attempts, now)
      : { state: 'failed' as const, dueAt: undefined };
    this.moveLead(offer.lead, 'in-progress', after.state, outcome, { dueAt: after.dueAt, outcome });
    if (after.dueAt !== undefined) this.scheduleDue(offer.lead.id, after.dueAt);
    this.deps.store.attempts.update(offer.attemptId, {
      state: 'ended',
      outcome,
      endedAt: now,
      releasePhone: true,
    });
    this.deps.metrics.dialOutcomes.inc({ campaign: offer.campaignId, outcome });
    offer.log.info({ outcome, next: after.state }, 'customer not reached');
    this.deps.bus.publish('dialer', 'not-reached', {
      agentId: offer.agentId,
      attemptId: offer.attemptId,
      outcome,
    });
    this.forget(offer);
    this.deps.agents.released(offer.agentId, 'dialer');
  }

  private releaseSlot(offer: Offer): void {
    if (!offer.holdsSlot) return;
    offer.holdsSlot = false;
    this.slots.release(offer.campaignId);
    this.deps.metrics.dialerActiveCalls.set(this.slots.active());
  }

  /** What the agent hears while the customer's phone rings. */
  private async playTone(offer: Offer, tone: string): Promise<void> {
    // Played to the agent's line channel itself (it stays in its bridge): cheaper for Asterisk than a
    // bridge playback, which adds an announcer channel per ringing call.
    const lineId = this.deps.agents.lineOf(offer.agentId);
    if (!lineId) return;
    const id = `${this.deps.ari.appName}-tone-${randomUUID()}`;
    offer.tone = id;
    // Owned by the customer call: its teardown stops the tone whatever ends the call.
    offer.session?.own('playback', id, { stopAtEnd: true });
    try {
      await this.deps.ari.rest.playOnChannel(lineId, [tone], id);
      // The call may have been answered or ended while the tone was being started (its teardown may have
      // tried to stop the tone before it existed): stop it then.
      if (offer.tone !== id || offer.phase !== 'dialing' || offer.session?.isEnded) {
        await this.deps.ari.rest.stopPlayback(id).catch(() => {});
        return;
      }
      this.deps.bus.publish('dialer', 'progress-tone', {
        agentId: offer.agentId,
        attemptId: offer.attemptId,
        playbackId: id,
        tone,
      });
    } catch (err) {
      if (offer.tone === id) offer.tone = undefined;
      offer.log.warn({ err: (err as Error).message }, 'could not play the progress tone to the agent');
    }
  }

  /** Stops the tone at answer (the call's teardown stops it in every other case). */
  private async stopTone(offer: Offer): Promise<void> {
    const id = offer.tone;
    if (!id) return;
    offer.tone = undefined;
    offer.session?.disown('playback', id);
    await this.deps.ari.rest.stopPlayback(id).catch(() => {});
  }

  // --- events from agents and campaigns ---------------------------------------------------------------

  private lineDropped(agent: AgentView): void {
    const offer = this.offers.get(agent.id);
    if (!offer) return;
    if (offer.phase === 'preview' || offer.phase === 'waiting-channel')
      this.withdraw(offer, 'agent line dropped');
    else if (offer.phase === 'dialing' || offer.phase === 'connected')
      this.cancel(offer, 'agent line dropped');
  }

  private yieldToHotline(): void {
    if (this.deps.hotlineWaiting() === 0) return;
    for (const offer of [...this.offers.values()]) {
      if (offer.phase !== 'preview') continue;
      if (this.deps.agents.get(offer.agentId)?.inboundRole === 'none') continue;
      this.withdraw(offer, 'hotline caller waiting');
    }
  }

  /** A pause or finish withdraws the campaign's previews at once; a resume or re-pace wakes agents. */
  private campaignChanged(campaign: Campaign): void {
    if (campaign.state !== 'active') {
      for (const offer of [...this.offers.values()]) {
        if (offer.campaignId === campaign.id) this.withdraw(offer, `campaign ${campaign.state}`);
      }
    }
    this.wake();
  }

  // --- leads -----------------------------------------------------------------------------------------

  /**
   * The one way a lead changes state: checked against the table, applied only if the lead is still
   * in `from` (compare and set), logged `from -event-> to`.
   */
  private moveLead(
    lead: LeadRecord,
    from: LeadState,
    to: LeadState,
    event: string,
    extra: LeadMoveDetails = {},
  ): boolean {
    if (!leadMoveAllowed(from, to)) {
      this.log.error({ leadId: lead.id, from, to, event }, 'refused lead move');
      return false;
    }
    const moved = this.deps.store.leads.setState(lead.id, from, { state: to, ...extra }, this.deps.now());
    if (!moved) {
      this.log.error(
        { leadId: lead.id, from, to, event },
        'lead was no longer in the expected state: not moved',
      );
      return false;
    }
    this.log.debug({ leadId: lead.id, from, event, to }, `lead ${from} -${event}-> ${to}`);
    return true;
  }

  private scheduleDue(leadId: string, dueAt: number): void {
    const delay = Math.max(0, dueAt - this.deps.now());
    this.dueQueue
      ?.add(
        'due',
        { leadId },
        { delay, jobId: `due-${leadId}-${dueAt}`, removeOnComplete: true, removeOnFail: 100 },
      )
      .catch((err: unknown) => this.log.warn({ err, leadId }, 'could not schedule the lead due job'));
  }

  private dialString(phone: string): string {
    return this.deps.config.dialString
      .replaceAll('{e164}', phone)
      .replaceAll('{digits}', phone.replace(/^\+/, ''));
  }

  private customerChannelId(attemptId: string): string {
    return `${this.deps.ari.appName}-dial-${attemptId}`;
  }

  /** Where a lead whose preview ended without a call goes back to (restart recovery). */
  private previousState(lead: LeadRecord): LeadState {
    const promised = this.deps.store.attempts
      .forLead(lead.id)
      .some((a) => a.callbackAt !== null && a.state === 'disposed');
    return promised && lead.attempts > 0 ? 'callback' : stateBeforeReserve(lead);
  }

  // --- restart ---------------------------------------------------------------------------------------

  /**
   * After a restart (or a reconnect): every attempt that held a number is settled from what the PBX has.
   * A preview goes back (the agent gets it or another again); a call still ringing is cancelled and the
   * lead retried later; a connected call is re-attached; a call that ended meanwhile awaits its
   * disposition. Leads and agents left holding something no live attempt explains are put right. Nothing
   * is dialed again by the recovery itself.
   */
  private async recover(pbx: PbxSnapshot): Promise<void> {
    for (const attempt of this.deps.store.attempts.listLive()) {
      if (this.byAttempt.has(attempt.id)) continue;
      try {
        await this.recoverAttempt(attempt, pbx);
      } catch (err) {
        this.log.error({ err, attemptId: attempt.id }, 'could not recover a dial attempt');
      }
    }
    this.reconcileHeld();
    // Counted from what is live right now (no await in between), so no call is counted twice or lost.
    const live = [...this.byAttempt.values()].filter((o) => o.holdsSlot).map((o) => o.campaignId);
    await this.slots
      .reset(live)
      .catch((err: unknown) => this.log.error({ err }, 'could not reset channel counts'));
  }

  /** Leads reserved or in progress, and agents reserved or on a call, with no live attempt behind them. */
  private reconcileHeld(): void {
    const { store, agents } = this.deps;
    const liveLeads = new Set([...this.byAttempt.values()].map((o) => o.lead.id));
    for (const attempt of store.attempts.listLive()) liveLeads.add(attempt.leadId);
    for (const lead of store.leads.listHeld()) {
      if (liveLeads.has(lead.id)) continue;
      // An ended call waiting for its disposition keeps its lead in progress.
      const waiting = store.attempts
        .forLead(lead.id)
        .some((a) => a.state === 'ended' && a.answeredAt !== null);
      if (lead.state === 'in-progress' && waiting) continue;
      if (lead.state === 'reserved') this.moveLead(lead, 'reserved', this.previousState(lead), 'restart');
      else this.moveLead(lead, 'in-progress', 'retry', 'restart', { dueAt: this.deps.now() + 15 * 60_000 });
    }
    for (const agent of agents.list()) {
      if (!agent.callId || this.byAttempt.has(agent.callId)) continue;
      const attempt = store.attempts.get(agent.callId);
      if (!attempt) continue; // a hotline call, not the dialer's
      if (agent.state === 'reserved') agents.released(agent.id, 'dialer (restart)');
      else if (agent.state === 'on-call') agents.callEnded(agent.id, agent.callId, 'dialer (restart)');
    }
  }

  private async recoverAttempt(attempt: AttemptRecord, pbx: PbxSnapshot): Promise<void> {
    const { store, agents } = this.deps;
    const lead = store.leads.get(attempt.leadId);
    const now = this.deps.now();
    const agent = agents.get(attempt.agentId);
    const channelId = this.customerChannelId(attempt.id);
    const log = this.log.child({
      agentId: attempt.agentId,
      campaignId: attempt.campaignId,
      attemptId: attempt.id,
    });
    if (attempt.state === 'previewing') {
      store.attempts.update(attempt.id, {
        state: 'skipped',
        skipReason: 'restart',
        endedAt: now,
        releasePhone: true,
      });
      if (lead?.state === 'reserved') this.moveLead(lead, 'reserved', this.previousState(lead), 'restart');
      if (agent?.state === 'reserved' && agent.callId === attempt.id)
        agents.released(attempt.agentId, 'dialer (restart)');
      log.info('preview put back after restart');
      return;
    }
    const channel = pbx.channels.get(channelId);
    const bridgeId = agents.bridgeOf(attempt.agentId);
    if (attempt.state === 'connected' && channel && pbx.inApp.has(channelId) && lead && bridgeId) {
      const session = this.deps.ari.openSession(channel, 'outbound', attempt.callId ?? undefined);
      const offer: Offer = {
        attemptId: attempt.id,
        agentId: attempt.agentId,
        teamId: attempt.teamId,
        campaignId: attempt.campaignId,
        lead,
        phase: 'connected',
        abort: new AbortController(),
        holdsSlot: true,
        session,
        answeredAt: attempt.answeredAt ?? now,
        log,
      };
      this.offers.set(attempt.agentId, offer);
      this.byAttempt.set(attempt.id, offer);
      this.deps.ari.runSession(session, { direction: 'outbound', handler: async (s) => s.done }, undefined);
      this.settleWhenEnded(offer, session);
      // The old recording ended with the restart (finalized on its own); record the rest of the call.
      this.deps.onConnected(session, {
        direction: 'outbound',
        agentId: attempt.agentId,
        teamId: attempt.teamId,
        campaignId: attempt.campaignId,
        leadId: attempt.leadId,
        numberMasked: attempt.numberMasked,
      });
      log.info('connected customer call re-attached after restart');
      return;
    }
    // Ringing, or connected to an agent whose line is gone: hung up.
    if (channel) await this.deps.ari.rest.hangup(channelId).catch(() => {});
    if (attempt.state === 'connected' || attempt.answeredAt) {
      // It was answered: the agent still owes the disposition.
      store.attempts.update(attempt.id, {
        state: 'ended',
        outcome: 'answered',
        endedAt: now,
        releasePhone: true,
      });
      if (agent?.state === 'on-call' && agent.callId === attempt.id)
        agents.callEnded(attempt.agentId, attempt.id, 'dialer (restart)');
      log.info('customer call ended while the service was down: awaiting disposition');
      return;
    }
    store.attempts.update(attempt.id, {
      state: 'ended',
      outcome: 'cancelled',
      endedAt: now,
      releasePhone: true,
    });
    if (lead?.state === 'in-progress') {
      // Not dialed again at once: the customer's phone may just have rung.
      this.moveLead(lead, 'in-progress', 'retry', 'cancelled by restart', {
        dueAt: now + 15 * 60_000,
        outcome: 'cancelled',
      });
      this.scheduleDue(lead.id, now + 15 * 60_000);
    } else if (lead?.state === 'reserved') {
      this.moveLead(lead, 'reserved', this.previousState(lead), 'restart');
    }
    if (agent?.state === 'reserved' && agent.callId === attempt.id)
      agents.released(attempt.agentId, 'dialer (restart)');
    log.info({ wasRinging: channel !== undefined }, 'customer call in progress at restart: cancelled');
  }
}
