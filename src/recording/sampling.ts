import { randomInt } from 'node:crypto';
import type { QaTask, RecordingFilter, Store } from '../store/index.js';

export interface SampleOptions {
  /** Recordings chosen per agent (all of an agent's when fewer). */
  perAgent: number;
  /** Makes the choice repeatable (tests, re-running a sample to explain it). */
  seed?: number;
}

/**
 * Chooses up to `perAgent` recordings at random for each agent. The input order does not matter: with
 * the same seed and the same recordings, the same ids come out (by agent, then in the order drawn).
 */
export function sampleRecordings(
  recordings: readonly { id: string; agentId: string | null }[],
  { perAgent, seed = randomInt(2 ** 31) }: SampleOptions,
): string[] {
  const random = mulberry32(seed);
  const byAgent = new Map<string, string[]>();
  for (const { id, agentId } of recordings) {
    if (agentId === null) continue;
    const ids = byAgent.get(agentId) ?? [];
    ids.push(id);
    byAgent.set(agentId, ids);
  }
  const chosen: string[] = [];
  for (const agentId of [...byAgent.keys()].sort()) {
    const ids = byAgent.get(agentId)!.sort();
    // A partial Fisher-Yates shuffle: the first `take` places end up a uniform random choice.
    const take = Math.min(perAgent, ids.length);
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(random() * (ids.length - i));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    chosen.push(...ids.slice(0, take));
  }
  return chosen;
}

export interface SampleRequest extends SampleOptions {
  formId: string;
  /** The calls' start, inclusive (e.g. a week). */
  from: number;
  /** The calls' start, exclusive. */
  to: number;
  /** Narrows the recordings sampled (team, campaign, direction, duration, ...). */
  filter?: Omit<RecordingFilter, 'from' | 'to' | 'limit' | 'offset' | 'status' | 'visibleTo'>;
  assignedTo?: string | null;
}

/**
 * Creates QA tasks for `perAgent` random stored recordings per agent among the calls of [from, to) that
 * match the filter, skipping recordings that already have a task for the form. Returns the new tasks.
 */
export function createSampleTasks(store: Store, request: SampleRequest, now: number): QaTask[] {
  const { formId, from, to, perAgent, seed } = request;
  const candidates = store.qa.sampleCandidates(formId, { ...request.filter, from, to });
  const ids = sampleRecordings(candidates, { perAgent, seed });
  const reason =
    `random ${perAgent} per agent, calls ${new Date(from).toISOString()} to ${new Date(to).toISOString()}` +
    describeFilter(request.filter);
  return store.qa.createTasks(
    ids.map((recordingId) => ({ recordingId, formId, assignedTo: request.assignedTo ?? null, reason })),
    now,
  );
}

/** The filter as written on each task, so QA staff can see why the call was chosen. */
function describeFilter(filter: SampleRequest['filter']): string {
  const parts = Object.entries(filter ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('|') : JSON.stringify(value)}`);
  return parts.length ? `, where ${parts.join(', ')}` : '';
}

/** A small seedable PRNG (32-bit state), good enough for choosing calls; not for secrets. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
