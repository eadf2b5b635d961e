import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { bestEffort } from '../lib/best-effort.js';

/**
 * Extends the lease only if this node still holds it (1); takes it again if the key is gone (2: Redis lost
 * its data, and no other node took the lease meanwhile, so this is still the only holder); else 0.
 */
const RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0`;

/** Gives the lease up only if this node holds it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Who drives ARI among instances sharing one Asterisk, Redis and store: the holder of a Redis key with a
 * time to live, renewed well within it. A standby takes the key once it lapses (the holder died or lost
 * Redis). A holder that cannot renew in time must stop driving calls at once (`onLost`), because by then
 * another node may have taken over.
 */
export class LeaderLease {
  private renewTimer: NodeJS.Timeout | undefined;
  /**
   * The lease lives in Redis real time (PX): its renewals are timed on the monotonic clock, never on the
   * business clock (which tests fix) nor the wall clock (which may jump).
   */
  private lastRenewed = 0;
  private held = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly nodeId: string,
    private readonly ttlMs: number,
    private readonly renewEveryMs: number,
    private readonly log: Logger,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** Who holds the lease now (null: nobody). */
  holder(): Promise<string | null> {
    return this.redis.get(this.key);
  }

  /** Waits until this node holds the lease (or `signal` aborts: false). */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    let announced = false;
    while (!signal?.aborted) {
      try {
        const got = await this.redis.set(this.key, this.nodeId, 'PX', this.ttlMs, 'NX');
        if (got === 'OK') {
          this.held = true;
          this.lastRenewed = performance.now();
          this.log.info({ nodeId: this.nodeId }, 'lease taken: this instance is active');
          return true;
        }
        if (!announced) {
          announced = true;
          this.log.info(
            { nodeId: this.nodeId, holder: await this.holder() },
            'standby: another instance is active',
          );
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'standby: cannot reach Redis for the lease');
      }
      // Wakes early on abort (the loop then ends); leaves no listener behind (a standby loops here for days).
      await delay(this.renewEveryMs, undefined, { signal }).catch((err: unknown) => {
        if (!signal?.aborted) throw err;
      });
    }
    return false;
  }

  /** Renews every renewEveryMs; calls onLost once if the lease is taken or cannot be renewed in time. */
  keep(onLost: (why: string) => void): void {
    const lost = (why: string) => {
      if (!this.held) return;
      this.held = false;
      clearInterval(this.renewTimer);
      onLost(why);
    };
    this.renewTimer = setInterval(() => {
      if (performance.now() - this.lastRenewed >= this.ttlMs) {
        lost('lease not renewed within its time to live');
        return;
      }
      this.redis
        .eval(RENEW, 1, this.key, this.nodeId, String(this.ttlMs))
        .then((ok) => {
          if (ok === 0) return lost('lease held by another instance');
          this.lastRenewed = performance.now();
          if (ok === 2)
            this.log.warn({ nodeId: this.nodeId }, 'lease key was gone (Redis lost its data): taken again');
        })
        .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'could not renew the lease'));
    }, this.renewEveryMs);
  }

  /** Stops renewing and hands the lease over at once (a graceful stop). */
  async release(): Promise<void> {
    clearInterval(this.renewTimer);
    if (!this.held) return;
    this.held = false;
    // Redis unreachable: the lease then lapses by its time to live.
    await bestEffort(() => this.redis.eval(RELEASE, 1, this.key, this.nodeId), this.log, 'release the lease');
  }
}
