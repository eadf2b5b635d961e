import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ZodError, z } from 'zod';
import {
  CAMPAIGN_STATES,
  type Campaign,
  campaignIdSchema,
  campaignSettingsSchema,
} from '../../dialer/campaign.js';
import { CampaignError } from '../../dialer/campaigns.js';
import { DialerError } from '../../dialer/errors.js';
import { scopedRows, visibleAgent } from '../agent-scope.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
import type { DialerApiDeps } from '../types.js';
import { previewViewSchema } from './workspace-schemas.js';

const SUPERVISE = { roles: ['supervisor'] } as const;
const VIEW = { roles: ['supervisor', 'team-leader'] } as const;
const SCOPED = { roles: ['supervisor', 'team-leader', 'agent'] } as const;

const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(CAMPAIGN_STATES),
  settings: z.record(z.string(), z.unknown()).describe('The campaign settings (see POST /v1/campaigns)'),
  createdAt: z.number(),
  updatedAt: z.number(),
});
const body = (c: Campaign) => ({ ...c, settings: c.settings as unknown as Record<string, unknown> });

const idParams = z.object({ id: z.string().min(1) });

/** Whole cents: 19.99 is, 0.125 is not (floating point read with a little tolerance). */
const hasAtMostTwoDecimals = (amount: number) => Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6;

const saleSchema = z
  .strictObject({
    amount: z
      .number()
      .min(0)
      .max(1_000_000_000)
      .refine(hasAtMostTwoDecimals, 'expected at most 2 decimals')
      .describe('What the sale is worth, in the currency the center works in'),
    product: z.string().trim().min(1).max(200).describe('What was sold'),
  })
  .describe("The sale: required when the disposition's sale flag is set, refused otherwise");

/** The offer or attempt the agent's screen shows; another one current: 409 STALE_OFFER / STALE_ATTEMPT. */
const attemptIdField = z
  .string()
  .min(1)
  .max(100)
  .optional()
  .describe("The offer (attempt) the agent's screen shows; refused with 409 when it is no longer current");

const DIALER_STATUS: Record<DialerError['code'], number> = {
  NO_PREVIEW: 409,
  NOT_AWAITING_DISPOSITION: 409,
  CALL_IN_PROGRESS: 409,
  UNKNOWN_DISPOSITION: 400,
  NO_CALL: 409,
  NOT_DIALED: 409,
  SALE_REQUIRED: 400,
  SALE_NOT_ALLOWED: 400,
  STALE_OFFER: 409,
  STALE_ATTEMPT: 409,
};
const CAMPAIGN_STATUS: Record<CampaignError['code'], number> = {
  CAMPAIGN_NOT_FOUND: 404,
  CAMPAIGN_STATE: 409,
  CAMPAIGN_FINISHED: 409,
};

/** Domain errors to HTTP; anything else goes on to the one error handler. */
function mapped(err: unknown): unknown {
  if (err instanceof DialerError) return new HttpError(DIALER_STATUS[err.code], err.code, err.message);
  if (err instanceof CampaignError) return new HttpError(CAMPAIGN_STATUS[err.code], err.code, err.message);
  if (err instanceof ZodError)
    return new HttpError(
      400,
      'VALIDATION_FAILED',
      err.issues.map((i) => `settings.${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return err;
}

async function run<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapped(err);
  }
}

/** Campaigns (supervisors) and the agent's preview, disposition and do-not-call. Mounted under /v1. */
export const dialerRoutes: FastifyPluginAsyncZod<DialerApiDeps> = async (app, deps) => {
  const { campaigns, dialer, directory } = deps;

  const actor = (request: FastifyRequest) => `${request.principal!.role}:${request.principal!.name}`;

  const notFound = (id: string) => new HttpError(404, 'CAMPAIGN_NOT_FOUND', `No campaign ${id}`);

  /** The agent must exist and be in the caller's scope (an agent key: only itself). */
  const agentInScope = (request: FastifyRequest, id: string) => visibleAgent(request, directory, id);

  app.get(
    '/campaigns',
    {
      config: VIEW,
      schema: {
        tags: ['dialer'],
        summary: 'List campaigns',
        response: { 200: z.object({ campaigns: z.array(campaignSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ campaigns: campaigns.list().map(body) }),
  );

  app.post(
    '/campaigns',
    {
      config: SUPERVISE,
      schema: {
        tags: ['dialer'],
        summary: 'Create a campaign (as a draft)',
        description:
          'Settings: callerId, teams, agents, priority, window {timezone, hours[{days, from, to}], holidays}, ' +
          'maxAttempts, retry {busy|no-answer|congestion|failed: {afterMin}}, pacing {maxConcurrent, ' +
          'maxPerAgentHour, dailyCap, previewSec, onPreviewTimeout dial|skip, noAnswerSec}, dispositions ' +
          '[{code, label, contact, sale, final, retryAfterMin, doNotCall}], dailyTarget, leadTtlDays, ' +
          'script (the call script, plain text up to 20,000 characters with {{name}} and ' +
          '{{fields.<key>}} placeholders). ' +
          'dailyCap counts the calls of a calendar day in window.timezone (from local midnight, not a ' +
          'rolling 24 h); maxPerAgentHour the calls of one agent in the last hour.',
        body: z.strictObject({
          id: campaignIdSchema,
          name: z.string().trim().min(1).max(100),
          settings: campaignSettingsSchema,
        }),
        response: { 201: campaignSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const campaign = await run(() => campaigns.create(request.body, actor(request)));
      return reply.status(201).send(body(campaign));
    },
  );

  app.get(
    '/campaigns/:id',
    {
      config: VIEW,
      schema: {
        tags: ['dialer'],
        summary: 'One campaign',
        params: idParams,
        response: { 200: campaignSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const campaign = campaigns.get(request.params.id);
      if (!campaign) throw notFound(request.params.id);
      return body(campaign);
    },
  );

  app.patch(
    '/campaigns/:id',
    {
      config: SUPERVISE,
      schema: {
        tags: ['dialer'],
        summary: 'Edit a campaign (re-pace, re-assign, change the window)',
        description:
          'Top-level settings given replace the current ones (pacing, window and dispositions as a whole). ' +
          'Takes effect for the next call at once.',
        params: idParams,
        body: z.strictObject({
          name: z.string().trim().min(1).max(100).optional(),
          settings: z.record(z.string(), z.unknown()).optional(),
        }),
        response: { 200: campaignSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      body(await run(() => campaigns.update(request.params.id, request.body as never, actor(request)))),
  );

  app.post(
    '/campaigns/:id/state',
    {
      config: SUPERVISE,
      schema: {
        tags: ['dialer'],
        summary: 'Start, pause, resume or finish a campaign',
        description:
          "draft -> active <-> paused -> finished. A pause withdraws the campaign's previews and places no " +
          'new call from that moment; calls in progress finish.',
        params: idParams,
        body: z.strictObject({ state: z.enum(CAMPAIGN_STATES) }),
        response: { 200: campaignSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      body(await run(() => campaigns.setState(request.params.id, request.body.state, actor(request)))),
  );

  app.get(
    '/campaigns/:id/stats',
    {
      config: VIEW,
      schema: {
        tags: ['dialer'],
        summary: 'Live campaign statistics (today, campaign time zone)',
        description:
          "The campaign's totals; `perAgent` lists only the agents the caller may see (a team leader: its teams).",
        params: idParams,
        response: { 200: z.record(z.string(), z.unknown()), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const stats = dialer.campaignStats(request.params.id);
      if (!stats) throw notFound(request.params.id);
      return { ...stats, perAgent: scopedRows(request, directory, stats.perAgent) };
    },
  );

  // --- the agent's side ---

  app.get(
    '/agents/:id/preview',
    {
      config: SCOPED,
      schema: {
        tags: ['dialer'],
        summary: 'The lead the agent is previewing (or calling), with its history',
        description:
          'Numbers are masked: the service dials, the agent never needs the full number. `script` is the ' +
          "campaign's call script with {{name}} and {{fields.<key>}} filled in from the lead.",
        params: idParams,
        response: { 200: previewViewSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      agentInScope(request, request.params.id);
      const view = dialer.preview(request.params.id);
      if (!view) throw new HttpError(404, 'NO_PREVIEW', `Agent ${request.params.id} has no lead now`);
      return view;
    },
  );

  app.post(
    '/agents/:id/preview/accept',
    {
      config: SCOPED,
      schema: {
        tags: ['dialer'],
        summary: 'Accept the preview: the customer is dialed from the agent line',
        params: idParams,
        // No body at all (older clients) reaches the handler as null.
        body: z.strictObject({ attemptId: attemptIdField }).nullish(),
        response: { 200: previewViewSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      agentInScope(request, request.params.id);
      return run(() => dialer.accept(request.params.id, actor(request), request.body?.attemptId));
    },
  );

  app.post(
    '/agents/:id/preview/skip',
    {
      config: SCOPED,
      schema: {
        tags: ['dialer'],
        summary: 'Skip the preview: the lead goes back to the pool with the reason',
        params: idParams,
        body: z.strictObject({ reason: z.string().trim().min(1).max(200), attemptId: attemptIdField }),
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      agentInScope(request, request.params.id);
      const { reason, attemptId } = request.body;
      await run(() => dialer.skip(request.params.id, reason, actor(request), attemptId));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/agents/:id/dialer/hangup',
    {
      config: SCOPED,
      schema: {
        tags: ['dialer'],
        summary: "End the agent's customer call (the line stays up)",
        params: idParams,
        response: { 204: z.null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      agentInScope(request, request.params.id);
      await run(() => dialer.hangup(request.params.id));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/agents/:id/disposition',
    {
      config: SCOPED,
      schema: {
        tags: ['dialer'],
        summary: 'Disposition of the call just ended; the next lead follows',
        description:
          "code: one of the campaign's dispositions. callbackAt (ISO time) schedules a callback to this " +
          'agent. sale {amount, product} goes with a disposition whose sale flag is set (400 SALE_REQUIRED ' +
          'without it, 400 SALE_NOT_ALLOWED with any other). Ends after-call work.',
        params: idParams,
        body: z.strictObject({
          code: z.string().min(1).max(40),
          notes: z.string().max(2000).optional(),
          callbackAt: z.iso.datetime({ offset: true }).optional(),
          sale: saleSchema.optional(),
          attemptId: attemptIdField,
        }),
        response: {
          200: z.object({ attemptId: z.string(), leadState: z.string(), dueAt: z.number().optional() }),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      agentInScope(request, request.params.id);
      const { code, notes, callbackAt, sale, attemptId } = request.body;
      const at = callbackAt ? Date.parse(callbackAt) : undefined;
      if (at !== undefined && at < deps.now() - 60_000)
        throw new HttpError(400, 'VALIDATION_FAILED', 'callbackAt is in the past');
      return run(() =>
        dialer.dispose(request.params.id, { code, notes, callbackAt: at, sale, attemptId }, actor(request)),
      );
    },
  );

  app.post(
    '/agents/:id/dialer/dnc',
    {
      config: SCOPED,
      schema: {
        tags: ['dialer'],
        summary: "Put the current lead's number on the campaign's do-not-call list",
        params: idParams,
        body: z.strictObject({ reason: z.string().trim().min(1).max(200).default('customer asked') }),
        response: { 200: z.object({ numberMasked: z.string() }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      agentInScope(request, request.params.id);
      return run(() => dialer.markDoNotCall(request.params.id, request.body.reason, actor(request)));
    },
  );
};
