import type { LeadState } from '../store/index.js';
import type { Disposition } from './campaign.js';
import type { DialerContext } from './context.js';
import { DialerError } from './errors.js';
import { hasCustomerCall } from './offer-state.js';
import { mayMove, moveOffer } from './offers.js';
import { afterAttempt } from './policy.js';

/** A sale the agent made on the call: its amount (at most 2 decimals) and what was sold. */
export interface Sale {
  amount: number;
  product: string;
}

/** What the agent gives after the call. */
export interface DispositionInput {
  code: string;
  notes?: string;
  /** A callback promised for this time (epoch ms). */
  callbackAt?: number;
  /** Required with a disposition that records a sale, refused with any other. */
  sale?: Sale;
  /** The attempt the agent's screen shows: another one awaiting (or none) is STALE_ATTEMPT. */
  attemptId?: string;
}

/**
 * The sale the disposition records, as stored (the amount in exact cents), or null for a disposition
 * that records none: a sale disposition without a sale is refused (SALE_REQUIRED), and so is a sale
 * given with any other disposition (SALE_NOT_ALLOWED). Pure.
 */
export function saleOf(
  disposition: Pick<Disposition, 'code' | 'sale'>,
  sale: Sale | undefined,
): { amountCents: number; product: string } | null {
  if (disposition.sale && !sale)
    throw new DialerError(
      'SALE_REQUIRED',
      `disposition ${disposition.code} records a sale: give sale {amount, product}`,
    );
  if (!disposition.sale && sale)
    throw new DialerError('SALE_NOT_ALLOWED', `disposition ${disposition.code} records no sale`);
  return sale ? { amountCents: Math.round(sale.amount * 100), product: sale.product } : null;
}

/**
 * After an answered call: the agent's disposition settles the lead (its retry, callback or close) and the
 * attempt. A wrap-up that runs out without one keeps the agent in wrap-up or applies the campaign's
 * named disposition (DialerService decides, policy.ts wrapUpTimeoutAction); an agent who leaves wrap-up
 * without one has the call settled for a later retry.
 */
export class AfterCall {
  constructor(private readonly ctx: DialerContext) {}

  /** The agent's offer in memory and its attempt, or (after a restart) the attempt the store has waiting. */
  private awaited(agentId: string) {
    const { deps, offers } = this.ctx;
    const offer = offers.ofAgent(agentId);
    const attempt = offer
      ? deps.store.attempts.get(offer.attemptId)
      : deps.store.attempts.awaitingDisposition(agentId);
    return { offer, attempt };
  }

  /** The call that ended and still waits for the agent's disposition, if any. */
  owedBy(agentId: string): { attemptId: string; campaignId: string } | undefined {
    const { attempt } = this.awaited(agentId);
    return attempt?.state === 'ended' ? { attemptId: attempt.id, campaignId: attempt.campaignId } : undefined;
  }

  /**
   * The agent's disposition of the call just ended: notes, an optional callback time, the sale (with a
   * sale disposition), the lead's next state and its retry or callback. Works on the offer in memory, or
   * (after a restart) on the attempt the store has waiting for it. `appliedBecause` marks a disposition
   * the service gave, not the agent (kept on the attempt).
   */
  dispose(
    agentId: string,
    input: DispositionInput,
    by: string,
    appliedBecause?: string,
  ): { attemptId: string; leadState: LeadState; dueAt?: number } {
    const { deps, offers, leads } = this.ctx;
    const { offer, attempt } = this.awaited(agentId);
    // Checked first: a click on a call the screen still showed must not dispose the one after it.
    if (input.attemptId !== undefined && (offer?.attemptId ?? attempt?.id) !== input.attemptId)
      throw new DialerError('STALE_ATTEMPT', `attempt ${input.attemptId} is not the agent's call to dispose`);
    if (offer && !mayMove(offer, 'dispose'))
      throw new DialerError(
        hasCustomerCall(offer.state) ? 'CALL_IN_PROGRESS' : 'NOT_AWAITING_DISPOSITION',
        `agent ${agentId}: the call is not over yet (${offer.state})`,
      );
    if (attempt?.state !== 'ended')
      throw new DialerError(
        'NOT_AWAITING_DISPOSITION',
        `agent ${agentId} has no call awaiting a disposition`,
      );
    const campaign = deps.campaigns.get(attempt.campaignId);
    const disposition = campaign?.settings.dispositions.find((d) => d.code === input.code);
    if (!campaign || !disposition)
      throw new DialerError(
        'UNKNOWN_DISPOSITION',
        `unknown disposition ${input.code}; the campaign has ${(campaign?.settings.dispositions ?? []).map((d) => d.code).join(', ')}`,
      );
    const sale = saleOf(disposition, input.sale);
    const now = deps.now();
    const lead = deps.store.leads.get(attempt.leadId);
    const after = afterAttempt(
      campaign.settings,
      { disposition, callbackAt: input.callbackAt },
      lead?.attempts ?? attempt.attemptNo,
      now,
    );
    if (lead) {
      if (after.doNotCall) {
        deps.store.dnc.addMany(
          [{ scope: campaign.id, phone: lead.phone, reason: `disposition ${disposition.code}`, by }],
          now,
        );
      }
      leads.move(lead, 'in-progress', after.state, `dispose ${disposition.code}`, {
        dueAt: after.dueAt,
        disposition: disposition.code,
        // A callback the agent promised comes back to the same agent.
        ...(after.state === 'callback' ? { agentId } : {}),
      });
      if (after.dueAt !== undefined) leads.scheduleDue(lead.id, after.dueAt);
    }
    deps.store.attempts.update(attempt.id, {
      state: 'disposed',
      disposition: disposition.code,
      notes: input.notes ?? null,
      callbackAt: input.callbackAt ?? null,
      saleAmountCents: sale?.amountCents ?? null,
      saleProduct: sale?.product ?? null,
      disposedAt: now,
      ...(appliedBecause ? { skipReason: appliedBecause } : {}),
    });
    if (attempt.callId) deps.store.recordings.setDisposition(attempt.callId, disposition.code);
    deps.events.disposed({
      agentId,
      attemptId: attempt.id,
      campaignId: campaign.id,
      disposition: disposition.code,
      leadState: after.state,
    });
    if (offer) {
      moveOffer(offer, 'dispose', { by, disposition: disposition.code, leadState: after.state });
      offers.forget(offer);
    }
    return { attemptId: attempt.id, leadState: after.state, ...(after.dueAt ? { dueAt: after.dueAt } : {}) };
  }

  /** An answered call the agent never gave a disposition for: retried later (attempts allowing). */
  settleUndisposed(attemptId: string, agentId: string): void {
    const { deps, offers, leads } = this.ctx;
    const offer = offers.ofAttempt(attemptId);
    if (offer) {
      moveOffer(offer, 'no-disposition');
      offers.forget(offer);
    }
    const attempt = deps.store.attempts.get(attemptId);
    if (attempt?.state !== 'ended') return;
    const lead = deps.store.leads.get(attempt.leadId);
    const campaign = deps.campaigns.get(attempt.campaignId);
    const now = deps.now();
    if (lead && campaign) {
      const after = afterAttempt(campaign.settings, { noDisposition: true }, lead.attempts, now);
      leads.move(lead, 'in-progress', after.state, 'no disposition', { dueAt: after.dueAt });
      if (after.dueAt !== undefined) leads.scheduleDue(lead.id, after.dueAt);
    }
    deps.store.attempts.update(attemptId, {
      state: 'disposed',
      skipReason: 'no disposition',
      disposedAt: now,
    });
    this.ctx.log.warn(
      { agentId, attemptId },
      'wrap-up ended without a disposition: lead scheduled for retry',
    );
  }
}
