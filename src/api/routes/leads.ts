import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_ASSIGN } from '../../leads/distribution.js';
import { DNC_REASON_CHARS } from '../../leads/dnc.js';
import { type DncList, LeadError, type LeadErrorCode } from '../../leads/service.js';
import { CSV_ENCODINGS, type CsvInput } from '../../lib/csv-source.js';
import { type ImportRecord, LEAD_STATES, type LeadPurgeRecord, type LeadRecord } from '../../store/index.js';
import { ledTeams } from '../agent-scope.js';
import { domainErrors, errorResponses, HttpError } from '../plugins/errors.js';
import type { LeadApiDeps } from '../types.js';
import { iso } from './agent-schemas.js';

const SUPERVISORS = { roles: ['supervisor'] } as const;
/** Team leaders are further limited to the teams they lead. */
const LEADERS = { roles: ['supervisor', 'team-leader'] } as const;

const TAGS = ['leads'];

const campaignParams = z.object({ id: z.string().min(1) });
const importParams = z.object({ importId: z.string().min(1) });

const DELIMITERS = { comma: ',', semicolon: ';', tab: '\t' } as const;

const csvFormatQuery = {
  delimiter: z
    .enum(['comma', 'semicolon', 'tab'])
    .default('comma')
    .describe('Cell separator (spreadsheets in many locales write semicolons)'),
  encoding: z.enum(CSV_ENCODINGS).default('utf-8'),
};

const importQuery = z.object({
  phone: z.string().trim().min(1).max(100).default('phone').describe('Header of the phone number column'),
  name: z.string().trim().min(1).max(100).optional().describe('Header of the name column'),
  fields: z
    .string()
    .trim()
    .max(4_000)
    .optional()
    .describe(
      'Custom fields: `rest` (every other column, under its header), or a comma list of `column` or ' +
        '`field=column`',
    ),
  listName: z.string().trim().min(1).max(100).optional().describe('Defaults to "import <date>"'),
  teamId: z.string().min(1).optional().describe('Give the leads to this team instead of the pool'),
  agentId: z
    .string()
    .min(1)
    .optional()
    .describe("Give the leads to this agent (of the team, or the agent's)"),
  ...csvFormatQuery,
});

const importSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  listName: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  rowsRead: z.number().int().describe('Data rows read so far'),
  imported: z.number().int(),
  rejected: z.number().int().describe('Invalid rows'),
  duplicates: z.number().int(),
  dnc: z.number().int().describe('Rows whose number is on a do-not-call list'),
  error: z.string().nullable().describe('Why the import failed'),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  by: z.string(),
});

const importBody = (r: ImportRecord) => ({
  ...r,
  startedAt: iso(r.startedAt),
  finishedAt: r.finishedAt === null ? null : iso(r.finishedAt),
});

const importErrorSchema = z.object({
  line: z.number().int(),
  kind: z.enum(['invalid', 'duplicate', 'dnc']),
  reason: z.string(),
  raw: z
    .string()
    .describe('The row as it was in the file, phone-like digit runs masked but for their last 4 digits'),
});

const leadSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  importId: z.string().nullable(),
  phone: z.string().describe('E.164; masked but for the last 4 digits for team leaders'),
  name: z.string().nullable(),
  fields: z
    .record(z.string(), z.string())
    .describe(
      "For team leaders, masked by the campaign's fieldKinds: phone fields but for their last 4 digits, " +
        'text fields (and undeclared ones) their phone-like runs (6 digits or more); id fields as written',
    ),
  state: z.enum(LEAD_STATES),
  teamId: z.string().nullable(),
  agentId: z.string().nullable(),
  dueAt: z.iso.datetime().nullable().describe('When a retry or callback is due'),
  attempts: z.number().int(),
  lastOutcome: z.string().nullable(),
  lastDisposition: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const leadBody = (l: LeadRecord) => ({
  id: l.id,
  campaignId: l.campaignId,
  importId: l.importId,
  phone: l.phone,
  name: l.name,
  fields: l.fields,
  state: l.state,
  teamId: l.teamId,
  agentId: l.agentId,
  dueAt: l.dueAt > 0 ? iso(l.dueAt) : null,
  attempts: l.attempts,
  lastOutcome: l.lastOutcome,
  lastDisposition: l.lastDisposition,
  createdAt: iso(l.createdAt),
  updatedAt: iso(l.updatedAt),
});

const counts = z.record(z.string(), z.number().int());

const summarySchema = z.object({
  campaignId: z.string(),
  total: z.number().int(),
  byState: counts,
  distribution: z
    .array(
      z.object({
        teamId: z.string().nullable(),
        agentId: z.string().nullable(),
        total: z.number().int(),
        waiting: z.number().int().describe('new, retry and callback'),
        byState: counts,
      }),
    )
    .describe("Team and agent null: the campaign's shared pool; agent null: the team's unassigned batch"),
});

const purgeSchema = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  campaignId: z.string().nullable(),
  by: z.string(),
  reason: z.string(),
  leads: z.number().int().describe('Leads deleted'),
  stats: z
    .record(z.string(), z.unknown())
    .describe('Anonymized counts: byState, byDisposition, and the scope'),
});

const purgeBody = (r: LeadPurgeRecord) => ({ ...r, at: iso(r.at) });

const dncEntrySchema = z.object({
  phone: z.string(),
  reason: z.string().nullable(),
  addedBy: z.string(),
  addedAt: z.iso.datetime(),
});

const dncImportSchema = z.object({
  rowsRead: z.number().int(),
  added: z.number().int(),
  existing: z.number().int().describe('Valid numbers already on the list'),
  invalid: z.number().int(),
  leadsMarked: z.number().int().describe('Waiting leads moved to state dnc'),
  errors: z
    .array(
      z.object({
        line: z.number().int(),
        reason: z.string(),
        raw: z.string().describe('The row, phone-like digit runs masked but for their last 4 digits'),
      }),
    )
    .describe('First 1,000'),
});

/** Shown in the OpenAPI document only: the body is streamed as it arrives. */
export const csvBodySchema = z.unknown().meta({ type: 'string', description: 'The CSV file (text/csv)' });

/** The lead service's refusals as HTTP errors. */
const run = domainErrors<LeadErrorCode>(LeadError, {
  CAMPAIGN_NOT_FOUND: 404,
  CAMPAIGN_FINISHED: 409,
  IMPORT_NOT_FOUND: 404,
  IMPORT_RUNNING: 409,
  UNKNOWN_TEAM: 400,
  UNKNOWN_AGENT: 400,
  AGENT_NOT_IN_TEAM: 400,
  MAPPING_INVALID: 400,
  CSV_INVALID: 400,
  PAYLOAD_TOO_LARGE: 413,
  UPLOAD_INCOMPLETE: 400,
  PHONE_INVALID: 400,
  DNC_NOT_FOUND: 404,
  FORBIDDEN: 403,
  VALIDATION_FAILED: 400,
});

/** The request body as a CSV input: the raw stream (text/csv) or a string (text/plain). */
export function csvInput(request: FastifyRequest, maxBytes: number): CsvInput {
  const length = Number(request.headers['content-length']);
  if (Number.isFinite(length) && length > maxBytes) {
    throw new HttpError(
      413,
      'PAYLOAD_TOO_LARGE',
      `The file has ${length} bytes; at most ${maxBytes} are taken in one upload`,
    );
  }
  const { body } = request;
  if (body instanceof Readable || typeof body === 'string') return body;
  throw new HttpError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'Send the CSV file itself as the body, with content-type text/csv',
  );
}

/** A number put on a do-not-call list (201 new, 200 listed already). */
const dncAdded = z.object({
  scope: z.string(),
  phone: z.string(),
  added: z.boolean(),
  leadsMarked: z.number().int(),
});

/** Leads, their imports and distribution, purges, and the do-not-call lists. Mounted under /v1. */
export const leadRoutes: FastifyPluginAsyncZod<LeadApiDeps> = async (app, deps) => {
  const { leads } = deps;

  // CSV bodies are passed on as the raw stream, read as they arrive: a large file is never held whole.
  // Scoped to this plugin (the agent import has its own, buffered parser).
  app.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));

  const by = (request: FastifyRequest) => request.principal!.name;
  const actor = (request: FastifyRequest) => ({ by: by(request), ledTeams: ledTeams(request) });
  /** The upload, opened once the service has found the request acceptable. */
  const upload = (request: FastifyRequest) => () => csvInput(request, leads.maxImportBytes);

  // --- Imports -----------------------------------------------------------------------------------------

  app.post(
    '/campaigns/:id/leads/imports',
    {
      config: { ...SUPERVISORS, rateLimit: 'import' },
      schema: {
        tags: TAGS,
        summary: 'Import a lead list (CSV)',
        description:
          'The body is the CSV file (content-type text/csv), header row first, up to 200 MB, streamed to ' +
          'a temporary file as it arrives (never held in memory). The query maps columns by header: ' +
          '`phone` (default "phone"), `name`, and `fields` for custom fields. Once the upload is in and ' +
          'its header fits the mapping, the import is recorded and the answer is 202 with it, while the ' +
          'rows are imported in the background (100,000 in a few seconds): poll ' +
          'GET /v1/lead-imports/{importId} for progress and status, and download the error report (every ' +
          'row not imported, with its line and why) from GET /v1/lead-imports/{importId}/errors. Numbers ' +
          'are normalized to E.164 (numbers without a country code are read as of the configured ' +
          'country); rows with an invalid number, a name over 200 or a field over 1,000 characters, or ' +
          'another cell count than the header are rejected; numbers already in the campaign or earlier ' +
          'in the file are duplicates; numbers on the global or the campaign’s do-not-call list are ' +
          'scrubbed. With `teamId` (and `agentId`) the leads go to that team (agent) instead of the ' +
          'pool. 400 MAPPING_INVALID or CSV_INVALID when the header does not fit; 409 CAMPAIGN_FINISHED.',
        params: campaignParams,
        querystring: importQuery,
        consumes: ['text/csv'],
        body: csvBodySchema,
        response: {
          202: z.object({ import: importSchema }),
          ...errorResponses(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { delimiter, ...query } = request.query;
      const started = await run(() =>
        leads.importUpload(
          request.params.id,
          { ...query, delimiter: DELIMITERS[delimiter] },
          upload(request),
          by(request),
        ),
      );
      return reply
        .status(202)
        .header('location', `/v1/lead-imports/${started.id}`)
        .send({ import: importBody(started) });
    },
  );

  app.get(
    '/campaigns/:id/leads/imports',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: "A campaign's lead imports",
        description: 'Oldest first, with their counts and status.',
        params: campaignParams,
        response: { 200: z.object({ imports: z.array(importSchema) }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      imports: (await run(() => leads.imports(request.params.id))).map(importBody),
    }),
  );

  app.get(
    '/lead-imports/:importId',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'A lead import and its progress',
        description:
          'Counts so far while status is running (stored after each batch of rows); done or failed at ' +
          'the end, with the error for a failed one (rows before it stay imported).',
        params: importParams,
        response: { 200: importSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => importBody(await run(() => leads.import(request.params.importId))),
  );

  app.get(
    '/lead-imports/:importId/errors',
    {
      config: { ...SUPERVISORS, rateLimit: 'export' },
      schema: {
        tags: TAGS,
        summary: "Download an import's error report",
        description:
          'Every row the import did not take, by line: kind invalid, duplicate or dnc, the reason, and ' +
          'the raw row (phone-like digit runs masked but for their last 4 digits). CSV ' +
          '(line,kind,reason,raw) as an attachment, streamed whatever its size; a cell starting with ' +
          '= + - or @ gets a leading single quote so that a spreadsheet shows it as text. JSON with ' +
          '`format=json` or `Accept: application/json`, a page at a time (`limit`, `offset`; `total` ' +
          'counts them all). `kind` filters both. Purging the import’s leads deletes its report.',
        params: importParams,
        querystring: z.object({
          format: z.enum(['csv', 'json']).optional(),
          kind: z.enum(['invalid', 'duplicate', 'dnc']).optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(1_000).describe('JSON: rows per page'),
          offset: z.coerce.number().int().min(0).default(0).describe('JSON: rows to skip'),
        }),
        response: {
          200: z
            .union([
              // Streamed: the type is for the OpenAPI document only.
              z.unknown().meta({ type: 'string', description: 'text/csv: line,kind,reason,raw' }),
              z.object({
                importId: z.string(),
                total: z.number().int().describe('Rows in the report (of `kind`), ignoring limit and offset'),
                errors: z.array(importErrorSchema),
              }),
            ])
            .describe('The report, as CSV or JSON'),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { importId } = request.params;
      const { format, kind, limit, offset } = request.query;
      const json =
        format === 'json' || (format === undefined && /application\/json/.test(request.headers.accept ?? ''));
      if (json) {
        return { importId, ...(await run(() => leads.importErrors(importId, { kind, limit, offset }))) };
      }
      const report = await run(() => leads.importErrorReport(importId, kind));
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="lead-import-${importId}-errors.csv"`)
        .header('cache-control', 'private, no-store')
        .send(report);
    },
  );

  // --- Leads and distribution ---------------------------------------------------------------------------

  app.get(
    '/campaigns/:id/leads',
    {
      config: LEADERS,
      schema: {
        tags: TAGS,
        summary: "A campaign's leads",
        description:
          'In import order. A team leader sees only the teams they lead (give `teamId` when they lead ' +
          'several), with numbers masked but for the last 4 digits.',
        params: campaignParams,
        querystring: z.object({
          state: z.enum(LEAD_STATES).optional(),
          teamId: z.string().min(1).optional(),
          agentId: z.string().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(1_000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: {
          200: z.object({
            leads: z.array(leadSchema),
            total: z.number().int().describe('Matches in all, ignoring limit and offset'),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const page = await run(() => leads.list(request.params.id, request.query, actor(request)));
      return { leads: page.leads.map(leadBody), total: page.total };
    },
  );

  app.get(
    '/campaigns/:id/leads/summary',
    {
      config: LEADERS,
      schema: {
        tags: TAGS,
        summary: "A campaign's leads by state and distribution",
        description: 'A team leader gets the counts of the teams they lead only.',
        params: campaignParams,
        response: { 200: summarySchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      return { campaignId: id, ...(await run(() => leads.summary(id, actor(request)))) };
    },
  );

  const assignBody = z.strictObject({
    teamId: z.string().min(1),
    agentId: z.string().min(1).optional(),
    count: z.number().int().min(1).max(MAX_ASSIGN),
  });

  app.post(
    '/campaigns/:id/leads/assign',
    {
      config: LEADERS,
      schema: {
        tags: TAGS,
        summary: 'Give leads to a team or an agent',
        description:
          "Without agentId: up to `count` new leads of the campaign's pool go to the team (a supervisor's " +
          "batch, every few days). With agentId: up to `count` of the team's unassigned new leads go to " +
          'that agent of the team (each morning), by the team’s leader or a supervisor. Oldest first, ' +
          `at most ${MAX_ASSIGN.toLocaleString('en')} per request. Answers how many moved (fewer when ` +
          'fewer wait).',
        params: campaignParams,
        body: assignBody,
        response: {
          200: z.object({ assigned: z.number().int(), teamId: z.string(), agentId: z.string().nullable() }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { assigned, agentId } = await run(() =>
        leads.assign(request.params.id, request.body, actor(request)),
      );
      return { assigned, teamId: request.body.teamId, agentId };
    },
  );

  app.post(
    '/campaigns/:id/leads/unassign',
    {
      config: LEADERS,
      schema: {
        tags: TAGS,
        summary: 'Take unused leads back',
        description:
          "With agentId: the agent's new leads go back to the team's batch (the team's leader or a " +
          "supervisor). Without: the team's new leads, its agents' included, go back to the pool " +
          '(a supervisor). Leads already dialed stay where they are.',
        params: campaignParams,
        body: z.strictObject({ teamId: z.string().min(1), agentId: z.string().min(1).optional() }),
        response: { 200: z.object({ unassigned: z.number().int() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      unassigned: await run(() => leads.unassign(request.params.id, request.body, actor(request))),
    }),
  );

  // --- Purge ---------------------------------------------------------------------------------------------

  app.post(
    '/campaigns/:id/leads/purge',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'Purge leads now',
        description:
          'Deletes the used leads (done, dnc, failed), or with `all` every lead not in a call; narrowed ' +
          'to one import (`importId`) and/or to leads untouched for `olderThanDays`. Error reports of the ' +
          'imports concerned go too. Only anonymized counts are kept, in the purge log (GET ' +
          '/v1/lead-purges), which this answers with.',
        params: campaignParams,
        body: z.strictObject({
          all: z.boolean().default(false),
          olderThanDays: z.number().int().min(0).max(36_500).optional(),
          importId: z.string().min(1).optional(),
          reason: z.string().trim().min(1).max(200),
        }),
        response: { 200: z.object({ purge: purgeSchema }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({
      purge: purgeBody(await run(() => leads.purge(request.params.id, request.body, by(request)))),
    }),
  );

  app.get(
    '/lead-purges',
    {
      config: SUPERVISORS,
      schema: {
        tags: TAGS,
        summary: 'The lead purge log',
        description: 'Every purge, on demand or scheduled, oldest first: who, why, and anonymized counts.',
        querystring: z.object({ campaignId: z.string().min(1).optional() }),
        response: { 200: z.object({ purges: z.array(purgeSchema) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ purges: leads.purges(request.query.campaignId).map(purgeBody) }),
  );

  // --- Do-not-call lists ---------------------------------------------------------------------------------

  /** `listOf`: the list a request names (its campaign, or the global list). */
  const dncRoutes = (path: string, scopeName: string, listOf: (request: FastifyRequest) => DncList) => {
    const params = path.includes(':id') ? campaignParams : z.object({});
    const phoneParams = params.extend({ phone: z.string().min(1).max(60) });

    app.get(
      path,
      {
        config: SUPERVISORS,
        schema: {
          tags: TAGS,
          summary: `The ${scopeName} do-not-call list`,
          description: 'Oldest first.',
          params,
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1_000).default(100),
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: {
            200: z.object({ scope: z.string(), total: z.number().int(), entries: z.array(dncEntrySchema) }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => {
        const { limit, offset } = request.query;
        const { scope, total, entries } = await run(() => leads.dncEntries(listOf(request), limit, offset));
        return { scope, total, entries: entries.map((e) => ({ ...e, addedAt: iso(e.addedAt) })) };
      },
    );

    app.post(
      path,
      {
        config: SUPERVISORS,
        schema: {
          tags: TAGS,
          summary: `Put a number on the ${scopeName} do-not-call list`,
          description:
            'The number is normalized to E.164 (400 PHONE_INVALID if it is not a valid number). 201 when ' +
            "new, 200 when it was listed already. The number's waiting leads (new, retry, callback) move " +
            'to state dnc at once; it is never dialed again.',
          params,
          body: z.strictObject({
            phone: z.string().min(1).max(60),
            reason: z.string().trim().max(DNC_REASON_CHARS).optional(),
          }),
          response: { 200: dncAdded, 201: dncAdded, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const entry = await run(() => leads.addDnc(listOf(request), request.body, by(request)));
        return reply.status(entry.added ? 201 : 200).send(entry);
      },
    );

    app.delete(
      `${path}/:phone`,
      {
        config: SUPERVISORS,
        schema: {
          tags: TAGS,
          summary: `Take a number off the ${scopeName} do-not-call list`,
          description:
            'The number in the path is normalized like any other (URL-encode the +, as %2B). Leads it ' +
            'moved to dnc stay there.',
          params: phoneParams,
          response: { 204: z.null().describe('Removed'), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { phone } = request.params as { phone: string };
        await run(() => leads.removeDnc(listOf(request), phone, by(request)));
        return reply.status(204).send(null);
      },
    );

    app.post(
      `${path}/import`,
      {
        config: { ...SUPERVISORS, rateLimit: 'import' },
        schema: {
          tags: TAGS,
          summary: `Import numbers into the ${scopeName} do-not-call list (CSV)`,
          description:
            'The body is a CSV file (text/csv), streamed: one column of numbers and an optional second ' +
            'column with a reason. `header=auto` (the default): the first row is a header only when it ' +
            'has no digit and names a number column (phone, number, tel, msisdn…); `header=true`: the ' +
            'first row is a header; `header=false`: there is none. With a header the columns named ' +
            'phone/number and reason are used. Numbers are normalized to E.164; rows without a valid ' +
            'number are counted and listed (the first 1,000), not added. Waiting leads with a listed ' +
            'number move to state dnc.',
          params,
          querystring: z.object({
            ...csvFormatQuery,
            header: z
              .enum(['auto', 'true', 'false'])
              .default('auto')
              .describe('Whether the first row is a header'),
          }),
          consumes: ['text/csv'],
          body: csvBodySchema,
          response: { 200: dncImportSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request) => {
        const { delimiter, encoding, header } = request.query;
        const format = {
          delimiter: DELIMITERS[delimiter],
          encoding,
          header: header === 'auto' ? undefined : header === 'true',
        };
        return run(() => leads.importDnc(listOf(request), format, upload(request), by(request)));
      },
    );
  };

  dncRoutes('/dnc/global', 'global', () => ({ campaignId: null }));
  dncRoutes('/campaigns/:id/dnc', "campaign's", (request) => ({
    campaignId: (request.params as { id: string }).id,
  }));
};
