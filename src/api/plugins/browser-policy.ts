import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CSRF_HEADER } from './auth.js';
import { HttpError } from './errors.js';

/**
 * What browsers are told on every answer (errors and 404s included), set before any route runs:
 *
 * - Security headers (@fastify/helmet): a CSP under which the web app (web/, built by Vite: scripts and
 *   styles from its own origin; Element Plus sets inline style attributes) and Swagger UI work and nothing
 *   else loads, no framing by anyone (frame-ancestors 'none', X-Frame-Options DENY), nosniff, no referrer.
 *   No HSTS and no upgrade-insecure-requests: the service may be reached over plain http on the center's
 *   network; a proxy that ends https adds HSTS itself.
 * - CORS: a request from a browser page of another origin (its Origin header) is refused with 403, unless
 *   that origin is listed in api.corsOrigins; a listed one gets the CORS headers and its preflights are
 *   answered. The service's own origin (scheme and Host of the request) is always allowed.
 */
async function browserPolicy(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        // The browser softphones' SIP over WebSocket to Asterisk (softphone.wsUrl).
        connectSrc: ["'self'", new URL(app.config.softphone.wsUrl).origin],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });

  const allowed = new Set(app.config.api.corsOrigins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || origin === ownOrigin(request)) return;
    if (!allowed.has(origin)) {
      throw new HttpError(
        403,
        'ORIGIN_NOT_ALLOWED',
        `Requests from pages of ${origin.slice(0, 200)} are not allowed (api.corsOrigins)`,
      );
    }
    corsHeaders(reply, origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      reply
        .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
        .header('access-control-allow-headers', `authorization, content-type, x-api-key, ${CSRF_HEADER}`)
        .header('access-control-max-age', '600');
      return reply.status(204).send();
    }
  });
}

/** The origin the request was made to, as a browser on the service's own pages would send it. */
const ownOrigin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

function corsHeaders(reply: FastifyReply, origin: string): void {
  reply
    .header('access-control-allow-origin', origin)
    .header('access-control-allow-credentials', 'true')
    .header('vary', 'Origin');
}

export default fp(browserPolicy, { name: 'browser-policy', fastify: '5.x', dependencies: ['errors'] });
