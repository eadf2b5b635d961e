import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiKeyService } from '../../auth/api-keys.js';
import { newApiKeySchema } from '../../store/index.js';
import { errorResponses, HttpError } from '../plugins/errors.js';

const roleSchema = newApiKeySchema.shape.role;

const linkedAgentSchema = z.string().nullable().describe('The agent the key belongs to');

const principalSchema = z.object({
  keyId: z.string(),
  name: z.string(),
  role: roleSchema,
  agentId: linkedAgentSchema,
});

const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  agentId: linkedAgentSchema,
  prefix: z.string().describe('First characters of the key, to tell keys apart'),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable().describe('Updated at most once a minute'),
  revokedAt: z.iso.datetime().nullable(),
});

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** API key management (admin only) and /v1/whoami. Mounted under /v1. */
export const keyRoutes: FastifyPluginAsyncZod<{ keys: ApiKeyService }> = async (app, { keys }) => {
  const adminOnly = { roles: ['admin'] } as const;

  app.post(
    '/keys',
    {
      config: adminOnly,
      schema: {
        tags: ['keys'],
        summary: 'Create an API key',
        description:
          'The plaintext key is in this response only: it is stored hashed and cannot be shown again. ' +
          'An agentId links the key to that agent (400 UNKNOWN_AGENT if there is none).',
        body: newApiKeySchema,
        response: {
          201: z.object({
            id: z.string(),
            name: z.string(),
            role: roleSchema,
            agentId: linkedAgentSchema,
            key: z.string().describe('The API key; store it now'),
            prefix: z.string(),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { name, role, agentId } = request.body;
      const created = keys.create(request.body, request.principal!.name);
      return reply.status(201).send({
        id: created.id,
        name,
        role,
        agentId: agentId ?? null,
        key: created.key,
        prefix: created.prefix,
      });
    },
  );

  app.get(
    '/keys',
    {
      config: adminOnly,
      schema: {
        tags: ['keys'],
        summary: 'List API keys',
        description: 'Every key, revoked ones included, oldest first. Keys themselves are never returned.',
        response: { 200: z.object({ keys: z.array(apiKeySchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({
      keys: keys.list().map((key) => ({
        ...key,
        createdAt: new Date(key.createdAt).toISOString(),
        lastUsedAt: isoOrNull(key.lastUsedAt),
        revokedAt: isoOrNull(key.revokedAt),
      })),
    }),
  );

  app.delete(
    '/keys/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key',
        description: 'Takes effect on the next request. Revoking a revoked key succeeds.',
        params: z.object({ id: z.string().min(1) }),
        response: { 204: z.null().describe('Revoked'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!keys.revoke(id, request.principal!.name)) {
        throw new HttpError(404, 'KEY_NOT_FOUND', `No API key with id ${id}`);
      }
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/whoami',
    {
      schema: {
        tags: ['keys'],
        summary: 'The caller',
        description: 'The key making this request: its id, name, role and agent. Any role.',
        response: { 200: principalSchema, ...errorResponses(401) },
      },
    },
    // The auth hook sets the principal on every non-public route.
    async (request) => request.principal!,
  );
};
