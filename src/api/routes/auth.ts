import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from '../../accounts/password.js';
import { passwordSchema } from '../../accounts/schemas.js';
import { AccountError, type AccountErrorCode, type ActiveSession } from '../../accounts/service.js';
import { ROLES } from '../../store/index.js';
import { CSRF_HEADER, SESSION_COOKIE, sessionToken, setSessionCookie } from '../plugins/auth.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
import { auditActor } from '../recording-access.js';
import type { AccountApiDeps } from '../types.js';
import { iso } from './agent-schemas.js';

const ACCOUNT_STATUS: Record<AccountErrorCode, number> = {
  ACCOUNT_NOT_FOUND: 404,
  ACCOUNT_EXISTS: 409,
  AGENT_REQUIRED: 400,
  UNKNOWN_AGENT: 400,
  WEAK_PASSWORD: 400,
  SIGN_IN_FAILED: 401,
  ACCOUNT_DISABLED: 403,
  TOO_MANY_ATTEMPTS: 429,
  WRONG_PASSWORD: 400,
};

/** Runs the account service's work, answering its refusals with their status (and Retry-After for 429). */
export async function accountWork<T>(reply: FastifyReply, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof AccountError)) throw err;
    if (err.retryAfterMs !== undefined)
      reply.header('retry-after', String(Math.ceil(err.retryAfterMs / 1000)));
    throw new HttpError(ACCOUNT_STATUS[err.code], err.code, err.message);
  }
}

export const roleSchema = z.enum(ROLES);

const sessionSchema = z.object({
  accountId: z.string(),
  username: z.string(),
  role: roleSchema,
  agentId: z.string().nullable().describe('The agent the person is: an agent sees and acts for it only'),
  mustChangePassword: z
    .boolean()
    .describe('Until changed (POST /v1/auth/password), every other route but these answers 403'),
  csrfToken: z.string().describe(`Send it as ${CSRF_HEADER} on every POST, PUT, PATCH and DELETE`),
  createdAt: z.iso.datetime().describe('Signed in at'),
  idleExpiresAt: z.iso.datetime().describe('Ends then unless used before; each request moves it on'),
  expiresAt: z.iso.datetime().describe('Ends then however busy'),
});

const sessionBody = (s: ActiveSession) => ({
  accountId: s.accountId,
  username: s.username,
  role: s.role,
  agentId: s.agentId,
  mustChangePassword: s.mustChangePassword,
  csrfToken: s.csrfToken,
  createdAt: iso(s.createdAt),
  idleExpiresAt: iso(s.idleExpiresAt),
  expiresAt: iso(s.expiresAt),
});

/** Reached by a person who must change their password too. Any role. */
const SESSION_ROUTE = { beforePasswordChange: true } as const;

/** The request's session: these routes are a person's, not an API key's. */
function ownSession(request: FastifyRequest): ActiveSession {
  if (!request.session) {
    throw new HttpError(
      400,
      'NO_SESSION',
      'This request came with an API key: only a signed-in person has a session',
    );
  }
  return request.session;
}

/** Sign-in, sign-out, the session, the person's own password. Mounted under /v1/auth. */
export const authRoutes: FastifyPluginAsyncZod<AccountApiDeps> = async (app, { accounts }) => {
  app.post(
    '/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in',
        description:
          `Checks the username and password and starts a session: the ${SESSION_COOKIE} cookie (httpOnly, ` +
          'SameSite=Strict, Secure over https) and, in the answer, the CSRF token. A wrong password and an ' +
          'unknown username get the same 401 SIGN_IN_FAILED; repeated failures (per username and per ' +
          'address) are refused for a while with 429 TOO_MANY_ATTEMPTS and Retry-After; 403 ' +
          'ACCOUNT_DISABLED comes only with the right password. A session cookie sent along is ended.',
        security: [],
        body: z.object({
          username: z.string().min(1).max(200),
          password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
        }),
        response: { 200: sessionSchema, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const { token, session } = await accountWork(reply, () =>
        accounts.signIn({ ...request.body, address: request.ip }),
      );
      const replaced = sessionToken(request);
      if (replaced !== undefined) accounts.signOutToken(replaced);
      setSessionCookie(request, reply, { token, maxAgeMs: session.expiresAt - session.createdAt });
      return reply.header('cache-control', 'no-store').send(sessionBody(session));
    },
  );

  app.post(
    '/logout',
    {
      config: SESSION_ROUTE,
      schema: {
        tags: ['auth'],
        summary: 'Sign out',
        description: 'Ends this session and clears the cookie. 400 NO_SESSION with an API key.',
        response: { 204: z.null().describe('Signed out'), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      accounts.signOut(ownSession(request));
      setSessionCookie(request, reply, null);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/session',
    {
      config: SESSION_ROUTE,
      schema: {
        tags: ['auth'],
        summary: 'The signed-in person',
        description:
          'Who is signed in (role, agent), whether they must change their password, the CSRF token and ' +
          'when the session ends. 401 SESSION_EXPIRED once it has ended; 400 NO_SESSION with an API key.',
        response: { 200: sessionSchema, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) =>
      reply.header('cache-control', 'no-store').send(sessionBody(ownSession(request))),
  );

  app.post(
    '/password',
    {
      config: SESSION_ROUTE,
      schema: {
        tags: ['auth'],
        summary: 'Change my password',
        description:
          'The current password is required (a wrong one counts as a failed sign-in: 400 WRONG_PASSWORD, ' +
          'then 429). The new one must be long enough, differ from the current one and not contain the ' +
          'username (400 WEAK_PASSWORD). Ends the account’s other sessions; this one stays.',
        body: z.object({
          currentPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH),
          newPassword: passwordSchema,
        }),
        response: { 200: sessionSchema, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const { currentPassword: current, newPassword: next } = request.body;
      const session = await accountWork(reply, () =>
        accounts.changePassword(ownSession(request), { current, next }, request.ip),
      );
      return sessionBody(session);
    },
  );

  app.post(
    '/sign-out-everywhere',
    {
      config: SESSION_ROUTE,
      schema: {
        tags: ['auth'],
        summary: 'Sign out everywhere',
        description: 'Ends every session of my account, this one included, and clears the cookie.',
        response: { 200: z.object({ ended: z.number().int() }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const ended = accounts.endSessions(ownSession(request).accountId, auditActor(request)) ?? 0;
      setSessionCookie(request, reply, null);
      return { ended };
    },
  );
};
