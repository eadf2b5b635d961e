import type { HotlineCallRecord } from '../store/index.js';

export interface HotlineKpis {
  /** Calls that entered the queue. */
  offered: number;
  /** Answered by an agent (including calls still connected). */
  answered: number;
  abandoned: number;
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

/** Talk plus wrap-up; a wrap-up not yet recorded counts as none. Null while the call is connected. */
const handleMs = (call: HotlineCallRecord): number | null =>
  call.talkMs === null ? null : call.talkMs + (call.wrapMs ?? 0);

const handled = (calls: HotlineCallRecord[]): number[] =>
  calls.map(handleMs).filter((ms): ms is number => ms !== null);

/**
 * The hotline's KPIs over a set of call records (typically today's). Pure.
 *
 * Service level = calls answered within `serviceLevelSec` ÷ offered calls that have left the queue
 * (answered, abandoned, timed out or overflowed out). Abandoned calls count against it, however short
 * their wait; callers still waiting are left out until their outcome is known.
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
  const byAgent = new Map<string, HotlineCallRecord[]>();
  for (const call of answered) {
    const calls = byAgent.get(call.agentId!);
    if (calls) calls.push(call);
    else byAgent.set(call.agentId!, [call]);
  }
  const perAgent = [...byAgent]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agentId, calls]) => ({
      agentId,
      answered: calls.length,
      talkMs: calls.reduce((sum, c) => sum + (c.talkMs ?? 0), 0),
      aht: mean(handled(calls)),
    }));

  return {
    offered: rows.length,
    answered: answered.length,
    abandoned: count('abandoned'),
    timedOut: count('timeout'),
    overflowedOut: count('overflowed-out'),
    serviceLevel: settled.length === 0 ? null : withinTarget / settled.length,
    asa: mean(answered.map((r) => r.waitMs!)),
    aht: mean(handled(answered)),
    longestWaitMs: rows.reduce((max, r) => Math.max(max, r.waitMs ?? 0), 0),
    perAgent,
  };
}
