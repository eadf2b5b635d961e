import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { AgentService } from './agents/service.js';
import { buildApi } from './api/server.js';
import { AriApp, type CallRoute } from './ari/app.js';
import type { CallJournal } from './ari/session.js';
import type { Config } from './config/schema.js';
import { greetingHandler } from './inbound/greeting.js';
import { HotlineQueue } from './inbound/queue.js';
import { FlowCatalog } from './ivr/catalog.js';
import { IvrEngine } from './ivr/engine.js';
import { VoiceMessageKeeper } from './ivr/messages.js';
import { PromptLibrary } from './ivr/prompts.js';
import { EventBus } from './lib/events.js';
import { createLogger, type Logger, maskNumber } from './lib/logger.js';
import { Metrics } from './lib/metrics.js';
import { dayBounds, localDay } from './lib/time.js';
import { openStore, type Store } from './store/index.js';

export interface Service {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  redis: Redis;
  ari: AriApp;
  ivr: IvrEngine;
  catalog: FlowCatalog;
  prompts: PromptLibrary;
  agents: AgentService;
  hotline: HotlineQueue;
  bus: EventBus;
  api: FastifyInstance;
  /** Address the API listens on (after listen). */
  url: string;
  /** Graceful stop: refuse new calls, let live ones run up to the drain timeout, then close everything. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  logger?: Logger;
  /** Don't bind the HTTP port (tests that use inject). */
  listen?: boolean;
  onCommandLatency?: (ms: number) => void;
  onDtmfToPrompt?: (ms: number) => void;
  /** Routing decision to hotline caller bridged with the agent (benchmarks). */
  onHotlineConnect?: (ms: number) => void;
  /** The service's clock (tests fix it to check business hours). */
  now?: () => Date;
}

/** The store as the call sessions' journal, scoped to this instance. */
function journalFor(
  store: Store,
  instanceId: string,
): CallJournal & { listOpen(): { id: string; channelId: string }[] } {
  return {
    opened: (c) =>
      store.calls.open({
        id: c.id,
        channelId: c.channelId,
        instanceId,
        direction: c.direction,
        callerMasked: c.caller || null,
        dnis: c.dnis || null,
        startedAt: c.startedAt.getTime(),
      }),
    answered: (id, at) => store.calls.markAnswered(id, at.getTime()),
    ended: (id, reason, at) => store.calls.markEnded(id, reason, at.getTime()),
    event: (id, event, detail) => store.calls.addEvent(id, event, detail),
    listOpen: () => store.calls.listOpen(instanceId),
  };
}

async function waitForRedis(redis: Redis, timeoutMs: number, logger: Logger): Promise<void> {
  if (redis.status === 'ready') return;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!ready) logger.error('Redis not ready: starting without live state (agents logged out, queue empty)');
}

/** Builds and starts the whole service: store, Redis, ARI (connected and resynced), API. */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger =
    options.logger ??
    createLogger(config.log.level, { service: 'callcenter', instance: config.service.instanceId });
  const metrics = new Metrics();
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

  const now = options.now ?? (() => new Date());
  const nowMs = () => now().getTime();
  const bus = new EventBus();
  const catalog = new FlowCatalog(store, { defaultFlow: config.ivr.defaultFlow, logger });
  const prompts = new PromptLibrary(config.ivr.prompts.dir, config.ivr.prompts.pbxDir);
  if (config.ivr.flowsDir) catalog.seedFrom(config.ivr.flowsDir);
  // The inbound route runs the IVR; it is built after the ARI app it needs (see below).
  let ivr: IvrEngine | undefined;
  const greeting = greetingHandler(config.inbound.greeting);
  const inbound: CallRoute = {
    direction: 'inbound',
    handler: (session, start) => (ivr ? ivr.handle(session, start) : greeting(session, start)),
  };
  const ari = new AriApp({
    ari: config.ari,
    logger,
    metrics,
    journal: journalFor(store, config.service.instanceId),
    route: (start) => (start.args?.[0] === 'inbound' ? inbound : undefined),
    // orphanPolicy 'reattach': a caller found in the app after a restart starts the IVR again rather than
    // being dropped (the queue resumes its callers from saved state instead, once it exists).
    reattach: inbound,
    onCommandLatency: options.onCommandLatency,
  });

  const agents = new AgentService({ store, redis, ari, bus, logger, config: config.agents, now: nowMs });
  const hotline = new HotlineQueue({
    agents,
    ari,
    store,
    redis,
    bus,
    logger,
    config: config.hotline,
    now: nowMs,
    onConnect: (ms) => {
      metrics.hotlineConnect.observe(ms / 1000);
      options.onHotlineConnect?.(ms);
    },
  });

  const keeper = new VoiceMessageKeeper(ari.rest, store, join(config.storage.dir, 'voicemail'), logger);
  ivr = new IvrEngine({
    lines: config.ivr.lines,
    overflow: config.ivr.overflow,
    catalog,
    store,
    logger,
    today: () => localDay(config.ivr.timezone, now()),
    noFlow: greeting,
    onOverflow: () => metrics.ivrOverflows.inc(),
    onLines: (inUse, waiting) => {
      metrics.ivrLinesInUse.set(inUse);
      metrics.ivrWaiting.set(waiting);
    },
    services: {
      now,
      appName: config.ari.app,
      enterQueue: (session, queue) => hotline.enter(session, queue),
      keepVoiceMessage: async (meta) => {
        await keeper.keep(meta);
      },
      requestCallback: ({ callId, number, source }) => {
        const id = randomUUID();
        store.callbacks.add({
          id,
          callId,
          number,
          numberMasked: maskNumber(number),
          source,
          requestedAt: now().getTime(),
        });
        logger.info({ callId, callbackId: id, number: maskNumber(number), source }, 'callback requested');
        return id;
      },
      onDtmfToPrompt: (ms) => {
        metrics.ivrDtmfToPrompt.observe(ms / 1000);
        options.onDtmfToPrompt?.(ms);
      },
    },
  });
  const ivrEngine = ivr;
  hotline.resumeIvr = (session, flow, node) => ivrEngine.resume(session, flow, node);
  const today = () => localDay(config.ivr.timezone, now());

  const api = await buildApi({
    config,
    logger,
    store,
    metrics,
    readiness: [
      { name: 'ari', check: () => ari.connection.isOpen },
      { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
      { name: 'store', check: () => store.healthy() },
    ],
    ivr: { catalog, live: () => ivrEngine.snapshot(), today, prompts },
    agents: {
      directory: agents,
      queue: () => hotline.snapshot(),
      bus,
      today: () => dayBounds(config.ivr.timezone, now()),
    },
  });

  // Listen first: liveness answers while ARI is still connecting; readiness says when it is.
  let url = '';
  if (options.listen !== false) {
    url = await api.listen({ host: config.api.host, port: config.api.port });
  }
  // Agents and the queue re-attach their calls during ARI's first resync, so they start first.
  await agents.start();
  hotline.start();
  await ari.start();
  logger.info({ app: config.ari.app, url }, 'service started');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('stopping: refusing new calls, draining live ones');
      ari.stopAccepting();
      hotline.stop();
      const drained = await Promise.race([
        ari.registry.whenEmpty().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), config.service.drainTimeoutMs).unref()),
      ]);
      if (!drained) {
        logger.warn({ live: ari.registry.size }, 'drain timeout: hanging up live calls');
        await ari.hangupAll('service shutdown');
      }
      agents.stop();
      await api.close();
      await ari.stop();
      redis.disconnect();
      store.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return {
    config,
    logger,
    metrics,
    store,
    redis,
    ari,
    ivr: ivrEngine,
    catalog,
    prompts,
    agents,
    hotline,
    bus,
    api,
    url,
    stop,
  };
}
