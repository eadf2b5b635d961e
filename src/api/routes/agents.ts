import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotReadyReasons } from '../../agents/reasons.js';
import { AgentImportError, AgentLineError, MAX_AGENT_IMPORT_ROWS } from '../../agents/roster.js';
import { AgentNotFoundError, AgentStateError, type RequestedAgentEvent } from '../../agents/types.js';
import { agentInputSchema, agentPatchSchema } from '../../store/index.js';
import { agentScope, assertAgentInScope, visibleAgent } from '../agent-scope.js';
import { callerName } from '../plugins/auth.js';
import { domainErrors, errorResponses, HttpError } from '../plugins/errors.js';
import type { AgentApiDeps } from '../types.js';
import { agentRecordBody, agentRecordSchema, agentViewBody, agentViewSchema, iso } from './agent-schemas.js';

const ADMIN = { roles: ['admin'] } as const;
/** Each further limited to the agents in the caller's scope (see agentScope). */
const SCOPED = { roles: ['supervisor', 'team-leader', 'agent'] } as const;

const idParams = z.object({ id: z.string().min(1) });

/** A not-ready reason must be one the center lets a person give; the service's own are refused. */
const stateBodySchema = (reasons: NotReadyReasons) =>
  z.discriminatedUnion('event', [
    z.strictObject({
      event: z.literal('not-ready'),
      reason: z
        .string()
        .refine((code) => reasons.selectable(code), {
          error: () => `expected one of the center's reasons: ${reasons.selectableList()}`,
        })
        .describe("One of the center's reasons (config agents.notReadyReasons)"),
    }),
    z.strictObject({ event: z.enum(['login', 'ready', 'logout', 'wrap-up-done']) }),
  ]);

/** A remote number that is no phone number: 400 INVALID_REMOTE_NUMBER. */
const lineErrors = domainErrors(AgentLineError, { INVALID_REMOTE_NUMBER: 400 });

const notFound = (id: string) => new HttpError(404, 'AGENT_NOT_FOUND', `No agent with id ${id}`);

/** Agents: roster (admin), live views and state changes (scoped), attendance. Mounted under /v1. */
export const agentRoutes: FastifyPluginAsyncZod<AgentApiDeps> = async (app, { directory, roster, today }) => {
  const reasons = new NotReadyReasons(app.config.agents.notReadyReasons);
  // Only the import takes CSV; the parser is scoped to this plugin.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  /** The agent's live view, if the caller may see it. */
  const visibleView = (request: FastifyRequest, id: string) => visibleAgent(request, directory, id);

  app.get(
    '/agents',
    {
      config: SCOPED,
      schema: {
        tags: ['agents'],
        summary: 'Agents and their live state',
        description:
          'Active agents. Admins and supervisors see all, team leaders their teams, an agent itself.',
        response: { 200: z.object({ agents: z.array(agentViewSchema) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ agents: directory.list().filter(agentScope(request)).map(agentViewBody) }),
  );

  app.get(
    '/agents/:id',
    {
      config: SCOPED,
      schema: {
        tags: ['agents'],
        summary: 'One agent and its live state',
        params: idParams,
        response: { 200: agentViewSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => agentViewBody(visibleView(request, request.params.id)),
  );

  app.post(
    '/agents',
    {
      config: ADMIN,
      schema: {
        tags: ['agents'],
        summary: 'Create an agent',
        description:
          '409 AGENT_EXISTS if the id is taken (a deactivated agent included: PATCH it instead). The line: ' +
          'lineKind sip needs endpoint; webrtc needs nothing; remote needs remoteNumber (any way of writing ' +
          'it; stored in E.164; always persistent). 400 INVALID_LINE for fields that do not fit the kind, ' +
          '400 INVALID_REMOTE_NUMBER for a number that is none.',
        body: agentInputSchema,
        response: { 201: agentRecordSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const agent = await lineErrors(() => roster.createAgent(request.body, callerName(request)));
      return reply.status(201).send(agentRecordBody(agent));
    },
  );

  app.patch(
    '/agents/:id',
    {
      config: ADMIN,
      schema: {
        tags: ['agents'],
        summary: 'Edit an agent',
        description:
          'Only the fields given change. `active: true` brings back a deactivated agent. A new lineKind ' +
          "clears the old kind's endpoint or remoteNumber (and makes a remote line persistent) unless " +
          'given; errors as for POST.',
        params: idParams,
        body: agentPatchSchema,
        response: { 200: agentRecordSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const agent = await lineErrors(() => roster.updateAgent(id, request.body, callerName(request)));
      if (!agent) throw notFound(id);
      return agentRecordBody(agent);
    },
  );

  app.delete(
    '/agents/:id',
    {
      config: ADMIN,
      schema: {
        tags: ['agents'],
        summary: 'Deactivate an agent',
        description:
          'The agent can no longer log in or take calls; its history stays for reports, and it no longer ' +
          'leads a team. Deactivating an inactive agent is fine.',
        params: idParams,
        response: { 204: z.null().describe('Deactivated'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // false (inactive already) is fine
      if ((await roster.deactivateAgent(id, callerName(request))) === null) throw notFound(id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/agents/import',
    {
      config: { ...ADMIN, rateLimit: 'import' },
      bodyLimit: app.config.api.importBodyLimitMb * 1024 * 1024,
      schema: {
        tags: ['agents'],
        summary: 'Import agents (upsert by id)',
        description:
          'A JSON array of agents (as POST /v1/agents), or text/csv with a header row ' +
          '(id,name,team,role,endpoint,line_kind,remote_number,line_mode,inbound_role; team is the team id ' +
          'or name; only id and name required; endpoint for a sip line, remote_number for a remote one). Good rows are written in one transaction, bad rows reported by row ' +
          'number (1 = first row after any header). An existing agent keeps its active flag. A CSV that ' +
          'cannot be read answers 400 CSV_INVALID and imports nothing.',
        body: z.union([z.array(z.unknown()).max(MAX_AGENT_IMPORT_ROWS), z.string().describe('text/csv')]),
        response: {
          200: z.object({
            created: z.number().int(),
            updated: z.number().int(),
            errors: z.array(z.object({ row: z.number().int(), message: z.string() })),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      try {
        return await roster.importAgents(request.body, callerName(request));
      } catch (err) {
        // A CSV that cannot be read is refused whole.
        if (err instanceof AgentImportError) throw new HttpError(400, 'CSV_INVALID', err.message);
        throw err;
      }
    },
  );

  app.post(
    '/agents/:id/state',
    {
      config: SCOPED,
      schema: {
        tags: ['agents'],
        summary: "Change an agent's state",
        description:
          'By the agent itself, its team leader, a supervisor or an admin. not-ready needs a reason the ' +
          "center defines (config agents.notReadyReasons; the service's own are refused: 400). A " +
          'change the state machine refuses (e.g. wrap-up-done while ready) answers 409 AGENT_STATE_CONFLICT. ' +
          'login calls a persistent line first: a phone that does not answer is 409 AGENT_STATE_CONFLICT; a ' +
          'remote line answered without the accept key (config agents.remoteAcceptKey: a voicemail?) is 409 ' +
          'REMOTE_NOT_ACCEPTED.',
        params: idParams,
        body: stateBodySchema(reasons),
        response: { 200: agentViewSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      visibleView(request, id);
      const { body } = request;
      const event: RequestedAgentEvent =
        body.event === 'not-ready' ? { type: 'not-ready', reason: body.reason } : { type: body.event };
      try {
        return agentViewBody(await directory.request(id, event, callerName(request)));
      } catch (err) {
        if (err instanceof AgentStateError) throw new HttpError(409, err.code, err.message);
        if (err instanceof AgentNotFoundError) throw notFound(id);
        throw err;
      }
    },
  );

  app.get(
    '/agents/:id/attendance',
    {
      config: SCOPED,
      schema: {
        tags: ['agents'],
        summary: "An agent's attendance",
        description:
          'Time per state in [from, to), today by default, from the state log; a window reaching into the ' +
          'future stops at now. Deactivated agents included.',
        params: idParams,
        querystring: z.object({
          from: z.iso.datetime().optional().describe('Inclusive; default start of today'),
          to: z.iso.datetime().optional().describe('Exclusive; default end of today'),
        }),
        response: {
          200: z.object({
            agentId: z.string(),
            from: z.iso.datetime(),
            to: z.iso.datetime(),
            loggedInMs: z.number(),
            readyMs: z.number(),
            notReadyMs: z.record(z.string(), z.number()).describe('By reason'),
            reservedMs: z.number().describe('Offered a call not yet connected'),
            onCallMs: z.number(),
            wrapUpMs: z.number(),
            logins: z.array(z.object({ at: z.iso.datetime(), until: z.iso.datetime() })),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const agent = roster.agent(id);
      if (!agent) throw notFound(id);
      assertAgentInScope(request, agent);
      const day = today();
      const from = request.query.from === undefined ? day.from : Date.parse(request.query.from);
      const to = request.query.to === undefined ? day.to : Date.parse(request.query.to);
      if (from >= to) throw new HttpError(400, 'VALIDATION_FAILED', 'from must be before to');
      const { logins, ...totals } = roster.attendance(id, from, to)!;
      return {
        agentId: id,
        from: iso(from),
        to: iso(to),
        ...totals,
        logins: logins.map((l) => ({ at: iso(l.at), until: iso(l.until) })),
      };
    },
  );
};
