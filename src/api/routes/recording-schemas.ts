import { z } from 'zod';
import { purgeDueAt } from '../../recording/retention.js';
import {
  RECORDING_LAYOUTS,
  RECORDING_STATUSES,
  type RecordingRecord,
  type RetentionRules,
} from '../../store/index.js';
import { iso } from './agent-schemas.js';

/** Schemas and encoders shared by the recording, audit and QA routes. Times go out as ISO 8601. */

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** A point in time given as ISO 8601 or epoch milliseconds (query strings carry both as text). */
export const instantSchema = z
  .union([z.number().int().nonnegative(), z.string()])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 date-time or epoch milliseconds' });
      return z.NEVER;
    }
    return ms;
  })
  .describe('ISO 8601 date-time or epoch milliseconds');

/** A phone number to search by, as people write it; only its last 4 digits are kept. */
export const numberFilterSchema = z
  .string()
  // abort: an over-long value is refused before the pattern reads it.
  .max(40, { abort: true, error: 'at most 40 characters' })
  // Linear: the first class holds no digit, so the text splits one way only around its first digit.
  .regex(/^[\s()+*-]*\d[\d\s()+*-]*$/, 'expected digits')
  .describe('Matched on its last 4 digits: only those are kept');

/** False for an empty or reversed window (either end may be open); the routes answer 400 then. */
export const isWindow = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined || from < to;

export const directionSchema = z.enum(['inbound', 'outbound', 'internal']);

export const recordingSchema = z.object({
  id: z.string(),
  callId: z.string(),
  name: z.string().describe('The recording name on Asterisk'),
  direction: directionSchema,
  agentId: z.string().nullable(),
  teamId: z.string().nullable(),
  campaignId: z.string().nullable(),
  leadId: z.string().nullable(),
  numberMasked: z.string().nullable().describe('The customer number, last 4 digits only'),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
  durationSec: z.number().nullable(),
  sizeBytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  format: z.string(),
  layout: z.enum(RECORDING_LAYOUTS),
  disposition: z.string().nullable(),
  pauses: z
    .array(z.object({ from: z.number(), to: z.number() }))
    .describe('Stretches left out on request, in ms from the start'),
  legalHold: z.boolean(),
  status: z.enum(RECORDING_STATUSES),
  error: z.string().nullable(),
  storedAt: z.iso.datetime().nullable(),
  purgedAt: z.iso.datetime().nullable(),
  purgeDueAt: z.iso.datetime().nullable().describe('When retention runs out; null on legal hold or unstored'),
});

/** The file's path stays on the server. */
export const recordingBody = (
  { filePath: _, createdAt: __, ...r }: RecordingRecord,
  rules: RetentionRules,
) => ({
  ...r,
  startedAt: iso(r.startedAt),
  endedAt: isoOrNull(r.endedAt),
  storedAt: isoOrNull(r.storedAt),
  purgedAt: isoOrNull(r.purgedAt),
  purgeDueAt: isoOrNull(purgeDueAt(r, rules)),
});
