import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hoursSchema } from '../../lib/calendar.js';
import { maskNumber } from '../../lib/mask.js';
import { SmsError, type SmsErrorCode } from '../../sms/service.js';
import { SMS_STATES } from '../../sms/state.js';
import { TEMPLATE_MAX_CHARS } from '../../sms/template.js';
import { SMS_CAMPAIGN_STATES, type SmsCampaignRecord, type SmsMessageRecord } from '../../store/index.js';
import { domainErrors, errorResponses, HttpError } from '../plugins/errors.js';
import type { Principal, SmsApiDeps } from '../types.js';
import { csvBodySchema, csvInput } from './leads.js';

const TAGS = ['sms'];
/** A recipients file: numbers and fields, far smaller than a lead list. */
const CSV_MAX_BYTES = 50 * 1024 * 1024;
const SUPERVISORS = { roles: ['supervisor'] } as const;
/** Agents send set templates to the lead of their call (a confirmation after a sale); so may their leaders. */
const SENDERS = { roles: ['supervisor', 'team-leader', 'agent'] } as const;

const smsErrors = domainErrors<SmsErrorCode>(SmsError, {
  'not-found': 404,
  invalid: 400,
  conflict: 409,
  refused: 403,
  'too-large': 413,
});

const idParams = z.object({ id: z.string().min(1).max(64) });
const page = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
};
const template = z.string().trim().min(1).max(TEMPLATE_MAX_CHARS);
const fields = z.record(z.string().max(64), z.string().max(500));

const recipientSource = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('leads'),
    campaignId: z.string().min(1).describe("A dialer campaign: its leads' numbers, names and fields"),
    importId: z.string().min(1).optional().describe('Only the leads of this import (one lead list)'),
  }),
  z.object({
    kind: z.literal('numbers'),
    recipients: z
      .array(
        z.object({
          phone: z.string().min(1).max(40),
          name: z.string().max(100).optional(),
          fields: fields.optional(),
        }),
      )
      .min(1)
      .max(10_000)
      .describe('Listed numbers (e.g. the result of a customer search), each with its fields'),
  }),
]);

const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.string(),
  template: z.string(),
  state: z.enum(SMS_CAMPAIGN_STATES),
  sendWindow: hoursSchema.nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const countsSchema = z.object(
  Object.fromEntries(SMS_STATES.map((s) => [s, z.number()])) as Record<
    (typeof SMS_STATES)[number],
    z.ZodNumber
  >,
);
const reportSchema = z.object({
  added: z.number(),
  rejected: z.number(),
  errors: z.array(z.object({ row: z.number(), reason: z.string() })),
});
const messageSchema = z.object({
  id: z.string(),
  campaignId: z.string().nullable(),
  leadId: z.string().nullable(),
  numberMasked: z.string(),
  text: z.string(),
  provider: z.string(),
  state: z.enum(SMS_STATES),
  attempts: z.number(),
  providerId: z.string().nullable(),
  error: z
    .string()
    .nullable()
    .describe('The last error code, or why it was skipped (dnc, opted-out, daily-cap)'),
  createdAt: z.string(),
  submittedAt: z.string().nullable(),
  doneAt: z.string().nullable(),
});

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function campaignView(c: SmsCampaignRecord): z.infer<typeof campaignSchema> {
  return {
    id: c.id,
    name: c.name,
    provider: c.provider,
    template: c.template,
    state: c.state,
    sendWindow: c.sendWindow ? hoursSchema.parse(JSON.parse(c.sendWindow)) : null,
    createdBy: c.createdBy,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

/** A message as answered: the number masked (the full number stays with the lead or the list). */
function messageView(m: SmsMessageRecord): z.infer<typeof messageSchema> {
  return {
    id: m.id,
    campaignId: m.campaignId,
    leadId: m.leadId,
    numberMasked: maskNumber(m.phone),
    text: m.text,
    provider: m.provider,
    state: m.state,
    attempts: m.attempts,
    providerId: m.providerId,
    error: m.error,
    createdAt: iso(m.createdAt),
    submittedAt: isoOrNull(m.submittedAt),
    doneAt: isoOrNull(m.doneAt),
  };
}

/** The agent a caller acts as: an agent's key or account; anyone else has none here (403). */
function actingAgent(principal: Principal): string {
  if (principal.agentId === null)
    throw new HttpError(
      403,
      'FORBIDDEN',
      'Only an agent sends the agent templates, to the lead of their call',
    );
  return principal.agentId;
}

/** Bulk SMS campaigns, single messages and SMS opt-outs. Mounted under /v1. */
export const smsRoutes: FastifyPluginAsyncZod<SmsApiDeps> = async (app, { sms }) => {
  app.post(
    '/sms/campaigns',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'Create an SMS campaign (draft), optionally with its recipients',
        description:
          'The template may name `{{name}}`, `{{phone}}` and `{{fields.<key>}}`; anything else is refused ' +
          '(400). A recipient without a field the template names, or without a valid number, is reported ' +
          'and not added. Consent (do-not-call list, SMS opt-outs) and the daily cap are checked when each ' +
          'message is sent. Supervisors.',
        body: z.object({
          name: z.string().trim().min(1).max(100),
          template,
          provider: z.string().min(1).max(32).optional(),
          sendWindow: hoursSchema.optional().describe('When messages may go out; absent: any time'),
          recipients: recipientSource.optional(),
        }),
        response: {
          201: z.object({ campaign: campaignSchema, recipients: reportSchema.nullable() }),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const by = request.principal!.name;
      const { recipients, ...input } = request.body;
      const result = await smsErrors(() => {
        const campaign = sms.createCampaign({ ...input, by });
        const report = recipients ? sms.addRecipients(campaign.id, recipients, by) : null;
        return { campaign: campaignView(campaign), recipients: report };
      });
      return reply.code(201).send(result);
    },
  );

  app.get(
    '/sms/campaigns',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'SMS campaigns, newest first',
        querystring: z.object(page),
        response: { 200: z.object({ campaigns: z.array(campaignSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      campaigns: sms.campaigns(request.query.limit, request.query.offset).map(campaignView),
    }),
  );

  app.get(
    '/sms/campaigns/:id',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'An SMS campaign and its messages counted by state',
        params: idParams,
        response: {
          200: z.object({ campaign: campaignSchema, counts: countsSchema }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) =>
      smsErrors(() => ({
        campaign: campaignView(sms.campaign(request.params.id)),
        counts: sms.counts(request.params.id),
      })),
  );

  app.post(
    '/sms/campaigns/:id/recipients',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'Add recipients to a draft or paused SMS campaign',
        params: idParams,
        body: recipientSource,
        response: { 200: reportSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      smsErrors(() => sms.addRecipients(request.params.id, request.body, request.principal!.name)),
  );

  // CSV bodies are passed on as the raw stream (as the lead import does), read as they arrive.
  app.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));

  app.post(
    '/sms/campaigns/:id/recipients/csv',
    {
      config: { ...SUPERVISORS, rateLimit: 'import' },
      schema: {
        tags: TAGS,
        summary: 'Add recipients to a draft or paused SMS campaign from a CSV file',
        description:
          'The body is the CSV file (text/csv, UTF-8), streamed, header row first: the number in the ' +
          'column named by `phone`, the name in a column `name`, every other column a field the ' +
          'template may name (`{{fields.<column>}}`). Rows without a valid number or a named field are ' +
          'reported, not added. Up to 50 MB.',
        params: idParams,
        querystring: z.object({ phone: z.string().trim().min(1).max(100).default('phone') }),
        consumes: ['text/csv'],
        body: csvBodySchema,
        response: { 200: reportSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) =>
      smsErrors(() =>
        sms.addRecipientsCsv(request.params.id, csvInput(request, CSV_MAX_BYTES), {
          by: request.principal!.name,
          phoneColumn: request.query.phone,
          maxBytes: CSV_MAX_BYTES,
        }),
      ),
  );

  for (const action of ['start', 'pause'] as const) {
    app.post(
      `/sms/campaigns/:id/${action}`,
      {
        config: SUPERVISORS,
        schema: {
          tags: TAGS,
          summary:
            action === 'start'
              ? 'Start (or resume) an SMS campaign: its queued messages go out at the provider’s rate'
              : 'Pause an SMS campaign: queued messages wait; those already submitted get their receipts',
          params: idParams,
          response: { 200: campaignSchema, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request) =>
        smsErrors(async () =>
          campaignView(
            action === 'start'
              ? await sms.startCampaign(request.params.id)
              : sms.pauseCampaign(request.params.id),
          ),
        ),
    );
  }

  app.get(
    '/sms/campaigns/:id/messages',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: "An SMS campaign's messages",
        params: idParams,
        querystring: z.object({ state: z.enum(SMS_STATES).optional(), ...page }),
        response: {
          200: z.object({ messages: z.array(messageSchema) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      smsErrors(() => ({
        messages: sms.messages({ campaignId: request.params.id, ...request.query }).map(messageView),
      })),
  );

  app.post(
    '/sms/messages',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'Send one SMS from a template to a lead or a number',
        description:
          'Any template, to any lead or number: supervisors (agents send set templates to the lead of ' +
          'their call: POST /v1/sms/agent-messages). Either `leadId` (its number, name and fields, ' +
          '`fields` adding to them) or `phone`. Queued at once; consent and the daily cap are checked ' +
          'when it is sent.',
        body: z
          .object({
            template,
            leadId: z.string().min(1).max(64).optional(),
            phone: z.string().min(1).max(40).optional(),
            name: z.string().max(100).optional(),
            fields: fields.optional(),
            provider: z.string().min(1).max(32).optional(),
          })
          .refine((b) => (b.leadId === undefined) !== (b.phone === undefined), {
            message: 'expected exactly one of leadId and phone',
          }),
        response: { 202: messageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const message = await smsErrors(() => sms.sendSingle({ ...request.body, by: request.principal!.name }));
      return reply.code(202).send(messageView(message));
    },
  );

  app.get(
    '/sms/agent-templates',
    {
      config: SENDERS,
      schema: {
        tags: TAGS,
        summary: "The templates an agent may send to the lead of their call (config's sms.agentTemplates)",
        description:
          'Placeholders are filled by the service: `{{name}}`, `{{fields.<key>}}` from the lead, and the ' +
          "call's sale as `{{fields.saleProduct}}` and `{{fields.saleAmount}}` (yuan, two decimals).",
        response: {
          200: z.object({
            templates: z.array(z.object({ id: z.string(), label: z.string(), text: z.string() })),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ templates: [...sms.agentTemplates] }),
  );

  app.post(
    '/sms/agent-messages',
    {
      config: SENDERS,
      schema: {
        tags: TAGS,
        summary: 'Send one of the agent templates to the lead of the caller’s current or last call',
        description:
          'The caller acts as its own agent (an agent key or an agent’s account): the lead must be the ' +
          'one that agent called last (403 otherwise); the text is the template filled by the service, ' +
          'the number the lead’s, neither given here. The message’s states follow as `sms.message` ' +
          'events to that agent’s stream.',
        body: z.object({
          templateId: z.string().min(1).max(32),
          leadId: z.string().min(1).max(64),
        }),
        response: { 202: messageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const agentId = actingAgent(request.principal!);
      const message = await smsErrors(() =>
        sms.sendForAgent({ ...request.body, agentId, by: request.principal!.name }),
      );
      return reply.code(202).send(messageView(message));
    },
  );

  app.get(
    '/sms/messages/:id',
    {
      config: SENDERS,
      schema: {
        tags: TAGS,
        summary: 'One SMS message and its state',
        description: 'Supervisors any; an agent (or team leader) those to the leads their agent called last.',
        params: idParams,
        response: { 200: messageSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) =>
      smsErrors(() => {
        const message = sms.message(request.params.id);
        if (request.agentScope !== null) {
          const agentId = actingAgent(request.principal!);
          if (!sms.agentsOfLead(message.leadId).includes(agentId))
            throw new HttpError(403, 'FORBIDDEN', 'Not a message to a lead of yours');
        }
        return messageView(message);
      }),
  );

  app.post(
    '/sms/messages/:id/resolve',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary:
          'Decide on an unconfirmed message (a crash or a lost answer left it unknown whether it went out)',
        description:
          '`resend` after checking with the provider that it never went out; `give-up` marks it failed. ' +
          'Any other state: 409.',
        params: idParams,
        body: z.object({ action: z.enum(['resend', 'give-up']) }),
        response: { 200: messageSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      smsErrors(async () =>
        messageView(await sms.resolveUnconfirmed(request.params.id, request.body.action)),
      ),
  );

  app.get(
    '/sms/opt-outs',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'Numbers that opted out of SMS (a "TD" / "退订" / "STOP" reply, or added by hand)',
        querystring: z.object(page),
        response: {
          200: z.object({
            optOuts: z.array(z.object({ phone: z.string(), source: z.string(), at: z.string() })),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => ({
      optOuts: sms
        .optOuts(request.query.limit, request.query.offset)
        .map((o) => ({ phone: o.phone, source: o.source, at: iso(o.at) })),
    }),
  );

  app.post(
    '/sms/opt-outs',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'Opt a number out of SMS (calls are not affected: the do-not-call list is for those)',
        body: z.object({ phone: z.string().min(1).max(40) }),
        response: {
          200: z.object({ phone: z.string(), added: z.boolean() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => smsErrors(() => sms.optOut(request.body.phone, `by ${request.principal!.name}`)),
  );

  app.delete(
    '/sms/opt-outs/:phone',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'Take a number off the SMS opt-outs (it consented again)',
        params: z.object({ phone: z.string().min(1).max(40) }),
        response: { 200: z.object({ removed: z.boolean() }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ removed: sms.removeOptOut(request.params.phone) }),
  );
};
