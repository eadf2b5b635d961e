import { z } from 'zod';
import { OFFER_STATES } from '../../dialer/offer-state.js';
import { LEAD_STATES } from '../../store/index.js';

/** Answer schemas of the agent's workspace: the preview, and (workspace.ts) the rest of the first screen. */

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
