import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { LeaderLease } from './ha/lease.js';
import { bestEffort } from './lib/best-effort.js';
import { createLogger, type Logger } from './lib/logger.js';
import { startService } from './service.js';

const STANDBY_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * While standing by, the API port answers health checks only: live (the process is fine), not ready
 * (it drives no calls), and 503 STANDBY for everything else.
 */
function standbyServer(config: Config, lease: LeaderLease): Promise<Server> {
  // The active API's cuts (api.timeouts) and the headers of an answer that is never a page to frame.
  const { headersSec, requestSec, idleSec } = config.api.timeouts;
  const server = createServer(
    { headersTimeout: headersSec * 1000, requestTimeout: requestSec * 1000, keepAliveTimeout: 5_000 },
    (req, res) => {
      const body = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', ...STANDBY_HEADERS });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/healthz') body(200, { status: 'standby', nodeId: lease.nodeId });
      else if (req.url === '/readyz') body(503, { status: 'standby', nodeId: lease.nodeId });
      else
        body(503, {
          error: { code: 'STANDBY', message: 'this instance is the standby; use the active one' },
        });
    },
  );
  server.setTimeout(idleSec * 1000, (socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.api.port, config.api.host, () => resolve(server));
  });
}

/** Active/standby: waits for the lease (serving health checks meanwhile); resolves once this node holds it. */
async function becomeActive(
  config: Config,
  logger: Logger,
  abort: AbortSignal,
): Promise<LeaderLease | undefined> {
  const redis = new Redis(config.redis.url, { keyPrefix: config.redis.keyPrefix, maxRetriesPerRequest: 1 });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error (lease)'));
  const nodeId = config.ha.nodeId ?? `${hostname()}-${process.pid}`;
  const lease = new LeaderLease(
    redis,
    'ha:leader',
    nodeId,
    config.ha.leaseTtlMs,
    config.ha.renewEveryMs,
    logger,
  );
  const server = await standbyServer(config, lease);
  const got = await lease.acquire(abort);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return got ? lease : undefined;
}

/** The exit code after an uncaught exception or unhandled rejection (EX_SOFTWARE). */
const CRASH_EXIT_CODE = 70;

/**
 * An uncaught exception or unhandled rejection leaves the process in a state no one planned for: it is
 * logged and the process exits non-zero at once, for the supervisor (systemd, Docker's restart policy) to
 * start it again. Nothing is drained: calls, agents and queue recover from Redis and the store at start.
 */
function exitOnCrash(logger: Logger): void {
  const crash = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, `${kind}: exiting for the supervisor to restart the service`);
    logger.flush();
    process.exit(CRASH_EXIT_CODE);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
}

/** Process entry point: load config, start, stop gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.log.level, {
    service: 'callcenter',
    instance: config.service.instanceId,
  });
  exitOnCrash(logger);

  let lease: LeaderLease | undefined;
  if (config.ha.enabled) {
    const standing = new AbortController();
    const leave = () => standing.abort();
    process.once('SIGTERM', leave);
    process.once('SIGINT', leave);
    lease = await becomeActive(config, logger, standing.signal);
    process.off('SIGTERM', leave);
    process.off('SIGINT', leave);
    if (!lease) {
      logger.info('standby stopped');
      process.exit(0);
    }
    // Another node may have taken over: this one must stop driving calls at once, not drain them.
    lease.keep((why) => {
      logger.fatal({ why }, 'lease lost: exiting so that only the active instance drives calls');
      process.exit(1);
    });
  }

  // A stop asked for while starting (which waits for Asterisk as long as it takes) ends the process, and
  // hands the lease over at once rather than making the standby wait out its time to live.
  const whileStarting = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutdown requested while starting: exiting');
    // A failed release is logged and the process exits all the same: the lease then runs out by itself.
    const released = bestEffort(lease?.release(), logger, 'releasing the lease');
    const bounded = new Promise((resolve) => setTimeout(resolve, 2_000).unref());
    void Promise.race([released, bounded]).then(() => process.exit(0));
  };
  process.once('SIGTERM', whileStarting);
  process.once('SIGINT', whileStarting);
  const service = await startService(config, { logger });
  process.off('SIGTERM', whileStarting);
  process.off('SIGINT', whileStarting);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutdown requested');
    service
      .stop()
      .then(() => lease?.release())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
