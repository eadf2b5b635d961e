/**
 * Erlang C staffing maths for the hotline: calls arrive at random (Poisson), wait in one queue and are
 * served by `agents` identical agents; callers never give up. Traffic in Erlangs = calls per hour × average
 * handle time in hours. Pure.
 */

/**
 * Erlang B (blocking probability), by the recurrence B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)): it never
 * forms A^n or n!, so it stays exact for thousands of agents.
 */
function erlangB(agents: number, traffic: number): number {
  let b = 1;
  for (let n = 1; n <= agents; n++) b = (traffic * b) / (n + traffic * b);
  return b;
}

/** Probability that a caller has to wait, 0..1. 1 when the agents cannot keep up (traffic ≥ agents). */
export function erlangC(agents: number, trafficErlangs: number): number {
  if (!Number.isInteger(agents) || agents < 0)
    throw new RangeError(`agents must be a whole number ≥ 0, got ${agents}`);
  if (!(trafficErlangs >= 0)) throw new RangeError(`traffic must be ≥ 0, got ${trafficErlangs}`);
  if (trafficErlangs === 0) return 0;
  if (trafficErlangs >= agents) return 1;
  const b = erlangB(agents, trafficErlangs);
  return (agents * b) / (agents - trafficErlangs * (1 - b));
}

/** Share of calls answered within `targetSec`, 0..1, for the given staffing and load. */
export function serviceLevel(
  agents: number,
  callsPerHour: number,
  ahtSec: number,
  targetSec: number,
): number {
  if (!(targetSec >= 0)) throw new RangeError(`target time must be ≥ 0, got ${targetSec}`);
  const traffic = trafficOf(callsPerHour, ahtSec);
  const pWait = erlangC(agents, traffic);
  if (pWait === 1) return 0;
  return 1 - pWait * Math.exp((-(agents - traffic) * targetSec) / ahtSec);
}

/**
 * The fewest agents that answer `targetSL` (0..1, below 1) of calls within `targetSec`. 0 with no calls.
 * Starts just above the traffic, the least that can keep up, and adds agents until the target is met.
 */
export function agentsFor(targetSL: number, targetSec: number, callsPerHour: number, ahtSec: number): number {
  if (!(targetSL >= 0 && targetSL < 1))
    throw new RangeError(`target service level must be in [0, 1), got ${targetSL}`);
  const traffic = trafficOf(callsPerHour, ahtSec);
  if (traffic === 0) return 0;
  let agents = Math.floor(traffic) + 1;
  while (serviceLevel(agents, callsPerHour, ahtSec, targetSec) < targetSL) agents++;
  return agents;
}

function trafficOf(callsPerHour: number, ahtSec: number): number {
  if (!(callsPerHour >= 0)) throw new RangeError(`calls per hour must be ≥ 0, got ${callsPerHour}`);
  if (!(ahtSec > 0)) throw new RangeError(`average handle time must be > 0, got ${ahtSec}`);
  return (callsPerHour * ahtSec) / 3600;
}
