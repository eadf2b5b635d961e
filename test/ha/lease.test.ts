import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderLease } from '../../src/ha/lease.js';
import { infra } from '../harness/infra.js';

describe('leader lease on a real Redis', () => {
  const clients: Redis[] = [];
  const log = pino({ level: 'silent' });
  afterEach(() => {
    for (const c of clients) c.disconnect();
  });

  function lease(key: string, node: string, ttlMs = 600, everyMs = 100) {
    const redis = new Redis(infra().redisUrl, { maxRetriesPerRequest: 1 });
    clients.push(redis);
    return new LeaderLease(redis, key, node, ttlMs, everyMs, log);
  }

  it('one holder at a time; a standby takes over once the holder stops renewing; the old holder learns it lost', async () => {
    const key = `test:lease:${randomUUID()}`;
    const a = lease(key, 'a');
    const b = lease(key, 'b');
    expect(await a.acquire()).toBe(true);
    const lostA: string[] = [];
    a.keep((why) => lostA.push(why));
    // b waits while a renews.
    const abort = new AbortController();
    const bWaiting = b.acquire(abort.signal);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await a.holder()).toBe('a');
    expect(b.isHeld).toBe(false);
    // Ten rounds of waiting leave at most the current round's listener on the signal (a standby waits for days).
    expect(getEventListeners(abort.signal, 'abort').length).toBeLessThanOrEqual(1);
    // a's renewals stop (its process froze): b takes the lease within about one TTL.
    const frozen = clients[0]!;
    frozen.disconnect();
    const t0 = Date.now();
    expect(await bWaiting).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(await b.holder()).toBe('b');
    await new Promise((r) => setTimeout(r, 800));
    expect(lostA).toEqual(['lease not renewed within its time to live']);
    expect(a.isHeld).toBe(false);
  });

  it('a graceful release hands over at once, and never deletes a lease another node holds', async () => {
    const key = `test:lease:${randomUUID()}`;
    const a = lease(key, 'a', 5_000, 500);
    const b = lease(key, 'b', 5_000, 100);
    expect(await a.acquire()).toBe(true);
    a.keep(() => {});
    const bWaiting = b.acquire();
    await a.release();
    const t0 = Date.now();
    expect(await bWaiting).toBe(true);
    expect(Date.now() - t0).toBeLessThan(500);
    await a.release(); // a no longer holds it: b's lease stays
    expect(await b.holder()).toBe('b');
  });

  it('the holder takes its lease again when Redis lost the key (restart without data, flush), and keeps running', async () => {
    const key = `test:lease:${randomUUID()}`;
    const a = lease(key, 'a', 600, 100);
    expect(await a.acquire()).toBe(true);
    const lostA: string[] = [];
    a.keep((why) => lostA.push(why));
    // Redis loses the key (this test's stand-in for a FLUSHALL: the Redis is shared).
    await clients.at(-1)?.del(key);
    await new Promise((r) => setTimeout(r, 400));
    expect(lostA).toEqual([]);
    expect(a.isHeld).toBe(true);
    expect(await a.holder()).toBe('a');
    await a.release();
  });
});
