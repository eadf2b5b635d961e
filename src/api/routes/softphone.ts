import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SoftphoneError } from '../../softphone/service.js';
import { domainErrors, errorResponses, HttpError } from '../plugins/errors.js';
import type { SoftphoneApiDeps } from '../types.js';

/** The agent's own line (a team leader's too); admin for anyone. Nobody else ever sees a SIP password. */
const OWN_LINE = { roles: ['team-leader', 'agent'] } as const;

const idParams = z.object({ id: z.string().min(1) });

const iceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

const softphoneSchema = z.object({
  wsUrl: z.string().describe("Asterisk's SIP-over-WebSocket address (softphone.wsUrl)"),
  sipUri: z.string().describe('The SIP address the browser registers, e.g. sip:cc-webrtc-a101@host'),
  authorizationUser: z.string(),
  password: z.string().describe('The SIP password (changed by POST .../softphone/rotate)'),
  displayName: z.string(),
  iceServers: z.array(iceServerSchema).describe('STUN/TURN servers for the browser (softphone.iceServers)'),
});

const softphoneErrors = domainErrors(SoftphoneError, {
  AGENT_NOT_FOUND: 404,
  NO_BROWSER_LINE: 409,
  PBX_UNAVAILABLE: 503,
});

/** Only the agent themself (signed in, or with their key) or an admin: 403 for anyone else. */
function assertOwnLine(request: FastifyRequest, agentId: string): void {
  const principal = request.principal;
  if (principal?.role === 'admin' || principal?.agentId === agentId) return;
  throw new HttpError(403, 'FORBIDDEN', `Only agent ${agentId} or an admin may use this softphone`);
}

/** The agent's browser softphone: what the browser registers with, and a new password. Under /v1. */
export const softphoneRoutes: FastifyPluginAsyncZod<SoftphoneApiDeps> = async (app, { softphone }) => {
  app.get(
    '/agents/:id/softphone',
    {
      config: OWN_LINE,
      schema: {
        tags: ['softphone'],
        summary: "What the agent's browser registers its softphone with",
        description:
          "For an agent whose line is the browser: Asterisk's WebSocket address, the SIP address and " +
          'credentials, and the ICE servers. Made (and pushed to Asterisk) on first use. The agent themself ' +
          'or an admin only; 409 when the line is not the browser.',
        params: idParams,
        response: { 200: softphoneSchema, ...errorResponses(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      assertOwnLine(request, request.params.id);
      reply.header('cache-control', 'no-store');
      return softphoneErrors(() => softphone.settings(request.params.id));
    },
  );

  app.post(
    '/agents/:id/softphone/rotate',
    {
      config: OWN_LINE,
      schema: {
        tags: ['softphone'],
        summary: "A new SIP password for the agent's softphone",
        description:
          'Pushed to Asterisk at once: the old password no longer registers. Answers the new settings.',
        params: idParams,
        response: { 200: softphoneSchema, ...errorResponses(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      assertOwnLine(request, request.params.id);
      reply.header('cache-control', 'no-store');
      return softphoneErrors(() => softphone.rotate(request.params.id));
    },
  );
};
