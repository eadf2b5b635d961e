import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RateCounter } from '../../lib/rate-counter.js';
import { HttpError } from './errors.js';

export interface RateLimitOptions {
  counter: RateCounter;
  /** How long a count may take before the request goes on uncounted (Redis slow or away). */
  timeoutMs?: number;
}

/**
 * Requests per caller (API key or person) per window on the routes that say `rateLimit` in their config
 * (api.rateLimit): a 429 RATE_LIMITED with Retry-After past the limit. Runs after authentication, before
 * the body is read. When the counter does not answer in time the request goes on: the limit protects the
 * store from a flood, and must not take the API down with Redis.
 */
async function rateLimitPlugin(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { counter } = options;
  const timeoutMs = options.timeoutMs ?? 250;
  let lastWarnAt = 0;

  app.addHook('onRequest', async (request, reply) => {
    const bucket = request.routeOptions.config.rateLimit;
    const principal = request.principal;
    if (!bucket || !principal) return;
    const limits = app.config.api.rateLimit;
    const windowMs = limits.windowSec * 1000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const hit = await Promise.race([counter.hit(`${bucket}:${principal.keyId}`, windowMs), late])
      .catch((err: unknown) => {
        if (Date.now() - lastWarnAt > 60_000) {
          lastWarnAt = Date.now();
          request.log.warn({ err }, 'rate counter failed: request not counted');
        }
        return undefined;
      })
      .finally(() => clearTimeout(timer));
    if (!hit || hit.count <= limits[bucket]) return;
    reply.header('retry-after', String(Math.max(1, Math.ceil(hit.resetInMs / 1000))));
    throw new HttpError(
      429,
      'RATE_LIMITED',
      `At most ${limits[bucket]} ${bucket} requests per ${limits.windowSec} s for one key: wait before the next`,
    );
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit', fastify: '5.x', dependencies: ['auth'] });
