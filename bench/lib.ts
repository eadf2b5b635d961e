import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Service } from '../src/service.js';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return ticks / 100; // USER_HZ is 100 on Linux
}

export function asteriskPid(): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-o', '-x', 'asterisk'], { encoding: 'utf8' }).trim();
    return out ? Number(out) : undefined;
  } catch {
    return undefined;
  }
}

export function printBench(result: Record<string, unknown>): void {
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
}

/** Runs fn over items with at most `limit` in flight. */
export async function inBatches<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return results;
}

/** API clients: the supervisor's, and one per agent (each its own key), on the in-process service. */
export function agentApis(service: Service, agentIds: string[]) {
  const call = (key: string) => (method: 'GET' | 'POST', url: string, body?: object) =>
    service.api.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload: body });
  const keys = new Map(
    agentIds.map((id) => [id, service.store.apiKeys.create(`agent ${id}`, 'agent', { agentId: id }).key]),
  );
  return {
    supervisor: call(service.store.apiKeys.create('bench supervisor', 'supervisor').key),
    agent: (id: string, method: 'GET' | 'POST', url: string, body?: object) =>
      call(keys.get(id) ?? '')(method, url, body),
  };
}

/**
 * A bench campaign's settings: open all day every day, one attempt per lead, `maxConcurrent` calls at once,
 * previews dialed when not taken in 30 s; the simulated agents give no disposition, so the wrap-up running
 * out applies one.
 */
export function benchCampaignSettings(team: string, maxConcurrent: number) {
  return {
    callerId: '+493011112222',
    teams: [team],
    window: {
      timezone: 'Europe/Berlin',
      hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00' }],
      holidays: [],
    },
    maxAttempts: 1,
    pacing: {
      maxConcurrent,
      maxPerAgentHour: 100,
      dailyCap: 1_000,
      previewSec: 30,
      onPreviewTimeout: 'dial',
      noAnswerSec: 20,
    },
    wrapUp: { onTimeout: 'apply', disposition: 'not-interested' },
  };
}

/** A dialed call of a bench campaign: when it was answered and ended (epoch ms). */
export interface DialedAttempt {
  leadId: string;
  answeredAt: number | null;
  endedAt: number | null;
}

/** The campaign's calls dialed so far, read from the store. */
export function dialedAttempts(service: Service, campaignId: string): DialedAttempt[] {
  return service.store.db
    .prepare(
      `SELECT lead_id AS leadId, answered_at AS answeredAt, ended_at AS endedAt
       FROM dial_attempts WHERE campaign_id = ? AND dialed_at IS NOT NULL`,
    )
    .all(campaignId) as DialedAttempt[];
}
