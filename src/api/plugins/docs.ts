import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/**
 * OpenAPI document built from the routes' zod schemas, served at /docs/json, with Swagger UI at /docs.
 * Wrapped with fastify-plugin because @fastify/swagger must see routes registered outside this plugin.
 */
async function docsPlugin(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Call-center control API',
        description:
          'Control server driving Asterisk over ARI. Errors share one shape: `{ error: { code, message, details? } }`.',
        version: '1',
      },
      tags: [
        { name: 'health', description: 'Liveness, readiness and metrics; no API key needed' },
        { name: 'auth', description: 'Signing in: cookie sessions, password change, signing out' },
        { name: 'accounts', description: "People's accounts (admin): create, disable, reset, sign out" },
        { name: 'keys', description: 'API keys and the calling principal' },
        { name: 'ivr', description: 'IVR flows, live sessions, statistics, voice messages and callbacks' },
        { name: 'agents', description: 'Teams, agents, their live state and attendance' },
        { name: 'hotline', description: 'The 400 hotline queue and its KPIs' },
        { name: 'events', description: 'Live changes as Server-Sent Events' },
        { name: 'recordings', description: 'Call recordings: search, playback, legal hold; the audit log' },
        { name: 'qa', description: 'QA scoring forms, sampled tasks, scores and reports' },
        { name: 'dialer', description: 'Campaigns, the preview dialer and dispositions' },
        { name: 'leads', description: 'Lead imports, distribution, purges and do-not-call lists' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'cc_session',
            description: 'A signed-in person (POST /v1/auth/login); mutating requests add X-CSRF-Token',
          },
        },
      },
      // Any one scheme; public routes override this with `security: []`.
      security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  // Encapsulated, so only the UI's own routes are marked; who reaches them is api.docs.
  await app.register(async (ui) => {
    ui.addHook('onRoute', (route) => {
      route.config = { ...route.config, exposure: 'docs' };
    });
    await ui.register(swaggerUi, { routePrefix: '/docs' });
  });
}

export default fp(docsPlugin, { name: 'docs', fastify: '5.x' });
