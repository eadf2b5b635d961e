import type { Config } from '../config/schema.js';
import { EventBus } from '../lib/events.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { Metrics } from '../lib/metrics.js';

/** What every domain's wiring shares. */
export interface Core {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  bus: EventBus;
  /** The injected clock: every business time in the wiring is read from it. */
  now: () => Date;
  /** The same clock, in epoch ms. */
  nowMs: () => number;
}

export function wireCore(config: Config, options: { logger?: Logger; now?: () => Date }): Core {
  const logger =
    options.logger ??
    createLogger(config.log.level, { service: 'callcenter', instance: config.service.instanceId });
  const now = options.now ?? (() => new Date());
  return { config, logger, metrics: new Metrics(), bus: new EventBus(), now, nowMs: () => now().getTime() };
}
