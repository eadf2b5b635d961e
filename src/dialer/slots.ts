import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { bestEffort } from '../lib/best-effort.js';
import type { CampaignSettings } from './campaign.js';
import {
  type DialedCounts,
  fairShares,
  isCapped,
  type PacingDecision,
  type PacingInput,
  pacingDecision,
} from './policy.js';

/**
 * Atomically takes one trunk channel for a campaign in Redis, or refuses: the global cap and the
 * campaign's allowance are checked and counted in one step, so two dialers (or two instances) never
 * overrun the trunk together.
 */
const ACQUIRE = `
local total = tonumber(redis.call('HGET', KEYS[1], '__total') or '0')
local mine = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if total >= tonumber(ARGV[2]) or mine >= tonumber(ARGV[3]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBY', KEYS[1], '__total', 1)
return 1`;

const RELEASE = `
local mine = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if mine > 0 then
  redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
  redis.call('HINCRBY', KEYS[1], '__total', -1)
end
return 1`;

interface Waiter {
  campaignId: string;
  wake: () => void;
}

export class SlotWaitAborted extends Error {
  override readonly name = 'SlotWaitAborted';
}

/** A cap holds (the pacing decision says not before the hour or the day turns): the dial does not wait. */
export class PacingStopped extends Error {
  override readonly name = 'PacingStopped';
}

/**
 * The dialer's limiter: customer calls up at once, per campaign (its maxConcurrent) and in all (the
 * trunk's channels), with the trunk shared fairly between campaigns that want more than it has. Counts
 * live in Redis; a call that must wait is woken when a channel frees up, or re-checked every 250 ms so a
 * re-pacing takes effect at once. Every check is the one pacing decision (policy.ts), fed with the
 * channels up here and the caps' counts the caller read from the store.
 */
export class TrunkSlots {
  private readonly held = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly trunkChannels: () => number,
    /** A campaign's pacing settings, read at each check so a re-pacing applies at once. */
    private readonly pacingOf: (campaignId: string) => Pick<CampaignSettings, 'pacing'> | undefined,
    private readonly log: Logger,
  ) {}

  /** Forgets counts a dead run left behind; `live` are the calls still up (re-attached). */
  async reset(live: readonly string[]): Promise<void> {
    this.held.clear();
    const counts: Record<string, number> = {};
    for (const campaignId of live) counts[campaignId] = (counts[campaignId] ?? 0) + 1;
    for (const [id, n] of Object.entries(counts)) this.held.set(id, n);
    await this.rewrite();
  }

  /** Writes the counts of the calls up here into Redis again (at a reset, or after Redis lost them). */
  async rewrite(): Promise<number> {
    const counts: Record<string, string> = {};
    for (const [id, n] of this.held) if (n > 0) counts[id] = String(n);
    const total = this.active();
    // One transaction: nobody sees the hash half rebuilt.
    const tx = this.redis.multi().del(this.key);
    if (total > 0) tx.hset(this.key, { ...counts, __total: String(total) });
    await tx.exec();
    return total;
  }

  active(campaignId?: string): number {
    if (campaignId !== undefined) return this.held.get(campaignId) ?? 0;
    let total = 0;
    for (const n of this.held.values()) total += n;
    return total;
  }

  /** The pacing decision for one more call of the campaign now; undefined when the campaign is gone. */
  decide(campaignId: string, counts: DialedCounts): PacingDecision | undefined {
    const input = this.pacingInput(campaignId, counts);
    return input && pacingDecision(input);
  }

  /**
   * Resolves once a channel is taken for the campaign; waits while the pacing decision says wait. Rejects
   * with SlotWaitAborted when `signal` aborts (the offer was withdrawn, the campaign paused) or the
   * campaign is gone, and with PacingStopped when a cap holds (a re-pace lowered it during the wait).
   * `counts` are read by the caller before the wait, which checks the caps again once it has the channel.
   */
  async acquire(campaignId: string, counts: DialedCounts, signal: AbortSignal): Promise<void> {
    const waiter: Waiter = { campaignId, wake: () => {} };
    this.waiters.add(waiter);
    try {
      for (;;) {
        if (signal.aborted) throw new SlotWaitAborted('the dial was withdrawn while waiting for a channel');
        const input = this.pacingInput(campaignId, counts);
        if (!input) throw new SlotWaitAborted(`campaign ${campaignId} is gone`);
        const decision = pacingDecision(input);
        if (isCapped(decision)) throw new PacingStopped(decision.reason);
        if (decision.dial) {
          const allowance = Math.min(input.settings.pacing.maxConcurrent, Math.max(1, input.fairShare));
          const got = await this.redis.eval(
            ACQUIRE,
            1,
            this.key,
            campaignId,
            String(input.trunkChannels),
            String(allowance),
          );
          if (got === 1) {
            this.held.set(campaignId, (this.held.get(campaignId) ?? 0) + 1);
            if (!signal.aborted) return;
            // Withdrawn while the channel was being taken: give it back.
            this.release(campaignId);
            throw new SlotWaitAborted('the dial was withdrawn while waiting for a channel');
          }
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, 250);
          waiter.wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
      }
    } finally {
      this.waiters.delete(waiter);
    }
  }

  release(campaignId: string): void {
    const n = this.held.get(campaignId) ?? 0;
    if (n <= 0) return;
    this.held.set(campaignId, n - 1);
    void bestEffort(this.redis.eval(RELEASE, 1, this.key, campaignId), this.log, 'release a trunk channel');
    // The campaign furthest below its share goes first: wake everyone, the fair-share check sorts it out.
    for (const w of this.waiters) w.wake();
  }

  /** The decision's input: the campaign's settings, the channels up and its fair share, and `counts`. */
  private pacingInput(campaignId: string, counts: DialedCounts): PacingInput | undefined {
    const settings = this.pacingOf(campaignId);
    if (!settings) return undefined;
    const trunkChannels = this.trunkChannels();
    return {
      settings,
      ...counts,
      campaignActive: this.active(campaignId),
      globalActive: this.active(),
      trunkChannels,
      fairShare: fairShares(trunkChannels, this.wants())[campaignId] ?? 0,
    };
  }

  /** Per campaign: calls up plus dials waiting, capped by the campaign's own limit. */
  private wants(): Record<string, number> {
    const wants: Record<string, number> = {};
    for (const [id, n] of this.held) wants[id] = n;
    for (const w of this.waiters) wants[w.campaignId] = (wants[w.campaignId] ?? 0) + 1;
    for (const id of Object.keys(wants)) {
      const limit = this.pacingOf(id)?.pacing.maxConcurrent ?? 0;
      wants[id] = Math.min(wants[id] ?? 0, limit);
    }
    return wants;
  }
}
