import { z } from 'zod';
import { OFFER_STATES } from '../../dialer/offer-state.js';
import { LEAD_STATES } from '../../store/index.js';
import { agentViewSchema } from './agent-schemas.js';
import { currentCallSchema } from './calls.js';

/** Answer schemas of the agent's workspace (workspace.ts): the preview, the first screen and its parts. */

/** The lead the agent previews or calls (GET /v1/agents/{id}/preview, and in the workspace). */
export const previewViewSchema = z.object({
  attemptId: z.string(),
  campaignId: z.string(),
  campaignName: z.string(),
  phase: z
    .enum(OFFER_STATES)
    .describe("The offer's state: preview, waiting-channel, dialing, connected, ended"),
  lead: z.object({
    id: z.string(),
    name: z.string().nullable(),
    numberMasked: z.string(),
    fields: z.record(z.string(), z.string()),
    attempts: z.number().int(),
    state: z.enum(LEAD_STATES),
    lastOutcome: z.string().nullable(),
    lastDisposition: z.string().nullable(),
  }),
  history: z.array(
    z.object({
      at: z.number(),
      agentId: z.string(),
      outcome: z.string().nullable(),
      disposition: z.string().nullable(),
      notes: z.string().nullable(),
    }),
  ),
  previewEndsAt: z.number().optional().describe('When the preview timer acts (epoch ms), while previewing'),
  onPreviewTimeout: z.enum(['dial', 'skip']),
  dispositions: z.array(
    z.object({
      code: z.string(),
      label: z.string(),
      sale: z.boolean().describe('The disposition records a sale: `sale: {amount, product}` is required'),
    }),
  ),
  script: z
    .string()
    .nullable()
    .describe(
      "The campaign's call script with the lead's name and fields filled in (phone-like values masked); " +
        'plain text, to be shown as text. Null: the campaign has none',
    ),
});

export const callbackSchema = z.object({
  leadId: z.string(),
  campaignId: z.string(),
  campaignName: z.string(),
  name: z.string().nullable(),
  numberMasked: z.string(),
  dueAt: z.number(),
  notes: z.string().nullable().describe('The notes of the disposition that promised it'),
});

export const callbacksSchema = z.object({
  overdue: z.array(callbackSchema).describe('Due before now, soonest first'),
  today: z.array(callbackSchema).describe("Due from now to the end of the center's day, soonest first"),
});

export const todayStatsSchema = z.object({
  calls: z.number().int().describe('Customer calls dialed and hotline calls taken'),
  contacts: z.number().int().describe('Dialer calls with a contact disposition, and hotline calls taken'),
  talkSec: z.number().int(),
  sales: z.number().int().describe('Dialer calls with a sale disposition'),
  salesAmount: z.number().describe('What the recorded sales are worth'),
});

export const recentCallSchema = z.object({
  id: z.string().describe('The dial attempt, or the hotline call'),
  kind: z.enum(['dialer', 'hotline']),
  at: z.number().describe('Dialed, or taken by the agent'),
  numberMasked: z.string(),
  name: z.string().nullable(),
  campaignId: z.string().nullable(),
  outcome: z.string().nullable().describe('answered, busy, no-answer...; null while the call is on'),
  disposition: z.string().nullable(),
  talkSec: z.number().int(),
});

export const notReadyReasonSchema = z.object({
  code: z.string(),
  label: z.object({ 'zh-CN': z.string(), en: z.string() }),
  selectable: z.boolean().describe("False for the service's own reasons: shown, never chosen"),
});

export const hotlineOfferSchema = z.object({
  callId: z.string(),
  callerMasked: z.string(),
  waitedSec: z.number().int().describe('From entering the queue to now, or to the answer'),
  ivrPath: z
    .array(
      z.object({
        node: z.string(),
        at: z.number(),
        keys: z.string().nullable().describe('Menu keys pressed there; collected digits are never kept'),
      }),
    )
    .describe('The IVR nodes the caller went through, in order'),
  earlierCalls: z
    .array(
      z.object({
        at: z.number(),
        agentId: z.string().nullable(),
        outcome: z
          .string()
          .describe("The hotline's outcome (answered, abandoned...), else the IVR's, else ended"),
        talkSec: z.number().int(),
      }),
    )
    .describe('The same caller before this call (recognised by a keyed hash of the number), newest first'),
});

export const workspaceSchema = z.object({
  agent: agentViewSchema.describe('As GET /v1/agents/{id}'),
  preview: previewViewSchema.nullable().describe('As GET /v1/agents/{id}/preview; null without a lead'),
  call: currentCallSchema.nullable().describe('The call the agent is on; null without one'),
  notReadyReasons: z
    .array(notReadyReasonSchema)
    .describe("The center's reasons (selectable), then the service's own"),
  wrapUpEndsAt: z.number().nullable().describe('When timed after-call work ends, while in wrap-up'),
  today: todayStatsSchema,
  callbacks: callbacksSchema,
  recentCalls: z.array(recentCallSchema).describe('Newest first, at most 20'),
});
