import type { Redis } from 'ioredis';

/** One more request counted in a fixed window: how many so far, and when the window ends. */
export interface RateHit {
  count: number;
  resetInMs: number;
}

/** Counts requests per key in fixed windows (the API's per-key limits on expensive routes). */
export interface RateCounter {
  hit(key: string, windowMs: number): Promise<RateHit>;
}

/** INCR, with the window's expiry set by the first request of the window: atomic, one round trip. */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

/** In Redis (under the client's key prefix), so the counts hold across restarts and instances. */
export class RedisRateCounter implements RateCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'rate:',
  ) {}

  async hit(key: string, windowMs: number): Promise<RateHit> {
    const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, `${this.prefix}${key}`, windowMs)) as [
      number,
      number,
    ];
    return { count, resetInMs: ttl };
  }
}

/** In this process (tests, and an API built without Redis). */
export class MemoryRateCounter implements RateCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number): Promise<RateHit> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (this.windows.size > 10_000) this.forgetEnded(now);
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.endsAt - now };
  }

  private forgetEnded(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}
