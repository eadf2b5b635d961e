import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dtmfSpecSchema } from '../../ari/dtmf.js';
import { CallControlError } from '../../calls/types.js';
import { visibleAgent } from '../agent-scope.js';
import { domainErrors, errorResponses } from '../plugins/errors.js';
import type { CallApiDeps } from '../types.js';

/** Exactly like the agent's preview routes: an agent only itself, a team leader its teams' agents. */
const SCOPED = { roles: ['supervisor', 'team-leader', 'agent'] } as const;

const idParams = z.object({ id: z.string().min(1) });

export const currentCallSchema = z
  .object({
    callId: z.string(),
    kind: z.enum(['dialer', 'hotline']),
    state: z.enum(['ringing', 'talking', 'held', 'consulting']),
    numberMasked: z.string().describe('The customer number, last 4 digits only'),
    startedAt: z.number().describe('Epoch ms'),
    answeredAt: z.number().nullable(),
    heldSince: z.number().nullable(),
    recordingPaused: z.boolean(),
    campaignId: z.string().nullable(),
    attemptId: z.string().nullable(),
    consult: z
      .object({ targetAgentId: z.string(), state: z.enum(['ringing', 'talking']) })
      .nullable()
      .describe('A warm transfer under way: the colleague consulted'),
  })
  .describe('CurrentCall: the agent’s current call (a dialer customer or a hotline caller)');

const STATUS: Record<CallControlError['code'], number> = {
  NO_CALL: 404,
  CALL_STATE: 409,
  UNKNOWN_TARGET: 400,
  TARGET_UNAVAILABLE: 409,
};
const run = domainErrors(CallControlError, STATUS);

/**
 * The agent's current call: read it, hold and resume, DTMF, hang-up, transfer (blind, or warm with a
 * consult, then complete or cancel). Mounted under /v1.
 */
export const callRoutes: FastifyPluginAsyncZod<CallApiDeps> = async (app, { calls, directory }) => {
  app.get(
    '/agents/:id/call',
    {
      config: SCOPED,
      schema: {
        tags: ['calls'],
        summary: "The agent's current call",
        description: '404 NO_CALL when the agent is on no call.',
        params: idParams,
        response: { 200: currentCallSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      visibleAgent(request, directory, request.params.id);
      return run(() => calls.current(request.params.id));
    },
  );

  for (const action of ['hold', 'resume'] as const) {
    app.post(
      `/agents/:id/call/${action}`,
      {
        config: SCOPED,
        schema: {
          tags: ['calls'],
          summary:
            action === 'hold'
              ? 'Hold the call: the customer hears music on hold, the agent hears silence'
              : 'Resume the held call: the customer is back with the agent',
          description: `409 CALL_STATE when the call is not ${action === 'hold' ? 'talking' : 'held'}.`,
          params: idParams,
          response: { 200: currentCallSchema, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request) => {
        visibleAgent(request, directory, request.params.id);
        return run(() => calls[action](request.params.id));
      },
    );
  }

  app.post(
    '/agents/:id/call/dtmf',
    {
      config: SCOPED,
      schema: {
        tags: ['calls'],
        summary: 'Send DTMF keys to the customer (while talking)',
        params: idParams,
        body: z.strictObject({ digits: dtmfSpecSchema.shape.digits }),
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      visibleAgent(request, directory, request.params.id);
      await run(() => calls.dtmf(request.params.id, request.body.digits));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/agents/:id/call/hangup',
    {
      config: SCOPED,
      schema: {
        tags: ['calls'],
        summary: "End the agent's current call (dialer or hotline; a persistent line stays up)",
        params: idParams,
        response: { 204: z.null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      visibleAgent(request, directory, request.params.id);
      await run(() => calls.hangup(request.params.id));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/agents/:id/call/transfer',
    {
      config: SCOPED,
      schema: {
        tags: ['calls'],
        summary: 'Transfer the call to another agent or to the team leader',
        description:
          'blind: the customer goes to the target (ready agents only), the agent to wrap-up; 204. warm: the ' +
          'customer is held with music while the agent consults the target; the call with state ' +
          "consulting. 400 UNKNOWN_TARGET (no such agent, or the agent's team has no leader), 409 " +
          'TARGET_UNAVAILABLE (the target is not ready or not logged in), 409 CALL_STATE.',
        params: idParams,
        body: z.strictObject({
          to: z.union([
            z.strictObject({ agentId: z.string().min(1) }),
            z.strictObject({ teamLeader: z.literal(true) }),
          ]),
          mode: z.enum(['blind', 'warm']),
        }),
        response: {
          200: currentCallSchema,
          204: z.null(),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      visibleAgent(request, directory, request.params.id);
      const { to, mode } = request.body;
      const call = await run(() => calls.transfer(request.params.id, to, mode));
      return call ? call : reply.status(204).send(null);
    },
  );

  app.post(
    '/agents/:id/call/transfer/complete',
    {
      config: SCOPED,
      schema: {
        tags: ['calls'],
        summary: 'Complete a warm transfer: the customer joins the target, the agent goes to wrap-up',
        params: idParams,
        response: { 204: z.null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      visibleAgent(request, directory, request.params.id);
      await run(() => calls.completeTransfer(request.params.id));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/agents/:id/call/transfer/cancel',
    {
      config: SCOPED,
      schema: {
        tags: ['calls'],
        summary: 'Cancel a warm transfer: the consult ends, the agent is back with the customer (still held)',
        params: idParams,
        response: { 200: currentCallSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      visibleAgent(request, directory, request.params.id);
      return run(() => calls.cancelTransfer(request.params.id));
    },
  );
};
