import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { agentIdSchema, teamIdSchema } from '../../store/index.js';
import { callerName } from '../plugins/auth.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
import type { AgentApiDeps } from '../types.js';
import { teamBody, teamSchema } from './agent-schemas.js';

const ADMIN = { roles: ['admin'] } as const;
const VIEWERS = { roles: ['supervisor', 'team-leader'] } as const;

const teamFields = {
  name: z.string().trim().min(1).max(100),
  leaderAgentId: agentIdSchema.nullable().describe('The agent who leads the team, or null'),
};

const idParams = z.object({ id: z.string().min(1) });

const notFound = (id: string) => new HttpError(404, 'TEAM_NOT_FOUND', `No team with id ${id}`);

/** Teams (admin edits; supervisors and team leaders read). Mounted under /v1. */
export const teamRoutes: FastifyPluginAsyncZod<AgentApiDeps> = async (app, { roster }) => {
  app.get(
    '/teams',
    {
      config: VIEWERS,
      schema: {
        tags: ['agents'],
        summary: 'List teams',
        description: 'By name.',
        response: { 200: z.object({ teams: z.array(teamSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ teams: roster.teams().map(teamBody) }),
  );

  app.post(
    '/teams',
    {
      config: ADMIN,
      schema: {
        tags: ['agents'],
        summary: 'Create a team',
        description: 'Without an id one is generated. 409 TEAM_EXISTS if the id or name is taken.',
        body: z.strictObject({
          id: teamIdSchema.optional(),
          name: teamFields.name,
          leaderAgentId: teamFields.leaderAgentId.optional(),
        }),
        response: { 201: teamSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const team = await roster.createTeam(request.body, callerName(request));
      return reply.status(201).send(teamBody(team));
    },
  );

  app.patch(
    '/teams/:id',
    {
      config: ADMIN,
      schema: {
        tags: ['agents'],
        summary: 'Rename a team or change its leader',
        params: idParams,
        body: z.strictObject(teamFields).partial(),
        response: { 200: teamSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const team = await roster.updateTeam(id, request.body, callerName(request));
      if (!team) throw notFound(id);
      return teamBody(team);
    },
  );

  app.delete(
    '/teams/:id',
    {
      config: ADMIN,
      schema: {
        tags: ['agents'],
        summary: 'Delete a team',
        description: 'Refused (409 TEAM_NOT_EMPTY) while active agents are in it.',
        params: idParams,
        response: { 204: z.null().describe('Deleted'), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await roster.removeTeam(id, callerName(request)))) throw notFound(id);
      return reply.status(204).send(null);
    },
  );
};
