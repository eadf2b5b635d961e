import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisRateCounter } from '../../src/lib/rate-counter.js';
import { infra } from '../harness/infra.js';

describe('the per-key rate counter on a real Redis', () => {
  const clients: Redis[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  const connect = (prefix: string) => {
    const redis = new Redis(infra().redisUrl, { keyPrefix: prefix, maxRetriesPerRequest: 1 });
    clients.push(redis);
    return new RedisRateCounter(redis);
  };

  it('counts in fixed windows, shared by every instance (and a restarted one) on the same Redis', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}:`;
    const first = connect(prefix);
    expect(await first.hit('search:k1', 400)).toMatchObject({ count: 1 });
    expect(await first.hit('search:k1', 400)).toMatchObject({ count: 2 });
    // Another client, as after a restart: the count goes on.
    const again = connect(prefix);
    const third = await again.hit('search:k1', 400);
    expect(third.count).toBe(3);
    expect(third.resetInMs).toBeGreaterThan(0);
    expect(third.resetInMs).toBeLessThanOrEqual(400);
    expect(await again.hit('search:k2', 400)).toMatchObject({ count: 1 });
    await new Promise((r) => setTimeout(r, 450));
    expect(await again.hit('search:k1', 400)).toMatchObject({ count: 1 });
  });
});
