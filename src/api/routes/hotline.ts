import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hotlineKpis } from '../../inbound/kpi.js';
import { scopedRows } from '../agent-scope.js';
import { errorResponses } from '../plugins/errors.js';
import type { AgentApiDeps } from '../types.js';
import { iso } from './agent-schemas.js';

const ms = z.number().describe('Milliseconds');

/** The 400 hotline: its queue now and today's KPIs. Mounted under /v1/hotline. */
export const hotlineRoutes: FastifyPluginAsyncZod<AgentApiDeps> = async (
  app,
  { queue, hotlineCalls, today, directory },
) => {
  app.get(
    '/queue',
    {
      config: { roles: ['supervisor', 'team-leader', 'agent'] },
      schema: {
        tags: ['hotline'],
        summary: 'Callers waiting now',
        description: 'Longest waiting first. Caller numbers are masked.',
        response: {
          200: z.object({
            name: z.string(),
            waiting: z.array(
              z.object({
                callId: z.string(),
                callerMasked: z.string(),
                since: z.iso.datetime(),
                position: z.number().int().describe('1 = next to be answered'),
              }),
            ),
            longestWaitMs: ms,
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => {
      const snapshot = queue();
      return { ...snapshot, waiting: snapshot.waiting.map((w) => ({ ...w, since: iso(w.since) })) };
    },
  );

  app.get(
    '/kpis/today',
    {
      config: { roles: ['supervisor', 'team-leader'] },
      schema: {
        tags: ['hotline'],
        summary: "Today's hotline KPIs",
        description:
          "Over calls enqueued since midnight in the center's time zone. Service level = calls answered " +
          'within serviceLevelSec ÷ offered calls that have left the queue (abandoned ones count against ' +
          'it; callers still waiting are left out). ASA = mean wait of answered calls; AHT = mean talk + ' +
          "wrap-up of answered calls that ended (every agent who talked to it). A call whose agent's line " +
          'dropped counts once, as answered, with its first wait. Averages are null until there is a call to average. ' +
          "The totals are the whole hotline's; `perAgent` lists only the agents the caller may see (a " +
          'team leader: its teams).',
        querystring: z.object({
          serviceLevelSec: z.coerce
            .number()
            .int()
            .min(1)
            .max(3600)
            .optional()
            .describe('Answer target in seconds; default hotline.serviceLevelSec from the config'),
        }),
        response: {
          200: z.object({
            from: z.iso.datetime(),
            to: z.iso.datetime(),
            serviceLevelSec: z.number().int(),
            offered: z.number().int(),
            answered: z.number().int(),
            abandoned: z.number().int().describe('Hung up while waiting, never answered'),
            requeued: z
              .number()
              .int()
              .describe("Answered; the agent's line dropped mid-call; answered again by the next agent"),
            dropped: z
              .number()
              .int()
              .describe("Answered; the agent's line dropped mid-call; left before anyone answered again"),
            timedOut: z.number().int(),
            overflowedOut: z.number().int().describe('Sent on to the outbound seats'),
            serviceLevel: z.number().nullable().describe('0..1'),
            asa: ms.nullable(),
            aht: ms.nullable(),
            longestWaitMs: ms,
            perAgent: z.array(
              z.object({ agentId: z.string(), answered: z.number().int(), talkMs: ms, aht: ms.nullable() }),
            ),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { from, to } = today();
      const serviceLevelSec = request.query.serviceLevelSec ?? app.config.hotline.serviceLevelSec;
      const kpis = hotlineKpis(hotlineCalls(from, to), { serviceLevelSec });
      const perAgent = scopedRows(request, directory, kpis.perAgent);
      return { from: iso(from), to: iso(to), serviceLevelSec, ...kpis, perAgent };
    },
  );
};
