import type { Redis } from 'ioredis';
import { AgentNotifier } from '../agents/notifier.js';
import { AgentRoster } from '../agents/roster.js';
import { AgentService } from '../agents/service.js';
import type { AgentApiDeps } from '../api/server.js';
import type { AriApp } from '../ari/app.js';
import type { CallSession } from '../ari/session.js';
import { HotlineNotifier } from '../inbound/notifier.js';
import { HotlineQueue } from '../inbound/queue.js';
import { normalizePhone } from '../leads/phone.js';
import { maskNumber } from '../lib/mask.js';
import type { RedisStateGuard } from '../lib/redis-guard.js';
import { dayBounds } from '../lib/time.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';
import type { RecordCall } from './recording.js';

/** Agents (presence, lines, wrap-up) and the hotline queue that offers callers to them. */
export function wireAgents(deps: {
  core: Core;
  store: Store;
  redis: Redis;
  redisGuard: RedisStateGuard;
  ari: AriApp;
  record: RecordCall;
  /** Runs a caller from an IVR node (the queue's max-wait outcome). */
  resumeIvr: (session: CallSession, flow: string, node: string) => Promise<void>;
  onHotlineConnect?: (ms: number) => void;
}) {
  const { config, logger, metrics, bus, now, nowMs } = deps.core;
  const { store, redis, ari } = deps;
  const agents = new AgentService({
    store,
    redis,
    ari,
    events: new AgentNotifier(bus, nowMs),
    logger,
    config: config.agents,
    trunkDialString: config.dialer.dialString,
    now: nowMs,
  });
  const hotline = new HotlineQueue({
    agents,
    ari,
    store,
    redis,
    events: new HotlineNotifier(bus, nowMs),
    logger,
    config: config.hotline,
    now: nowMs,
    resumeIvr: deps.resumeIvr,
    onConnect: (ms) => {
      metrics.hotlineConnect.observe(ms / 1000);
      deps.onHotlineConnect?.(ms);
    },
    onConnected: (session, agent) => {
      store.recordings.setCallInfo(session.id, { agentId: agent.id, teamId: agent.teamId });
      deps.record(session, 'connect', {
        direction: 'inbound',
        agentId: agent.id,
        teamId: agent.teamId,
        numberMasked: maskNumber(session.channel.caller?.number),
      });
    },
  });
  // Redis lost its data: the agents and the hotline's callers are written again from memory.
  deps.redisGuard.add('agents', () => agents.rewriteLiveState());
  deps.redisGuard.add('hotline', () => hotline.rewriteLiveState());
  metrics.sources.queue = () => hotline.snapshot();
  metrics.sources.agents = () => agents.list();

  const routes: AgentApiDeps = {
    directory: agents,
    roster: new AgentRoster({
      store,
      seats: agents,
      logger,
      now: nowMs,
      normalizeNumber: (raw) => normalizePhone(raw, config.dialer.defaultCountry),
    }),
    queue: () => hotline.snapshot(),
    hotlineCalls: (from, to) => store.hotlineCalls.forDay(from, to),
    bus,
    today: () => dayBounds(config.ivr.timezone, now()),
  };
  return {
    domain: 'agents',
    agents,
    hotline,
    routes,
    steps: {
      start: {
        // Agents and the queue re-attach their calls during ARI's first resync: they start before it.
        attach: async () => {
          await agents.start();
          hotline.start();
        },
      },
      stop: {
        refuse: () => hotline.stop(),
        // Agent lines stay up by default, so a restart or the standby re-attaches them without calling
        // every agent again; `agents.keepLinesOnStop: false` hangs them up.
        release: () => {
          agents.stop();
          if (!config.agents.keepLinesOnStop) return ari.hangupAll('service shutdown');
        },
      },
    } satisfies DomainSteps,
  };
}
