import type { AgentView } from '../agents/types.js';
import type { HotlineCallRecord, HotlineOutcome } from '../store/index.js';

export interface RoutingPolicy {
  /** How long a caller waits for a primary agent before overflow seats may take the call (0: at once). */
  overflowAfterSec: number;
}

/** Longest idle first: the fair order among agents of the same kind. */
function byLongestIdle(a: AgentView, b: AgentView): number {
  return a.idleSince - b.idleSince || a.id.localeCompare(b.id);
}

/**
 * Which agent takes the hotline caller who has waited `waitedMs`: a ready primary agent (the designated
 * hotline agent) first; when none is ready and the caller has waited at least `overflowAfterSec`, a ready
 * overflow-eligible seat, longest idle first. Undefined: keep waiting. Pure.
 */
export function pickAgent(
  ready: readonly AgentView[],
  waitedMs: number,
  policy: RoutingPolicy,
): AgentView | undefined {
  const primary = ready.filter((a) => a.inboundRole === 'primary').sort(byLongestIdle)[0];
  if (primary) return primary;
  if (waitedMs < policy.overflowAfterSec * 1000) return undefined;
  return ready.filter((a) => a.inboundRole === 'overflow').sort(byLongestIdle)[0];
}

/** When the caller should next hear their position, given when they last did. */
export function nextAnnouncementAt(enqueuedAt: number, lastAt: number | undefined, everySec: number): number {
  return (lastAt ?? enqueuedAt) + everySec * 1000;
}

/**
 * Expected wait in whole minutes (at least 1) for the caller at `position`, from the average handle time
 * and how many agents can take hotline calls. A plain estimate for the announcement, not a forecast.
 */
export function expectedWaitMinutes(position: number, ahtSec: number, servingAgents: number): number {
  const seconds = (position * ahtSec) / Math.max(1, servingAgents);
  return Math.max(1, Math.round(seconds / 60));
}

/**
 * The outcome a hotline call ends with. `left` is how it left: its connected call ended ('answered'), or
 * it left the queue unanswered ('abandoned', 'timeout'). A call whose agent's line dropped mid-call was
 * still answered and talked: 'requeued' when the next agent answered it, else 'dropped'.
 */
export function hotlineOutcome(
  call: Pick<HotlineCallRecord, 'droppedAt' | 'nextAgentId'> | null,
  left: 'answered' | 'abandoned' | 'timeout',
): HotlineOutcome {
  if (call?.droppedAt == null) return left;
  return call.nextAgentId !== null && left === 'answered' ? 'requeued' : 'dropped';
}
