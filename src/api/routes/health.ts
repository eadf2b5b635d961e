import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ReadinessProbe } from '../types.js';

const PROBE_TIMEOUT_MS = 1_000;

const readinessSchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  checks: z.record(z.string(), z.boolean()).describe('Each dependency and whether it is usable'),
});

/** True if the probe says so within the timeout; a throw or a timeout rejects with the reason. */
async function probeOk(probe: ReadinessProbe): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    // Promise.resolve().then turns a synchronous throw into a rejection.
    return (await Promise.race([Promise.resolve().then(() => probe.check()), timedOut])) === true;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness and readiness (public) and Prometheus metrics (api.metrics), logged only at warn and above
 * because orchestrators and scrapers poll them every few seconds.
 */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  const common = { config: { public: true }, logLevel: 'warn' } as const;

  app.get(
    '/healthz',
    {
      ...common,
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        description: 'Answers while the process serves HTTP; checks no dependency.',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      ...common,
      schema: {
        tags: ['health'],
        summary: 'Readiness',
        description: `503 unless every dependency (ARI, Redis, store) answers within ${PROBE_TIMEOUT_MS} ms.`,
        security: [],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (request, reply) => {
      const results = await Promise.allSettled(app.readiness.map(probeOk));
      const checks: Record<string, boolean> = {};
      app.readiness.forEach((probe, i) => {
        const result = results[i]!;
        checks[probe.name] = result.status === 'fulfilled' && result.value;
        if (result.status === 'rejected') {
          request.log.warn({ probe: probe.name, err: result.reason }, 'readiness probe failed');
        }
      });
      const ready = Object.values(checks).every(Boolean);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks });
    },
  );

  app.get(
    '/metrics',
    {
      config: { exposure: 'metrics' },
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics',
        description:
          'Prometheus text exposition format. Reached as api.metrics says: by default from this machine ' +
          'only (404 elsewhere); with `key`, from elsewhere with an API key.',
        security: [],
        response: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
      },
    },
    async (_request, reply) => {
      const { registry } = app.metrics;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};
