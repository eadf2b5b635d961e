import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type SessionCheck, sessionCaller } from '../../accounts/service.js';
import { secretsEqual } from '../../lib/secrets.js';
import type { ApiKeyIdentity } from '../../store/index.js';
import { agentScopeFor } from '../agent-scope.js';
import { exposureFor, isLoopback } from '../exposure.js';
import type { Principal } from '../types.js';
import { HttpError, routeNotFound } from './errors.js';

export interface AuthOptions {
  /** ADMIN_API_KEY: accepted as an admin key besides the stored keys. */
  bootstrapKey?: string;
  /** The stored keys and the counters of invalid ones (ApiKeyService). */
  keys: {
    verify(key: string): ApiKeyIdentity | null;
    waitMs(key: string, address: string): number;
    failed(key: string, address: string): number;
    /** Whether the key (by id) is still accepted: its open streams end when it is not. */
    isLive(keyId: string): boolean;
  };
  /**
   * Subscribes to changes that may stop keys being accepted (a key revoked, an agent deactivated): the
   * open streams of such keys are then ended.
   */
  credentialsChanged?: (listener: () => void) => () => void;
  /** The teams an agent leads (teamsLedBy in src/agents/roster.ts): a team-leader key's scope. */
  teamsLedBy: (agentId: string) => readonly string[];
  /** People's sessions (AccountService); without them only API keys authenticate. */
  sessions?: {
    authenticate(token: string): SessionCheck;
    onSessionsEnded(listener: (sessionIds: readonly string[]) => void): () => void;
  };
}

/** The session cookie: a random token, of which the store keeps only the hash. */
export const SESSION_COOKIE = 'cc_session';

/** The header that carries the session's CSRF token on every mutating request made with the cookie. */
export const CSRF_HEADER = 'x-csrf-token';

/** Requests that change something: with the cookie, they need the CSRF token. */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The session cookie's token, if the request has one. */
export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * Sets the session cookie (`token`, for `maxAgeMs`) or, with token null, clears it. httpOnly (no script
 * reads it), SameSite=Strict (no other site's page sends it), Secure when the request came over https or
 * auth.secureCookie says so.
 */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  session: { token: string; maxAgeMs: number } | null,
): void {
  const secure = request.server.config.auth.secureCookie || request.protocol === 'https';
  const value = session?.token ?? '';
  const maxAge = session ? Math.max(0, Math.floor(session.maxAgeMs / 1000)) : 0;
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`,
  );
}

/** Shorter bootstrap keys are refused: the key grants admin and cannot be revoked. */
const MIN_BOOTSTRAP_KEY_LENGTH = 32;

const BOOTSTRAP_PRINCIPAL: Principal = {
  keyId: 'bootstrap',
  name: 'ADMIN_API_KEY',
  role: 'admin',
  agentId: null,
};

/** The caller as logs and agent state changes name it: the key's name and id (a person: username, account). */
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
 * Sets the caller (request.principal) and the agents it may see (request.agentScope). The caller is an
 * API key, or, without one, a person's session cookie: then a mutating request must carry the session's
 * CSRF token, and a person who must change their password may only reach the routes marked
 * beforePasswordChange. Both make the same Principal, so every role and scope check treats them alike.
 */
async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  let bootstrapKey = options.bootstrapKey;
  if (bootstrapKey !== undefined && bootstrapKey.length < MIN_BOOTSTRAP_KEY_LENGTH) {
    app.log.warn(`ADMIN_API_KEY ignored: it must be at least ${MIN_BOOTSTRAP_KEY_LENGTH} characters`);
    bootstrapKey = undefined;
  }

  /**
   * The key's principal, or null for an invalid key, counted against the client's address and the key's
   * prefix; too many of those answer 429 with Retry-After for a while, valid key or not.
   */
  const authenticate = (key: string, request: FastifyRequest, reply: FastifyReply): Principal | null => {
    const address = request.ip;
    const wait = options.keys.waitMs(key, address);
    if (wait > 0) throw tooManyAttempts(reply, wait);
    if (bootstrapKey !== undefined && secretsEqual(key, bootstrapKey)) return BOOTSTRAP_PRINCIPAL;
    const identity = options.keys.verify(key);
    if (!identity) {
      const lockedFor = options.keys.failed(key, address);
      if (lockedFor > 0) throw tooManyAttempts(reply, lockedFor);
      return null;
    }
    return { keyId: identity.id, name: identity.name, role: identity.role, agentId: identity.agentId };
  };

  app.decorateRequest('principal', null);
  app.decorateRequest('agentScope', null);
  app.decorateRequest('session', null);

  const { sessions, keys } = options;
  /**
   * Responses streaming to a credential (the live events, a recording), by `session:<id>` or `key:<id>`:
   * ended when the session ends or the key stops being accepted (revoked, its agent deactivated), so it
   * stops at once. A stream we write (the events' PassThrough) is ended cleanly, so the client sees the
   * end and reconnects, to a 401; a file being read is cut.
   */
  const streaming = new Map<string, Set<() => void>>();
  const endStreams = (credential: string) => {
    for (const end of streaming.get(credential) ?? []) end();
    streaming.delete(credential);
  };
  const stops: (() => void)[] = [];
  if (sessions) {
    stops.push(
      sessions.onSessionsEnded((ids) => {
        for (const id of ids) endStreams(`session:${id}`);
      }),
    );
  }
  if (options.credentialsChanged) {
    stops.push(
      options.credentialsChanged(() => {
        for (const credential of [...streaming.keys()]) {
          if (credential.startsWith('key:') && !keys.isLive(credential.slice(4))) endStreams(credential);
        }
      }),
    );
  }
  app.addHook('onClose', async () => {
    for (const stop of stops) stop();
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const credential = streamCredential(request);
    if (credential === null || !isStream(payload)) return payload;
    const end = () => (isWritable(payload) ? payload.end() : reply.raw.destroy());
    const ends = streaming.get(credential) ?? new Set();
    streaming.set(credential, ends.add(end));
    reply.raw.once('close', () => {
      ends.delete(end);
      if (ends.size === 0 && streaming.get(credential) === ends) streaming.delete(credential);
    });
    return payload;
  });

  /** The person behind the session cookie, or a 401/403 (ended session, missing CSRF token). */
  const sessionPrincipal = (request: FastifyRequest, reply: FastifyReply, token: string): Principal => {
    const check = sessions!.authenticate(token);
    if (!check.ok) {
      setSessionCookie(request, reply, null);
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(401, 'SESSION_EXPIRED', SESSION_ENDED[check.reason]);
    }
    const { session } = check;
    if (MUTATING.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || sent === '') {
        throw new HttpError(
          403,
          'CSRF_TOKEN_MISSING',
          `A request made with the session cookie needs the ${CSRF_HEADER} header (GET /v1/auth/session gives the token)`,
        );
      }
      if (!secretsEqual(sent, session.csrfToken)) {
        throw new HttpError(
          403,
          'CSRF_TOKEN_INVALID',
          `The ${CSRF_HEADER} header does not match the session`,
        );
      }
    }
    if (session.mustChangePassword && !request.routeOptions.config.beforePasswordChange) {
      throw new HttpError(
        403,
        'PASSWORD_CHANGE_REQUIRED',
        'Choose a new password first (POST /v1/auth/password)',
      );
    }
    request.session = session;
    return sessionCaller(session);
  };

  app.addHook('onRequest', async (request, reply) => {
    const { public: isPublic, roles, exposure } = request.routeOptions.config;
    // Unknown routes answer 404 whoever asks; the route list is public in /docs anyway.
    if (isPublic || request.is404) return;
    if (exposure) {
      const reach = exposureFor(request.server.config.api[exposure], isLoopback(request.ip));
      if (reach === 'hidden') throw routeNotFound(request);
      if (reach === 'open') return;
    }

    // An API key, when one is sent, decides alone: a cookie beside it is not looked at.
    const key = presentedKey(request);
    const token = key === undefined && sessions ? sessionToken(request) : undefined;
    const principal =
      token !== undefined
        ? sessionPrincipal(request, reply, token)
        : key === undefined
          ? null
          : authenticate(key, request, reply);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(
        401,
        'UNAUTHENTICATED',
        key === undefined
          ? 'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>' +
              (sessions ? ', or sign in (POST /v1/auth/login)' : '')
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

/** A 429 with Retry-After (whole seconds, rounded up). */
function tooManyAttempts(reply: FastifyReply, waitMs: number): HttpError {
  reply.header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
  return new HttpError(429, 'TOO_MANY_ATTEMPTS', 'Too many invalid API keys: wait before trying again');
}

const isStream = (payload: unknown): payload is { pipe: unknown } =>
  typeof (payload as { pipe?: unknown } | null)?.pipe === 'function';
const isWritable = (payload: unknown): payload is { end(): void } =>
  typeof (payload as { end?: unknown }).end === 'function';

/** What a person whose session cookie is refused is told. */
const SESSION_ENDED: Record<Exclude<SessionCheck, { ok: true }>['reason'], string> = {
  unknown: 'The session has ended (signed out, or replaced): sign in again',
  idle: 'The session ended after a time without use: sign in again',
  expired: 'The session reached its time limit: sign in again',
  disabled: 'The account is disabled: the session has ended',
};

export default fp(authPlugin, {
  name: 'auth',
  fastify: '5.x',
  dependencies: ['errors'],
});

/** The credential a streamed answer is tied to: the session, or a stored key (the bootstrap key never ends). */
function streamCredential(request: FastifyRequest): string | null {
  if (request.session) return `session:${request.session.id}`;
  const keyId = request.principal?.keyId;
  return keyId === undefined || keyId === BOOTSTRAP_PRINCIPAL.keyId ? null : `key:${keyId}`;
}
