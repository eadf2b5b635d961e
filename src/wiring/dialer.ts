import type { Redis } from 'ioredis';
import type { AgentService } from '../agents/service.js';
import type { ApiDeps } from '../api/server.js';
import type { AriApp } from '../ari/app.js';
import { CampaignBook } from '../dialer/campaigns.js';
import { DialerService } from '../dialer/dialer.js';
import { DialerNotifier } from '../dialer/notifier.js';
import type { RedisStateGuard } from '../lib/redis-guard.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';
import type { RecordCall } from './recording.js';

/** Campaigns and the agents' preview dialing. */
export function wireDialer(deps: {
  core: Core;
  store: Store;
  redis: Redis;
  redisGuard: RedisStateGuard;
  ari: AriApp;
  agents: AgentService;
  /** Hotline callers waiting: inbound-capable agents take them before any lead. */
  hotlineWaiting: () => number;
  record: RecordCall;
  onDialing?: (agentId: string, attemptId: string) => void;
}) {
  const { config, logger, metrics, bus, nowMs } = deps.core;
  const { store, agents } = deps;
  const campaigns = new CampaignBook(store, logger, nowMs);
  const dialer = new DialerService({
    store,
    redis: deps.redis,
    redisUrl: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    ari: deps.ari,
    agents,
    campaigns,
    bus,
    events: new DialerNotifier(bus, nowMs),
    logger,
    metrics,
    config: config.dialer,
    now: nowMs,
    hotlineWaiting: deps.hotlineWaiting,
    onConnected: (session, meta) => deps.record(session, 'connect', meta),
    onDialing: deps.onDialing,
  });

  if (config.dialer.enabled) deps.redisGuard.add('dialer', () => dialer.rewriteLiveState());

  const routes: Omit<NonNullable<ApiDeps['dialer']>, 'workspace'> = {
    campaigns,
    dialer,
    directory: agents,
    now: nowMs,
  };
  return {
    domain: 'dialer',
    campaigns,
    dialer,
    routes,
    steps: {
      // A disabled dialer is not started, but still stopped and closed (that is harmless).
      start: config.dialer.enabled ? { attach: () => dialer.start() } : {},
      stop: { refuse: () => dialer.stop(), finish: () => dialer.close() },
    } satisfies DomainSteps,
  };
}
