import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { secretsEqual } from '../../lib/secrets.js';
import type { ApiKeyIdentity } from '../../store/index.js';
import { agentScopeFor } from '../agent-scope.js';
import type { Principal } from '../types.js';
import { HttpError } from './errors.js';

export interface AuthOptions {
  /** ADMIN_API_KEY: accepted as an admin key besides the stored keys. */
  bootstrapKey?: string;
  /** The stored keys (ApiKeyService). */
  keys: { verify(key: string): ApiKeyIdentity | null };
  /** The teams an agent leads (teamsLedBy in src/agents/roster.ts): a team-leader key's scope. */
  teamsLedBy: (agentId: string) => readonly string[];
}

/** Shorter bootstrap keys are refused: the key grants admin and cannot be revoked. */
const MIN_BOOTSTRAP_KEY_LENGTH = 32;

const BOOTSTRAP_PRINCIPAL: Principal = {
  keyId: 'bootstrap',
  name: 'ADMIN_API_KEY',
  role: 'admin',
  agentId: null,
};

/** The caller as logs and agent state changes name it: the key's name and id. */
export function callerName(request: FastifyRequest): string {
  return `${request.principal!.name} (${request.principal!.keyId})`;
}

/** The key from `Authorization: Bearer <key>` or, failing that, `X-API-Key: <key>`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const { authorization, 'x-api-key': apiKey } = request.headers;
  if (authorization) return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  return typeof apiKey === 'string' ? apiKey.trim() || undefined : undefined;
}

/**
 * Authenticates every route unless its config says `public: true`, and enforces its `roles` (admin is
 * always allowed). Runs at onRequest, before the body is parsed, so anonymous callers learn nothing more.
 * Sets the caller (request.principal) and the agents it may see (request.agentScope).
 */
async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  let bootstrapKey = options.bootstrapKey;
  if (bootstrapKey !== undefined && bootstrapKey.length < MIN_BOOTSTRAP_KEY_LENGTH) {
    app.log.warn(`ADMIN_API_KEY ignored: it must be at least ${MIN_BOOTSTRAP_KEY_LENGTH} characters`);
    bootstrapKey = undefined;
  }

  const authenticate = (key: string): Principal | null => {
    if (bootstrapKey !== undefined && secretsEqual(key, bootstrapKey)) return BOOTSTRAP_PRINCIPAL;
    const identity = options.keys.verify(key);
    return (
      identity && { keyId: identity.id, name: identity.name, role: identity.role, agentId: identity.agentId }
    );
  };

  app.decorateRequest('principal', null);
  app.decorateRequest('agentScope', null);

  app.addHook('onRequest', async (request, reply) => {
    const { public: isPublic, roles } = request.routeOptions.config;
    // Unknown routes answer 404 whoever asks; the route list is public in /docs anyway.
    if (isPublic || request.is404) return;

    const key = presentedKey(request);
    const principal = key === undefined ? null : authenticate(key);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(
        401,
        'UNAUTHENTICATED',
        key === undefined
          ? 'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>'
          : 'The API key is invalid or revoked',
      );
    }
    if (roles && principal.role !== 'admin' && !roles.includes(principal.role)) {
      const allowed = [...new Set(['admin', ...roles])].join(', ');
      throw new HttpError(403, 'FORBIDDEN', `Role ${principal.role} may not do this; allowed: ${allowed}`);
    }
    request.principal = principal;
    request.agentScope = agentScopeFor(principal, options.teamsLedBy);
  });
}

export default fp(authPlugin, {
  name: 'auth',
  fastify: '5.x',
  dependencies: ['errors'],
});
