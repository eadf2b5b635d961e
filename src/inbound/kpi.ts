import type { HotlineCallRecord } from '../store/index.js';

export interface HotlineKpis {
  /** Calls that entered the queue. */
  offered: number;
  /** Answered by an agent (including calls still connected, and calls whose agent's line dropped). */
  answered: number;
  /** Hung up while waiting, never answered (a caller requeued after a talk is not abandoned: `dropped`). */
  abandoned: number;
  /** Answered, the agent's line dropped mid-call, answered again by the next agent. */
  requeued: number;
  /** Answered, the agent's line dropped mid-call, left the queue before anyone answered again. */
  dropped: number;
  timedOut: number;
  overflowedOut: number;
  /** 0..1; null while no offered call has left the queue. See hotlineKpis for the definition. */
  serviceLevel: number | null;
  /** Average speed of answer: mean wait of answered calls, ms; null before the first answer. */
  asa: number | null;
  /** Average handle time: mean talk + wrap-up of answered calls that ended, ms; null before the first. */
  aht: number | null;
  /** Longest queue wait of any call that left the queue, ms (callers still waiting: see the queue). */
  longestWaitMs: number;
  /** By agent id. */
  perAgent: { agentId: string; answered: number; talkMs: number; aht: number | null }[];
}

const mean = (values: number[]): number | null =>
  values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;

/**
 * One agent's part of a call: the first agent's talk, or (after their line dropped) the next agent's. The
 * wrap-up is the last agent's: the one whose line dropped gets none for this call.
 */
interface Leg {
  agentId: string;
  /** Null while that leg is connected. */
  talkMs: number | null;
  wrapMs: number | null;
}

function legsOf(call: HotlineCallRecord): Leg[] {
  if (call.agentId === null) return [];
  const next = call.nextAgentId !== null;
  const legs: Leg[] = [{ agentId: call.agentId, talkMs: call.talkMs, wrapMs: next ? null : call.wrapMs }];
  if (next) {
    const talkMs = call.endedAt === null && call.nextAnsweredAt !== null ? null : call.nextTalkMs;
    legs.push({ agentId: call.nextAgentId!, talkMs, wrapMs: call.wrapMs });
  }
  return legs;
}

/** Talk plus wrap-up; a wrap-up not yet recorded counts as none. Null while the leg is connected. */
const handleMs = (leg: Leg): number | null => (leg.talkMs === null ? null : leg.talkMs + (leg.wrapMs ?? 0));

const handled = (legs: Leg[]): number[] => legs.map(handleMs).filter((ms): ms is number => ms !== null);

/** A call's handle time, all its legs together; null until the call has ended. */
function callHandleMs(call: HotlineCallRecord): number | null {
  if (call.endedAt === null) return null;
  const legs = handled(legsOf(call));
  return legs.length === 0 ? null : legs.reduce((sum, ms) => sum + ms, 0);
}

/**
 * The hotline's KPIs over a set of call records (typically today's). Pure.
 *
 * Service level = calls answered within `serviceLevelSec` ÷ offered calls that have left the queue
 * (answered, abandoned, timed out or overflowed out). Abandoned calls count against it, however short
 * their wait; callers still waiting are left out until their outcome is known. A call whose agent's line
 * dropped counts once, as answered, with its first wait; each agent who talked to it counts it in
 * `perAgent`.
 */
export function hotlineKpis(
  rows: readonly HotlineCallRecord[],
  { serviceLevelSec = 20 }: { serviceLevelSec?: number } = {},
): HotlineKpis {
  const answered = rows.filter((r) => r.answeredAt !== null);
  const settled = rows.filter((r) => r.answeredAt !== null || r.endedAt !== null);
  const withinTarget = answered.filter((r) => r.waitMs! <= serviceLevelSec * 1000).length;
  const count = (outcome: HotlineCallRecord['outcome']) => rows.filter((r) => r.outcome === outcome).length;

  // By hand: Map.groupBy needs Node 21.
  const byAgent = new Map<string, Leg[]>();
  for (const leg of answered.flatMap(legsOf)) {
    const legs = byAgent.get(leg.agentId);
    if (legs) legs.push(leg);
    else byAgent.set(leg.agentId, [leg]);
  }
  const perAgent = [...byAgent]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agentId, legs]) => ({
      agentId,
      answered: legs.length,
      talkMs: legs.reduce((sum, l) => sum + (l.talkMs ?? 0), 0),
      aht: mean(handled(legs)),
    }));
  const callsHandled = answered.map(callHandleMs).filter((ms): ms is number => ms !== null);

  return {
    offered: rows.length,
    answered: answered.length,
    abandoned: count('abandoned'),
    requeued: count('requeued'),
    dropped: count('dropped'),
    timedOut: count('timeout'),
    overflowedOut: count('overflowed-out'),
    serviceLevel: settled.length === 0 ? null : withinTarget / settled.length,
    asa: mean(answered.map((r) => r.waitMs!)),
    aht: mean(callsHandled),
    longestWaitMs: rows.reduce((max, r) => Math.max(max, r.waitMs ?? 0), 0),
    perAgent,
  };
}
