import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses, HttpError } from '../plugins/errors.js';
import type { RecordingApiDeps } from '../types.js';
import { iso } from './agent-schemas.js';
import { instantSchema, isWindow } from './recording-schemas.js';

const ADMIN = { roles: ['admin'] } as const;

const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.iso.datetime(),
  keyId: z.string(),
  keyName: z.string(),
  role: z.string().describe("The caller's role, or system for the service's own jobs"),
  agentId: z.string().nullable(),
  action: z.string().describe('search, metadata, listen, download, legal-hold, purge, score, ...'),
  targetType: z.string(),
  targetId: z.string().describe("'*' for a search"),
  allowed: z.boolean().describe('False for a refused attempt'),
  detail: z.unknown(),
});

/** The audit log of access to recordings (admin only). Mounted under /v1. */
export const auditRoutes: FastifyPluginAsyncZod<RecordingApiDeps> = async (app, { library }) => {
  app.get(
    '/audit',
    {
      config: { ...ADMIN, rateLimit: 'search' },
      schema: {
        tags: ['recordings'],
        summary: 'Read the audit log',
        description: 'Newest first: who accessed or tried to access what.',
        querystring: z.object({
          targetType: z.string().min(1).optional().describe('e.g. recording'),
          targetId: z.string().min(1).optional(),
          from: instantSchema.optional().describe('Inclusive (ISO 8601 or epoch ms)'),
          to: instantSchema.optional().describe('Exclusive (ISO 8601 or epoch ms)'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ entries: z.array(auditEntrySchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      if (!isWindow(from, to)) throw new HttpError(400, 'VALIDATION_FAILED', 'from must be before to');
      const entries = library.auditLog(request.query).map((e) => ({ ...e, at: iso(e.at) }));
      return { entries };
    },
  );
};
