import type { PbxSnapshot } from '../ari/app.js';
import { bestEffort } from '../lib/best-effort.js';
import type { AttemptRecord } from '../store/index.js';
import type { DialerContext } from './context.js';
import { type CustomerCall, customerChannelId } from './customer-call.js';
import type { Offer } from './offers.js';

/** A call cut off by a restart is not dialed again at once: the customer's phone may just have rung. */
const RETRY_AFTER_RESTART_MS = 15 * 60_000;

/**
 * Restart recovery (after a restart or a reconnect): every attempt that held a number is settled from
 * what the PBX has. A preview goes back (the agent gets it or another again); a call still ringing is
 * cancelled and the lead retried later; a connected call is re-attached; a call that ended meanwhile
 * awaits its disposition. Leads and agents left holding something no live attempt explains are put
 * right. Nothing is dialed again by the recovery itself.
 */
export class DialerRecovery {
  constructor(
    private readonly ctx: DialerContext,
    private readonly call: CustomerCall,
  ) {}

  async recover(pbx: PbxSnapshot): Promise<void> {
    const { deps, offers, log } = this.ctx;
    for (const attempt of deps.store.attempts.listLive()) {
      if (offers.ofAttempt(attempt.id)) continue;
      try {
        await this.recoverAttempt(attempt, pbx);
      } catch (err) {
        log.error({ err, attemptId: attempt.id }, 'could not recover a dial attempt');
      }
    }
    this.reconcileHeld();
    // Counted from what is live right now (no await in between), so no call is counted twice or lost.
    const live = offers
      .all()
      .filter((o) => o.holdsSlot)
      .map((o) => o.campaignId);
    await this.ctx.slots
      .reset(live)
      .catch((err: unknown) => log.error({ err }, 'could not reset channel counts'));
  }

  /** Leads reserved or in progress, and agents reserved or on a call, with no live attempt behind them. */
  private reconcileHeld(): void {
    const { deps, offers, leads } = this.ctx;
    const { store, agents } = deps;
    const liveLeads = new Set(offers.all().map((o) => o.lead.id));
    for (const attempt of store.attempts.listLive()) liveLeads.add(attempt.leadId);
    for (const lead of store.leads.listHeld()) {
      if (liveLeads.has(lead.id)) continue;
      // An ended call waiting for its disposition keeps its lead in progress.
      const waiting = store.attempts
        .forLead(lead.id)
        .some((a) => a.state === 'ended' && a.answeredAt !== null);
      if (lead.state === 'in-progress' && waiting) continue;
      if (lead.state === 'reserved') leads.move(lead, 'reserved', leads.previousState(lead), 'restart');
      else
        leads.move(lead, 'in-progress', 'retry', 'restart', { dueAt: deps.now() + RETRY_AFTER_RESTART_MS });
    }
    for (const agent of agents.list()) {
      if (!agent.callId || offers.ofAttempt(agent.callId)) continue;
      const attempt = store.attempts.get(agent.callId);
      if (!attempt) continue; // a hotline call, not the dialer's
      if (agent.state === 'reserved') agents.released(agent.id, 'dialer (restart)');
      else if (agent.state === 'on-call') agents.callEnded(agent.id, agent.callId, 'dialer (restart)');
    }
  }

  private async recoverAttempt(attempt: AttemptRecord, pbx: PbxSnapshot): Promise<void> {
    const { deps, leads } = this.ctx;
    const { store, agents } = deps;
    const lead = store.leads.get(attempt.leadId);
    const now = deps.now();
    const agent = agents.get(attempt.agentId);
    const channelId = customerChannelId(deps.ari.appName, attempt.id);
    const log = this.ctx.log.child({
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
      if (lead?.state === 'reserved') leads.move(lead, 'reserved', leads.previousState(lead), 'restart');
      if (agent?.state === 'reserved' && agent.callId === attempt.id)
        agents.released(attempt.agentId, 'dialer (restart)');
      log.info('preview put back after restart');
      return;
    }
    const channel = pbx.channels.get(channelId);
    const bridgeId = agents.bridgeOf(attempt.agentId);
    if (attempt.state === 'connected' && channel && pbx.inApp.has(channelId) && lead && bridgeId) {
      const session = deps.ari.openSession(channel, 'outbound', attempt.callId ?? undefined);
      // Created in the state it was left in (no move: nothing happened to it, the service came back).
      const offer: Offer = {
        attemptId: attempt.id,
        agentId: attempt.agentId,
        teamId: attempt.teamId,
        campaignId: attempt.campaignId,
        lead,
        state: 'connected',
        abort: new AbortController(),
        holdsSlot: true,
        session,
        answeredAt: attempt.answeredAt ?? now,
        log,
      };
      this.ctx.offers.add(offer);
      deps.ari.runSession(session, { direction: 'outbound', handler: async (s) => s.done }, undefined);
      this.call.followUntilEnded(offer, session);
      // The old recording ended with the restart (finalized on its own); record the rest of the call.
      deps.onConnected(session, {
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
    if (channel) await bestEffort(deps.ari.rest.hangup(channelId), log, 'hang up the customer call');
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
      leads.move(lead, 'in-progress', 'retry', 'cancelled by restart', {
        dueAt: now + RETRY_AFTER_RESTART_MS,
        outcome: 'cancelled',
      });
      leads.scheduleDue(lead.id, now + RETRY_AFTER_RESTART_MS);
    } else if (lead?.state === 'reserved') {
      leads.move(lead, 'reserved', leads.previousState(lead), 'restart');
    }
    if (agent?.state === 'reserved' && agent.callId === attempt.id)
      agents.released(attempt.agentId, 'dialer (restart)');
    log.info({ wasRinging: channel !== undefined }, 'customer call in progress at restart: cancelled');
  }
}
