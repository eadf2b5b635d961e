/**
 * The dialer's decisions as pure functions: which campaigns an agent works, whether a call may be placed
 * now (calling window, caps, fair share of trunk channels), and what happens to a lead after an attempt.
 * The dialer service only carries them out.
 */
import { scheduleBranch } from '../lib/calendar.js';
import { dayBounds } from '../lib/time.js';
import type { LeadState } from '../store/dialer.js';
import type { Campaign, CampaignSettings, DialOutcomeName, Disposition } from './campaign.js';

/** True while the campaign may call customers (its window, its holidays, its time zone). */
export function inCallingWindow(settings: Pick<CampaignSettings, 'window'>, now: Date): boolean {
  return scheduleBranch(settings.window, now) === 'open';
}

/** The campaign names the agent, or the agent's team. */
export function worksCampaign(agent: { id: string; teamId: string | null }, campaign: Campaign): boolean {
  const { agents, teams } = campaign.settings;
  return agents.includes(agent.id) || (agent.teamId !== null && teams.includes(agent.teamId));
}

/** Campaigns an agent may work now, highest priority first (ties: the oldest campaign first). */
export function campaignsFor(
  agent: { id: string; teamId: string | null },
  campaigns: readonly Campaign[],
  now: Date,
): Campaign[] {
  return campaigns
    .filter((c) => c.state === 'active' && worksCampaign(agent, c) && inCallingWindow(c.settings, now))
    .sort((a, b) => b.settings.priority - a.settings.priority || a.createdAt - b.createdAt);
}

/**
 * Max-min fair share of `capacity` trunk channels among campaigns by what each wants now (its calls up
 * plus its agents waiting to dial, capped by its own limit): nobody gets more than it wants, and what one
 * campaign leaves unused goes to the others.
 */
export function fairShares(
  capacity: number,
  wants: Readonly<Record<string, number>>,
): Record<string, number> {
  const shares: Record<string, number> = {};
  let left = Math.max(0, Math.floor(capacity));
  let open = Object.entries(wants)
    .filter(([, want]) => want > 0)
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  for (const [id] of Object.entries(wants)) shares[id] = 0;
  while (open.length > 0 && left > 0) {
    const even = Math.floor(left / open.length);
    if (even === 0) {
      // Fewer channels than campaigns still wanting: one each, smallest demand first (stable).
      for (const [id] of open.slice(0, left)) shares[id] = (shares[id] ?? 0) + 1;
      break;
    }
    const next: [string, number][] = [];
    for (const [id, want] of open) {
      const give = Math.min(even, want - (shares[id] ?? 0));
      shares[id] = (shares[id] ?? 0) + give;
      left -= give;
      if ((shares[id] ?? 0) < want) next.push([id, want]);
    }
    open = next;
  }
  return shares;
}

/** What the caps are decided on (counts of dialed attempts, from the store). */
export interface DialedCounts {
  /** Calls the campaign placed since the start of its calendar day (see capsSince). */
  dialedToday: number;
  /** Calls this agent placed for the campaign in the last hour (rolling). */
  agentLastHour: number;
}

/**
 * Where the caps count from at `now`: `day` is local midnight of today in the campaign's calling window
 * time zone (dailyCap is per calendar day, not a rolling 24 h); `hour` is an hour ago (maxPerAgentHour is
 * a rolling hour).
 */
export function capsSince(
  settings: Pick<CampaignSettings, 'window'>,
  now: number,
): { day: number; hour: number } {
  return { day: dayBounds(settings.window.timezone, new Date(now)).from, hour: now - 3_600_000 };
}

export interface PacingInput extends DialedCounts {
  settings: Pick<CampaignSettings, 'pacing'>;
  /** Customer calls of this campaign up now (ringing or talking). */
  campaignActive: number;
  /** Customer calls of every campaign up now. */
  globalActive: number;
  /** Trunk channels the service may use at once. */
  trunkChannels: number;
  /** This campaign's fair share of the trunk channels (see fairShares). */
  fairShare: number;
}

export type PacingDecision = { dial: true } | { dial: false; reason: string; wait: boolean };

/**
 * Whether a call may start now: the one pacing decision, taken when a lead is offered, when it is
 * accepted, while its dial waits for a channel, and once it has one. `wait: true` means a slot frees up
 * soon (channels), `false` means not before the hour or the day turns (caps).
 */
export function pacingDecision(p: PacingInput): PacingDecision {
  const { pacing } = p.settings;
  if (p.dialedToday >= pacing.dailyCap) return { dial: false, reason: 'daily cap reached', wait: false };
  if (p.agentLastHour >= pacing.maxPerAgentHour)
    return { dial: false, reason: 'agent hourly cap reached', wait: false };
  if (p.campaignActive >= pacing.maxConcurrent)
    return { dial: false, reason: 'campaign concurrency limit', wait: true };
  if (p.globalActive >= p.trunkChannels)
    return { dial: false, reason: 'trunk channels all busy', wait: true };
  // Over its fair share only while the trunk has room beyond what the others are owed.
  if (p.campaignActive >= Math.max(1, p.fairShare))
    return { dial: false, reason: 'fair share of trunk channels used', wait: true };
  return { dial: true };
}

/** A cap holds the campaign until the hour or the day turns: no lead is offered, no call placed. */
export function isCapped(decision: PacingDecision): decision is { dial: false; reason: string; wait: false } {
  return !decision.dial && !decision.wait;
}

export interface LeadAfter {
  state: Extract<LeadState, 'retry' | 'callback' | 'done' | 'failed' | 'dnc'>;
  /** When a retry or callback is due (epoch ms). */
  dueAt?: number;
  /** The number goes on the campaign's do-not-call list. */
  doNotCall?: boolean;
}

/**
 * What happens to a lead after an attempt: by the network outcome when nobody was reached, by the agent's
 * disposition when somebody was. `attempts` counts the attempt just made.
 */
export function afterAttempt(
  settings: Pick<CampaignSettings, 'maxAttempts' | 'retry' | 'dispositions'>,
  result:
    | { outcome: Exclude<DialOutcomeName, 'answered'> }
    | { disposition: Disposition; callbackAt?: number }
    | { noDisposition: true },
  attempts: number,
  now: number,
): LeadAfter {
  const exhausted = attempts >= settings.maxAttempts;
  if ('outcome' in result) {
    // A call the service itself cancelled (agent left, line dropped, shutdown) does not use up the
    // lead; not again at once, as the customer's phone may just have rung.
    if (result.outcome === 'cancelled') return { state: 'retry', dueAt: now + 5 * 60_000 };
    const rule = settings.retry[result.outcome];
    if (!rule || exhausted) return { state: 'failed' };
    return { state: 'retry', dueAt: now + rule.afterMin * 60_000 };
  }
  if ('noDisposition' in result) {
    // The agent left wrap-up without saying how it went: try again later, if attempts remain.
    return exhausted ? { state: 'failed' } : { state: 'retry', dueAt: now + 60 * 60_000 };
  }
  const { disposition, callbackAt } = result;
  if (disposition.doNotCall) return { state: 'dnc', doNotCall: true };
  if (disposition.final) return { state: 'done' };
  // A callback the customer asked for is kept even past the attempt limit: it was promised.
  if (callbackAt !== undefined) return { state: 'callback', dueAt: Math.max(now, callbackAt) };
  if (exhausted) return { state: 'failed' };
  return { state: 'retry', dueAt: now + (disposition.retryAfterMin ?? 60) * 60_000 };
}

/**
 * What a wrap-up that runs out does to the agent who owes a disposition for a dialer call: `finish` (no
 * disposition owed, or the campaign is gone: wrap-up ends as for any call), `keep` (the agent stays in
 * wrap-up until they give one; their team leader is alerted) or `apply` (the campaign's named disposition
 * settles the attempt). A campaign that names a disposition it no longer has keeps the agent: nothing is
 * settled by guess. Pure.
 */
export type WrapUpTimeoutAction =
  | { action: 'finish' }
  | { action: 'keep' }
  | { action: 'apply'; code: string };

export function wrapUpTimeoutAction(
  settings: Pick<CampaignSettings, 'wrapUp' | 'dispositions'> | undefined,
  dispositionOwed: boolean,
): WrapUpTimeoutAction {
  if (!dispositionOwed || !settings) return { action: 'finish' };
  const { onTimeout, disposition } = settings.wrapUp;
  const applied = settings.dispositions.find((d) => d.code === disposition);
  if (onTimeout === 'apply' && applied && !applied.sale) return { action: 'apply', code: applied.code };
  return { action: 'keep' };
}

/** The lead states and the moves between them (checked by the dialer's one lead transition). */
const LEAD_MOVES: Record<LeadState, readonly LeadState[]> = {
  new: ['reserved', 'dnc'],
  retry: ['reserved', 'dnc'],
  callback: ['reserved', 'dnc'],
  // Skipped or previewed and released: back where it came from; accepted: in progress.
  reserved: ['in-progress', 'new', 'retry', 'callback', 'dnc'],
  'in-progress': ['retry', 'callback', 'done', 'failed', 'dnc'],
  done: [],
  failed: [],
  dnc: [],
};

export function leadMoveAllowed(from: LeadState, to: LeadState): boolean {
  return LEAD_MOVES[from].includes(to);
}

/** Where a lead goes when its preview ends without a call (skip, timer, restart). */
export function stateBeforeReserve(lead: {
  attempts: number;
  lastDisposition: string | null;
  dueAt: number;
}): LeadState {
  if (lead.attempts === 0) return 'new';
  return lead.lastDisposition === 'callback' ? 'callback' : 'retry';
}
