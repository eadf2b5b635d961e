import type { AgentDayAttempts } from '../store/index.js';
import type { TodayStats } from './types.js';

/** A disposition's flags as its campaign defines them now; undefined for a code it no longer has. */
export type DispositionFlags = (
  campaignId: string,
  code: string,
) => { contact: boolean; sale: boolean } | undefined;

/**
 * The agent's figures for a day, from their dial attempts (by campaign and disposition) and the hotline
 * calls they took: calls placed or taken; contacts (a contact disposition, or a hotline caller spoken
 * with); talk time; sales (a sale disposition, counted by the campaigns' flags like the campaign's own
 * stats) and what the recorded sales are worth. Pure.
 */
export function todayStats(
  attempts: readonly AgentDayAttempts[],
  hotline: { answered: number; talkMs: number },
  flags: DispositionFlags,
): TodayStats {
  let calls = hotline.answered;
  let contacts = hotline.answered;
  let talkMs = hotline.talkMs;
  let sales = 0;
  let saleCents = 0;
  for (const group of attempts) {
    calls += group.dialed;
    talkMs += group.talkMs;
    saleCents += group.saleCents;
    const disposition = group.disposition === null ? undefined : flags(group.campaignId, group.disposition);
    if (disposition?.contact) contacts += group.attempts;
    if (disposition?.sale) sales += group.attempts;
  }
  return { calls, contacts, talkSec: Math.round(talkMs / 1000), sales, salesAmount: saleCents / 100 };
}

/**
 * Promised callbacks as the agent sees them: overdue (due before now) and today (from now to the end of
 * the center's day), each soonest first. Later ones are not shown. Pure.
 */
export function splitCallbacks<C extends { dueAt: number }>(
  callbacks: readonly C[],
  now: number,
  dayEnd: number,
): { overdue: C[]; today: C[] } {
  const byDue = [...callbacks].sort((a, b) => a.dueAt - b.dueAt);
  return {
    overdue: byDue.filter((c) => c.dueAt < now),
    today: byDue.filter((c) => c.dueAt >= now && c.dueAt < dayEnd),
  };
}
