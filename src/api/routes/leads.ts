import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addDncNumber, DNC_GLOBAL, DNC_REASON_CHARS, importDnc } from '../../dialer/dnc.js';
import {
  assignLeads,
  countLeads,
  leadSummary,
  MAX_ASSIGN,
  unassignLeads,
} from '../../dialer/lead-distribution.js';
import {
  DEFAULT_MAX_IMPORT_BYTES,
  type LeadFieldMapping,
  LeadImportError,
} from '../../dialer/lead-import.js';
import { purgeLeads } from '../../dialer/lead-purge.js';
import { maskPhoneLike, normalizePhone } from '../../dialer/phone.js';
import { CsvError, csvTextCell } from '../../lib/csv.js';
import {
  CSV_ENCODINGS,
  CsvEncodingError,
  type CsvInput,
  CsvInputError,
  CsvTooLargeError,
} from '../../lib/csv-source.js';
import { maskNumber } from '../../lib/logger.js';
import {
  type CampaignRow,
  type ImportError,
  type ImportRecord,
  LEAD_STATES,
  type LeadPurgeRecord,
  type LeadRecord,
  type Store,
} from '../../store/index.js';
import { agentScopeFilter } from '../agent-scope.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
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
    .describe('For team leaders, phone-like digit runs (6 digits or more) masked but for the last 4'),
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

/** Custom field values with anything like a phone number in them masked (a second number, a mobile). */
const maskFields = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, maskPhoneLike(v)]));

const leadBody = (l: LeadRecord, mask: boolean) => ({
  id: l.id,
  campaignId: l.campaignId,
  importId: l.importId,
  phone: mask ? maskNumber(l.phone) : l.phone,
  name: l.name,
  fields: mask ? maskFields(l.fields) : l.fields,
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
    .array(z.object({ line: z.number().int(), reason: z.string(), raw: z.string() }))
    .describe('First 1,000'),
});

/** Shown in the OpenAPI document only: the body is streamed as it arrives. */
const csvBodySchema = z.unknown().meta({ type: 'string', description: 'The CSV file (text/csv)' });

const campaignNotFound = (id: string) =>
  new HttpError(404, 'CAMPAIGN_NOT_FOUND', `No campaign with id ${id}`);
const importNotFound = (id: string) => new HttpError(404, 'IMPORT_NOT_FOUND', `No lead import with id ${id}`);

/** 'rest', or 'a,b=c' -> { a: 'a', b: 'c' }. */
function fieldMapping(text: string | undefined): LeadFieldMapping | undefined {
  if (!text) return undefined;
  if (text === 'rest') return 'rest';
  const mapping: Record<string, string> = {};
  for (const item of text.split(',')) {
    const [field, column] = item.includes('=') ? item.split('=', 2) : [item, item];
    const name = field!.trim();
    if (!name) continue;
    if (Object.hasOwn(mapping, name)) {
      throw new HttpError(400, 'MAPPING_INVALID', `Custom field ${JSON.stringify(name)} is given twice`);
    }
    mapping[name] = column!.trim();
  }
  return mapping;
}

/** The request body as a CSV input: the raw stream (text/csv) or a string (text/plain). */
function csvInput(request: FastifyRequest, maxBytes: number): CsvInput {
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

/** Rows of an error report read per step while it is downloaded. */
const REPORT_PAGE_ROWS = 1_000;

const reportCsvLine = (e: ImportError) =>
  `${[e.line, e.kind, csvTextCell(e.reason), csvTextCell(e.raw)].join(',')}\r\n`;

/**
 * An import's error report as CSV, read page by page (keyset, so no statement stays open in between)
 * as the client takes it, with a turn of the event loop between pages: any size, little memory.
 */
function reportCsv(store: Store, importId: string, kind: ImportError['kind'] | undefined): Readable {
  async function* lines() {
    yield 'line,kind,reason,raw\r\n';
    let cursor: { line: number; rowid: number } | null = null;
    do {
      const page = store.leadImports.errorsAfter(importId, cursor, REPORT_PAGE_ROWS, kind);
      if (page.errors.length > 0) yield page.errors.map(reportCsvLine).join('');
      cursor = page.next;
      if (cursor) await nextTurn();
    } while (cursor);
  }
  return Readable.from(lines(), { objectMode: false });
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
  const { store } = app;
  const { importer, defaultCountry } = deps;
  const maxBytes = deps.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES;
  const now = deps.now ?? Date.now;

  // CSV bodies are passed on as the raw stream, read as they arrive: a large file is never held whole.
  // Scoped to this plugin (the agent import has its own, buffered parser).
  app.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));

  const campaignOf = (id: string): CampaignRow => {
    const campaign = store.campaigns.get(id);
    if (!campaign) throw campaignNotFound(id);
    return campaign;
  };

  const importOf = (id: string): ImportRecord => {
    const record = store.leadImports.get(id);
    if (!record) throw importNotFound(id);
    return record;
  };

  /** The teams a team leader leads; null for supervisors and admins (all teams). */
  const ledTeams = (request: FastifyRequest): readonly string[] | null =>
    agentScopeFilter(store, request.principal!)?.teamIds ?? null;

  /** `teams`: the caller's ledTeams, worked out once per request. */
  const assertLeads = (teams: readonly string[] | null, teamId: string) => {
    if (teams !== null && !teams.includes(teamId)) {
      throw new HttpError(403, 'FORBIDDEN', `You do not lead team ${teamId}`);
    }
  };

  const by = (request: FastifyRequest) => request.principal!.name;

  /** The team and agent an import or an assignment names, checked: the agent must be in the team. */
  const teamAndAgent = (teamId: string | undefined, agentId: string | undefined) => {
    if (teamId !== undefined && !store.teams.get(teamId)) {
      throw new HttpError(400, 'UNKNOWN_TEAM', `No team with id ${teamId}`);
    }
    if (agentId === undefined) return { teamId: teamId ?? null, agentId: null };
    const agent = store.agents.get(agentId);
    if (!agent?.active) throw new HttpError(400, 'UNKNOWN_AGENT', `No active agent with id ${agentId}`);
    if (teamId !== undefined && agent.teamId !== teamId) {
      throw new HttpError(400, 'AGENT_NOT_IN_TEAM', `Agent ${agentId} is not in team ${teamId}`);
    }
    return { teamId: teamId ?? agent.teamId, agentId };
  };

  // --- Imports -----------------------------------------------------------------------------------------

  app.post(
    '/campaigns/:id/leads/imports',
    {
      config: SUPERVISORS,
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
      const { id } = request.params;
      const campaign = campaignOf(id);
      if (campaign.state === 'finished') {
        throw new HttpError(409, 'CAMPAIGN_FINISHED', `Campaign ${id} is finished; it takes no more leads`);
      }
      const q = request.query;
      const target = teamAndAgent(q.teamId, q.agentId);
      const mapping = { phone: q.phone, name: q.name, fields: fieldMapping(q.fields) };
      const input = csvInput(request, maxBytes);
      try {
        const started = await importer.receive(input, {
          campaignId: id,
          listName: q.listName ?? `import ${iso(now()).slice(0, 10)}`,
          mapping,
          by: by(request),
          teamId: target.teamId,
          agentId: target.agentId,
          delimiter: DELIMITERS[q.delimiter],
          encoding: q.encoding,
        });
        return reply
          .status(202)
          .header('location', `/v1/lead-imports/${started.id}`)
          .send({ import: importBody(importOf(started.id)) });
      } catch (err) {
        if (err instanceof LeadImportError) {
          throw new HttpError(err.code === 'CAMPAIGN_NOT_FOUND' ? 404 : 400, err.code, err.message);
        }
        if (err instanceof CsvTooLargeError) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', err.message);
        if (err instanceof CsvInputError) throw new HttpError(400, 'UPLOAD_INCOMPLETE', err.message);
        throw err;
      }
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
    async (request) => {
      const { id } = request.params;
      campaignOf(id);
      return { imports: store.leadImports.list(id).map(importBody) };
    },
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
    async (request) => importBody(importOf(request.params.importId)),
  );

  app.get(
    '/lead-imports/:importId/errors',
    {
      config: SUPERVISORS,
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
      importOf(importId);
      const { format, kind, limit, offset } = request.query;
      const json =
        format === 'json' || (format === undefined && /application\/json/.test(request.headers.accept ?? ''));
      if (json) {
        return {
          importId,
          total: store.leadImports.countErrors(importId, kind),
          errors: store.leadImports.errors(importId, { kind, limit, offset }),
        };
      }
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="lead-import-${importId}-errors.csv"`)
        .header('cache-control', 'private, no-store')
        .send(reportCsv(store, importId, kind));
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
      const { id } = request.params;
      campaignOf(id);
      const { limit, offset, ...filter } = request.query;
      const teams = ledTeams(request);
      if (teams !== null) {
        if (filter.teamId === undefined) {
          if (teams.length === 0) throw new HttpError(403, 'FORBIDDEN', 'You lead no team');
          if (teams.length > 1) {
            throw new HttpError(
              400,
              'VALIDATION_FAILED',
              `You lead several teams: give teamId (${teams.join(', ')})`,
            );
          }
          filter.teamId = teams[0];
        }
        assertLeads(teams, filter.teamId!);
      }
      const query = { campaignId: id, ...filter };
      const leads = store.leads.list({ ...query, limit, offset });
      return { leads: leads.map((l) => leadBody(l, teams !== null)), total: countLeads(store, query) };
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
      campaignOf(id);
      return { campaignId: id, ...leadSummary(store, id, ledTeams(request)) };
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
      const { id } = request.params;
      campaignOf(id);
      const { teamId, agentId, count } = request.body;
      const target = teamAndAgent(teamId, agentId);
      const teams = ledTeams(request);
      if (agentId === undefined && teams !== null) {
        throw new HttpError(403, 'FORBIDDEN', "Only a supervisor gives the pool's leads to a team");
      }
      assertLeads(teams, teamId);
      const assigned = await assignLeads(
        store,
        id,
        { teamId, agentId: target.agentId ?? undefined },
        count,
        now(),
        agentId !== undefined,
      );
      request.log.info({ campaignId: id, teamId, agentId, asked: count, assigned }, 'leads assigned');
      return { assigned, teamId, agentId: target.agentId };
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
    async (request) => {
      const { id } = request.params;
      campaignOf(id);
      const { teamId, agentId } = request.body;
      teamAndAgent(teamId, agentId);
      const teams = ledTeams(request);
      if (agentId === undefined && teams !== null) {
        throw new HttpError(403, 'FORBIDDEN', "Only a supervisor returns a team's leads to the pool");
      }
      assertLeads(teams, teamId);
      const unassigned = await unassignLeads(store, id, agentId ? { agentId } : { teamId }, now());
      request.log.info({ campaignId: id, teamId, agentId, unassigned }, 'leads unassigned');
      return { unassigned };
    },
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
    async (request) => {
      const { id } = request.params;
      campaignOf(id);
      const { all, olderThanDays, importId, reason } = request.body;
      if (importId !== undefined) {
        const record = importOf(importId);
        if (record.campaignId !== id) throw importNotFound(importId);
        if (record.status === 'running') {
          throw new HttpError(409, 'IMPORT_RUNNING', `Import ${importId} is still running`);
        }
      }
      const purge = (await purgeLeads(
        store,
        { campaignId: id, importId, olderThanDays, all, by: by(request), reason },
        { now: now(), logger: request.log, logEmpty: true },
      ))!;
      return { purge: purgeBody(purge) };
    },
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
    async (request) => ({ purges: store.leadPurges.list(request.query.campaignId).map(purgeBody) }),
  );

  // --- Do-not-call lists ---------------------------------------------------------------------------------

  const dncRoutes = (path: string, scopeName: string, scopeOf: (request: FastifyRequest) => string) => {
    const params = path.includes(':id') ? campaignParams : z.object({});
    const phoneParams = params.extend({ phone: z.string().min(1).max(60) });

    const phoneOf = (raw: string) => {
      const normalized = normalizePhone(raw, defaultCountry);
      if (!normalized.ok) throw new HttpError(400, 'PHONE_INVALID', `phone: ${normalized.reason}`);
      return normalized.e164;
    };

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
        const scope = scopeOf(request);
        const { limit, offset } = request.query;
        return {
          scope,
          total: store.dnc.count(scope),
          entries: store.dnc.list(scope, limit, offset).map((e) => ({ ...e, addedAt: iso(e.addedAt) })),
        };
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
        const scope = scopeOf(request);
        const phone = phoneOf(request.body.phone);
        const { added, leadsMarked } = addDncNumber(
          store,
          { scope, phone, reason: request.body.reason || null, by: by(request) },
          now(),
        );
        request.log.info(
          { scope, phone: maskNumber(phone), added, leadsMarked },
          'number put on do-not-call',
        );
        return reply.status(added ? 201 : 200).send({ scope, phone, added, leadsMarked });
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
        const scope = scopeOf(request);
        const phone = phoneOf((request.params as { phone: string }).phone);
        if (!store.dnc.remove(scope, phone)) {
          throw new HttpError(404, 'DNC_NOT_FOUND', `${phone} is not on the ${scopeName} do-not-call list`);
        }
        request.log.info({ scope, phone: maskNumber(phone) }, 'number taken off do-not-call');
        return reply.status(204).send(null);
      },
    );

    app.post(
      `${path}/import`,
      {
        config: SUPERVISORS,
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
        const scope = scopeOf(request);
        const input = csvInput(request, maxBytes);
        try {
          return await importDnc(store, input, {
            scope,
            by: by(request),
            defaultCountry,
            now,
            logger: request.log,
            maxBytes,
            delimiter: DELIMITERS[request.query.delimiter],
            encoding: request.query.encoding,
            header: request.query.header === 'auto' ? undefined : request.query.header === 'true',
          });
        } catch (err) {
          if (err instanceof CsvError || err instanceof CsvEncodingError) {
            throw new HttpError(400, 'CSV_INVALID', `${err.message}; the numbers before it were added`);
          }
          if (err instanceof CsvTooLargeError) {
            throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `${err.message}; the numbers before it were added`);
          }
          if (err instanceof CsvInputError) throw new HttpError(400, 'UPLOAD_INCOMPLETE', err.message);
          throw err;
        }
      },
    );
  };

  dncRoutes('/dnc/global', 'global', () => DNC_GLOBAL);
  dncRoutes('/campaigns/:id/dnc', "campaign's", (request) => {
    const { id } = request.params as { id: string };
    campaignOf(id);
    // The dnc table keys the global list by scope 'global': a campaign of that id cannot have its own.
    if (id === DNC_GLOBAL)
      throw new HttpError(400, 'VALIDATION_FAILED', `Campaign ${id}: use /v1/dnc/global`);
    return id;
  });
};
