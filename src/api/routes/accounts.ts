import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountPatchSchema, newAccountSchema, passwordSchema } from '../../accounts/schemas.js';
import type { AccountListing } from '../../store/index.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
import { auditActor } from '../recording-access.js';
import type { AccountApiDeps } from '../types.js';
import { iso } from './agent-schemas.js';
import { accountWork, roleSchema } from './auth.js';

const ADMIN = { roles: ['admin'] } as const;

const idParams = z.object({ id: z.string().min(1) });

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

const accountSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: roleSchema,
  agentId: z.string().nullable().describe('The agent the person is'),
  disabled: z.boolean(),
  disabledAt: z.iso.datetime().nullable(),
  mustChangePassword: z.boolean().describe('Must choose a new password at next sign-in'),
  passwordChangedAt: z.iso.datetime(),
  lastSignInAt: z.iso.datetime().nullable(),
  sessions: z.number().int().describe('Sessions running now'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const accountBody = (a: AccountListing) => ({
  ...a,
  disabled: a.disabledAt !== null,
  disabledAt: isoOrNull(a.disabledAt),
  passwordChangedAt: iso(a.passwordChangedAt),
  lastSignInAt: isoOrNull(a.lastSignInAt),
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt),
});

const notFound = (id: string) => new HttpError(404, 'ACCOUNT_NOT_FOUND', `No account with id ${id}`);

/** People's accounts (admin only): create, list, disable, reset a password, sign out. Mounted under /v1. */
export const accountRoutes: FastifyPluginAsyncZod<AccountApiDeps> = async (app, { accounts }) => {
  app.post(
    '/accounts',
    {
      config: ADMIN,
      schema: {
        tags: ['accounts'],
        summary: 'Create an account for a person',
        description:
          'agent and team-leader accounts name their agent (400 AGENT_REQUIRED; an unknown or inactive ' +
          'agent: 400 UNKNOWN_AGENT). The password must be long enough and not contain the username ' +
          '(400 WEAK_PASSWORD). 409 ACCOUNT_EXISTS if the username is taken.',
        body: newAccountSchema,
        response: { 201: accountSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const account = await accountWork(reply, () => accounts.create(request.body, auditActor(request)));
      return reply.status(201).send(accountBody(account));
    },
  );

  app.get(
    '/accounts',
    {
      config: ADMIN,
      schema: {
        tags: ['accounts'],
        summary: 'List accounts',
        description: 'Every account, disabled ones included, by username. Never a password.',
        response: { 200: z.object({ accounts: z.array(accountSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ accounts: accounts.list().map(accountBody) }),
  );

  app.get(
    '/accounts/:id',
    {
      config: ADMIN,
      schema: {
        tags: ['accounts'],
        summary: 'One account',
        params: idParams,
        response: { 200: accountSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const account = accounts.get(request.params.id);
      if (!account) throw notFound(request.params.id);
      return accountBody(account);
    },
  );

  app.patch(
    '/accounts/:id',
    {
      config: ADMIN,
      schema: {
        tags: ['accounts'],
        summary: 'Disable, enable or change an account',
        description:
          'Only the fields given change. `disabled: true` ends every session of the account at once; a new ' +
          'role or agent applies from the next request.',
        params: idParams,
        body: accountPatchSchema,
        response: { 200: accountSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const account = await accountWork(reply, () => accounts.update(id, request.body, auditActor(request)));
      if (!account) throw notFound(id);
      return accountBody(account);
    },
  );

  app.post(
    '/accounts/:id/password',
    {
      config: ADMIN,
      schema: {
        tags: ['accounts'],
        summary: 'Reset a password',
        description:
          'Sets a password the person must change at next sign-in, and ends every session of the account. ' +
          '400 WEAK_PASSWORD as for a new account.',
        params: idParams,
        body: z.object({ password: passwordSchema }),
        response: { 204: z.null().describe('Reset'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const reset = await accountWork(reply, () =>
        accounts.resetPassword(id, request.body.password, auditActor(request)),
      );
      if (!reset) throw notFound(id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/accounts/:id/sign-out',
    {
      config: ADMIN,
      schema: {
        tags: ['accounts'],
        summary: 'Sign an account out everywhere',
        description: 'Ends every session of the account at once (its open event streams too).',
        params: idParams,
        response: { 200: z.object({ ended: z.number().int() }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const ended = accounts.endSessions(id, auditActor(request));
      if (ended === null) throw notFound(id);
      return { ended };
    },
  );
};
