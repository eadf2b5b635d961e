import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_RECENT_CALLS } from '../../workspace/service.js';
import { visibleAgent } from '../agent-scope.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
import type { DialerApiDeps } from '../types.js';
import { agentViewBody } from './agent-schemas.js';
import {
  callbacksSchema,
  hotlineOfferSchema,
  recentCallSchema,
  todayStatsSchema,
  workspaceSchema,
} from './workspace-schemas.js';

/** Each limited to the agents in the caller's scope, like the agent's preview. */
const SCOPED = { roles: ['supervisor', 'team-leader', 'agent'] } as const;

const idParams = z.object({ id: z.string().min(1) });

/** The agent's workspace: the first screen in one answer, its parts, the hotline screen-pop. Under /v1. */
export const workspaceRoutes: FastifyPluginAsyncZod<DialerApiDeps> = async (
  app,
  { workspace, directory },
) => {
  app.get(
    '/agents/:id/workspace',
    {
      config: SCOPED,
      schema: {
        tags: ['workspace'],
        summary: "Everything the agent's first screen needs, in one answer",
        description:
          'The agent (as GET /v1/agents/{id}), the lead in preview, the current call, the not-ready reasons ' +
          "(labelled), the end of wrap-up, today's figures (the center's day), callbacks (overdue, due " +
          'today) and recent calls. Times in epoch ms but for the agent view (ISO); numbers masked.',
        params: idParams,
        response: { 200: workspaceSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      visibleAgent(request, directory, request.params.id);
      const view = workspace.workspace(request.params.id);
      if (!view) throw new HttpError(404, 'AGENT_NOT_FOUND', `No agent with id ${request.params.id}`);
      return { ...view, agent: agentViewBody(view.agent) };
    },
  );

  app.get(
    '/agents/:id/callbacks',
    {
      config: SCOPED,
      schema: {
        tags: ['workspace'],
        summary: 'The callbacks the agent promised: overdue, and due later today',
        params: idParams,
        response: { 200: callbacksSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      visibleAgent(request, directory, request.params.id);
      return workspace.callbacks(request.params.id);
    },
  );

  app.get(
    '/agents/:id/stats/today',
    {
      config: SCOPED,
      schema: {
        tags: ['workspace'],
        summary: "The agent's figures for today (the center's day)",
        params: idParams,
        response: { 200: todayStatsSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      visibleAgent(request, directory, request.params.id);
      return workspace.today(request.params.id);
    },
  );

  app.get(
    '/agents/:id/calls/recent',
    {
      config: SCOPED,
      schema: {
        tags: ['workspace'],
        summary: "The agent's latest calls, dialer and hotline, newest first",
        params: idParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(MAX_RECENT_CALLS).default(MAX_RECENT_CALLS),
        }),
        response: { 200: z.array(recentCallSchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      visibleAgent(request, directory, request.params.id);
      return workspace.recentCalls(request.params.id, request.query.limit);
    },
  );

  app.get(
    '/agents/:id/hotline/offer',
    {
      config: SCOPED,
      schema: {
        tags: ['workspace'],
        summary: 'The hotline caller offered to or connected with the agent: the screen-pop',
        description:
          "Masked number, wait, the IVR path with the menu keys pressed, and the same caller's earlier " +
          'calls. 404 NO_OFFER while the agent has no hotline caller. Fetch it on queue.caller-offered.',
        params: idParams,
        response: { 200: hotlineOfferSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      visibleAgent(request, directory, request.params.id);
      const offer = workspace.hotlineOffer(request.params.id);
      if (!offer)
        throw new HttpError(404, 'NO_OFFER', `Agent ${request.params.id} has no hotline caller now`);
      return offer;
    },
  );
};
