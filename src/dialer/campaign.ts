import { z } from 'zod';
import type { DialOutcome } from '../ari/dial.js';
import { hoursSchema } from '../lib/calendar.js';
import { fieldKindsSchema } from '../lib/mask.js';

/** A campaign's life: built as a draft, dialed while active, held while paused, closed when finished. */
export const CAMPAIGN_STATES = ['draft', 'active', 'paused', 'finished'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/** Which state changes a supervisor may ask for, and from where. */
export const CAMPAIGN_MOVES: Record<CampaignState, readonly CampaignState[]> = {
  draft: ['active', 'finished'],
  active: ['paused', 'finished'],
  paused: ['active', 'finished'],
  finished: [],
};

/** How a dial attempt ended on the network (from real call progress): the ARI layer's outcomes. */
export type DialOutcomeName = DialOutcome;

const code = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected lower-case letters, digits and dashes (max 40)');

const dispositionSchema = z.object({
  code,
  label: z.string().min(1).max(80),
  /** The agent spoke with the right person (contact rate). */
  contact: z.boolean().default(false),
  sale: z.boolean().default(false),
  /** The lead is done with: never dialed again by this campaign. */
  final: z.boolean().default(false),
  /** Not final: dial again after this many minutes (unless the agent gives a callback time). */
  retryAfterMin: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 90)
    .optional(),
  /** The number goes on the campaign's do-not-call list (the customer refused further calls). */
  doNotCall: z.boolean().default(false),
});
export type Disposition = z.infer<typeof dispositionSchema>;

/** Minutes before the next try after an attempt that did not reach anybody; absent: no retry. */
const retryRule = z.object({
  afterMin: z
    .number()
    .min(0)
    .max(60 * 24 * 30),
});

const DEFAULT_DISPOSITIONS: Disposition[] = [
  { code: 'sale', label: 'Sale', contact: true, sale: true, final: true, doNotCall: false },
  {
    code: 'not-interested',
    label: 'Not interested',
    contact: true,
    sale: false,
    final: true,
    doNotCall: false,
  },
  {
    code: 'refused',
    label: 'Refused, never call again',
    contact: true,
    sale: false,
    final: true,
    doNotCall: true,
  },
  {
    code: 'callback',
    label: 'Call back later',
    contact: true,
    sale: false,
    final: false,
    retryAfterMin: 60 * 24,
    doNotCall: false,
  },
  {
    code: 'no-decision',
    label: 'Spoke, no decision yet',
    contact: true,
    sale: false,
    final: false,
    retryAfterMin: 60 * 24 * 2,
    doNotCall: false,
  },
  {
    code: 'wrong-person',
    label: 'Wrong person / wrong number',
    contact: false,
    sale: false,
    final: true,
    doNotCall: false,
  },
  {
    code: 'answering-machine',
    label: 'Answering machine',
    contact: false,
    sale: false,
    final: false,
    retryAfterMin: 120,
    doNotCall: false,
  },
];

export const campaignSettingsSchema = z
  .object({
    /** Number shown to customers (E.164). */
    callerId: z.string().regex(/^\+[1-9]\d{5,14}$/, 'expected an E.164 number such as +493012345678'),
    /** Teams and agents who work the campaign (an agent of an assigned team is in; so is one listed). */
    teams: z.array(z.string().min(1)).default([]),
    agents: z.array(z.string().min(1)).default([]),
    /** Higher first when an agent could work several campaigns. */
    priority: z.number().int().min(0).max(100).default(50),
    /** When customers may be called, in their time zone. */
    window: hoursSchema,
    /** Attempts per lead, all outcomes counted. */
    maxAttempts: z.number().int().min(1).max(20).default(3),
    retry: z
      .object({
        busy: retryRule.optional(),
        'no-answer': retryRule.optional(),
        congestion: retryRule.optional(),
        failed: retryRule.optional(),
      })
      .default({ busy: { afterMin: 10 }, 'no-answer': { afterMin: 120 }, congestion: { afterMin: 5 } }),
    pacing: z
      .object({
        /** Customer calls of this campaign at once. */
        maxConcurrent: z.number().int().min(1).max(1000).default(48),
        /** Calls one agent places in a rolling hour (the last 60 minutes) for this campaign. */
        maxPerAgentHour: z.number().int().min(1).max(1000).default(60),
        /**
         * Calls the campaign places in a calendar day: from local midnight to midnight in its calling
         * window's time zone (`window.timezone`), not a rolling 24 hours.
         */
        dailyCap: z.number().int().min(1).max(1_000_000).default(10_000),
        /** How long the agent previews the lead before the timer acts. */
        previewSec: z.number().int().min(1).max(600).default(30),
        onPreviewTimeout: z.enum(['dial', 'skip']).default('dial'),
        /** Ring time before a no-answer. */
        noAnswerSec: z.number().min(1).max(120).default(25),
      })
      .prefault({}),
    dispositions: z.array(dispositionSchema).min(1).default(DEFAULT_DISPOSITIONS),
    /**
     * When the agent's wrap-up (agents.wrapUpSec, the same for every call) runs out before a disposition:
     * `keep` holds the agent in wrap-up until they give one (the agent and their team leader are told:
     * dialer.disposition-overdue), `apply` gives the attempt `disposition` (one of the campaign's, not a
     * sale: a sale needs its amount from the agent) and the agent is ready again.
     */
    wrapUp: z
      .object({
        onTimeout: z.enum(['keep', 'apply']).default('keep'),
        disposition: code.optional(),
      })
      .prefault({})
      .describe(
        'When the wrap-up (agents.wrapUpSec) runs out before the disposition: onTimeout keep (default: the ' +
          'agent stays in wrap-up until they give one; dialer.disposition-overdue tells them and their team ' +
          "leader) or apply (disposition, one of the campaign's and not a sale, settles the call)",
      ),
    /** Calls a day the campaign aims for (progress in the stats). */
    dailyTarget: z.number().int().min(0).max(1_000_000).default(4_800),
    /** Leads not used after this many days are purged. */
    leadTtlDays: z.number().int().min(1).max(3650).default(30),
    /**
     * The call script the agent reads from, shown with the preview: plain text with `{{name}}` and
     * `{{fields.<key>}}` filled in from the lead (see script.ts).
     */
    script: z.string().max(20_000).optional(),
    /**
     * What each custom field of the leads holds (phone, text, id), for masking what agents and team
     * leaders see (src/lib/mask.ts); an undeclared field is text, its phone-like runs masked.
     */
    fieldKinds: fieldKindsSchema.default({}),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.dispositions.forEach((d, i) => {
      if (seen.has(d.code))
        ctx.addIssue({
          code: 'custom',
          path: ['dispositions', i, 'code'],
          message: `duplicate code ${d.code}`,
        });
      seen.add(d.code);
    });
    const { onTimeout, disposition } = s.wrapUp;
    if (onTimeout === 'apply') {
      const applied = s.dispositions.find((d) => d.code === disposition);
      if (!applied || applied.sale)
        ctx.addIssue({
          code: 'custom',
          path: ['wrapUp', 'disposition'],
          message: applied
            ? `disposition ${applied.code} records a sale: only the agent can give it`
            : `onTimeout apply needs one of the campaign's dispositions: ${s.dispositions.map((d) => d.code).join(', ')}`,
        });
    }
  });
export type CampaignSettings = z.infer<typeof campaignSettingsSchema>;
export type CampaignSettingsInput = z.input<typeof campaignSettingsSchema>;

export const campaignIdSchema = code
  // 'global' names the global do-not-call list's scope.
  .refine((id) => id !== 'global', "'global' is reserved");

export interface Campaign {
  id: string;
  name: string;
  state: CampaignState;
  settings: CampaignSettings;
  createdAt: number;
  updatedAt: number;
}
