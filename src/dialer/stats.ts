import type { AgentView } from '../agents/types.js';
import { dayBounds } from '../lib/time.js';
import type { Store } from '../store/index.js';
import type { Campaign } from './campaign.js';
import { capsSince, type DialedCounts, worksCampaign } from './policy.js';

/** The counts a campaign's caps are decided on now, for one agent (see pacingDecision). */
export function dialedCounts(store: Store, campaign: Campaign, agentId: string, now: number): DialedCounts {
  const since = capsSince(campaign.settings, now);
  return {
    dialedToday: store.attempts.countDialed(campaign.id, since.day),
    agentLastHour: store.attempts.countDialedByAgent(agentId, campaign.id, since.hour),
  };
}

/**
 * A campaign's live figures for today (its own time zone): leads by state, attempts and outcomes, the
 * contact and sale rates from its dispositions, the recorded sales' amount, talk time, agents working, calls in the last hour and
 * progress against the day's target, and the same per agent. Abandoned calls are counted to show they
 * are zero: a preview call is only placed with its agent waiting on the line.
 */
export function campaignStats(store: Store, campaign: Campaign, now: number, agents: readonly AgentView[]) {
  const { from, to } = dayBounds(campaign.settings.window.timezone, new Date(now));
  const day = store.attempts.stats(campaign.id, from, to);
  const lastHour = store.attempts.countDialed(campaign.id, now - 3600_000);
  const contactCodes = new Set(campaign.settings.dispositions.filter((d) => d.contact).map((d) => d.code));
  const saleCodes = new Set(campaign.settings.dispositions.filter((d) => d.sale).map((d) => d.code));
  const count = (codes: Set<string>) =>
    Object.entries(day.byDisposition).reduce((n, [code, k]) => n + (codes.has(code) ? k : 0), 0);
  const contacts = count(contactCodes);
  const sales = count(saleCodes);
  const working = agents.filter((a) => a.state !== 'logged-out' && worksCampaign(a, campaign));
  const rate = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 1000) / 1000 : 0);
  return {
    campaignId: campaign.id,
    state: campaign.state,
    day: { from, to },
    leads: store.leads.countsByState(campaign.id),
    attempts: {
      offered: day.offered,
      dialed: day.dialed,
      skipped: day.skipped,
      connects: day.answered,
      // Answered but not joined to the agent (the agent line dropped at that moment): should stay 0.
      abandoned: day.abandoned,
      byOutcome: day.byOutcome,
    },
    dispositions: day.byDisposition,
    contacts,
    sales,
    /** What today's recorded sales are worth (the sum of their amounts). */
    salesAmount: day.saleCents / 100,
    contactRate: rate(contacts, day.answered),
    answerRate: rate(day.answered, day.dialed),
    conversionRate: rate(sales, contacts),
    talkSec: Math.round(day.talkMs / 1000),
    averageTalkSec: day.answered > 0 ? Math.round(day.talkMs / day.answered / 1000) : 0,
    callsLastHour: lastHour,
    target: campaign.settings.dailyTarget,
    progress: rate(day.dialed, campaign.settings.dailyTarget),
    agentsWorking: working.length,
    agentsByState: working.reduce<Record<string, number>>((acc, a) => {
      acc[a.state] = (acc[a.state] ?? 0) + 1;
      return acc;
    }, {}),
    perAgent: day.byAgent.map((a) => ({
      agentId: a.agentId,
      dialed: a.dialed,
      connects: a.answered,
      talkSec: Math.round(a.talkMs / 1000),
    })),
  };
}
