import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApi } from './api/server.js';
import { AriApp, type CallRoute } from './ari/app.js';
import type { CallJournal } from './ari/session.js';
import type { Config } from './config/schema.js';
import { greetingHandler } from './inbound/greeting.js';
import { createLogger, type Logger } from './lib/logger.js';
import { Metrics } from './lib/metrics.js';
import { openStore, type Store } from './store/index.js';

export interface Service {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  redis: Redis;
  ari: AriApp;
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

/** Routes a new channel by the arguments the dialplan passed to Stasis(). */
function inboundRoute(config: Config): CallRoute {
  return { direction: 'inbound', handler: greetingHandler(config.inbound.greeting) };
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

  const inbound = inboundRoute(config);
  const ari = new AriApp({
    ari: config.ari,
    logger,
    metrics,
    journal: journalFor(store, config.service.instanceId),
    route: (start) => (start.args?.[0] === 'inbound' ? inbound : undefined),
    // orphanPolicy 'reattach': a caller found in the app after a restart hears the greeting again rather
    // than being dropped (the IVR and queue issues resume from their saved state instead).
    reattach: inbound,
    onCommandLatency: options.onCommandLatency,
  });

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
  });

  // Listen first: liveness answers while ARI is still connecting; readiness says when it is.
  let url = '';
  if (options.listen !== false) {
    url = await api.listen({ host: config.api.host, port: config.api.port });
  }
  await ari.start();
  logger.info({ app: config.ari.app, url }, 'service started');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('stopping: refusing new calls, draining live ones');
      ari.stopAccepting();
      const drained = await Promise.race([
        ari.registry.whenEmpty().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), config.service.drainTimeoutMs).unref()),
      ]);
      if (!drained) {
        logger.warn({ live: ari.registry.size }, 'drain timeout: hanging up live calls');
        await ari.hangupAll('service shutdown');
      }
      await api.close();
      await ari.stop();
      redis.disconnect();
      store.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return { config, logger, metrics, store, redis, ari, api, url, stop };
}
