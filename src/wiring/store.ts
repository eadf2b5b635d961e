import { Redis } from 'ioredis';
import type { ReadinessProbe } from '../api/server.js';
import type { Logger } from '../lib/logger.js';
import { RedisStateGuard } from '../lib/redis-guard.js';
import { openStore } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';

async function waitForRedis(redis: Redis, timeoutMs: number, logger: Logger): Promise<void> {
  if (redis.status === 'ready') return;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!ready)
    logger.error(
      'Redis not ready: starting without its live state (agents from the state log and the PBX, no hotline queue)',
    );
}

/** The store (SQLite) and Redis (live state); they close last. */
export async function wireStore(core: Core) {
  const { config, logger } = core;
  const store = openStore(config.store.path);
  const redis = new Redis(config.redis.url, {
    keyPrefix: config.redis.keyPrefix,
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
  });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  // Live state is read from Redis at start (agents, queue): wait for it, but not forever.
  await waitForRedis(redis, 10_000, logger);
  // Redis losing its data (restart without persistence, a flush, another instance) is noticed, and every
  // domain that keeps live state there writes it again from memory (each adds its rebuild when wired).
  const redisGuard = new RedisStateGuard(redis, logger.child({ component: 'redis-guard' }));
  redisGuard.onRebuilt = (cause) => core.metrics.redisRebuilds.inc({ cause });
  const readiness: ReadinessProbe[] = [
    { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
    { name: 'store', check: () => store.healthy() },
  ];
  return {
    domain: 'store',
    store,
    redis,
    redisGuard,
    readiness,
    steps: {
      // After the start's recovery: what it restored is what the guard keeps in Redis from then on.
      start: { schedule: () => redisGuard.start() },
      stop: {
        unschedule: () => redisGuard.stop(),
        close: () => {
          redis.disconnect();
          store.close();
        },
      },
    } satisfies DomainSteps,
  };
}
